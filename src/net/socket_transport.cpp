// SocketTransport: asyncio's _SelectorSocketTransport for the protocol API.
//
// A reading task receives into a 64 KiB buffer and calls protocol.data_received; the
// write half is a WriteSide. The transport keeps itself alive (`self_`) until it has
// closed its socket and called connection_lost, which happens once the reading task
// has ended and the buffer is flushed (close) or at once (abort). pause_reading cancels
// the receive in flight; bytes that arrive anyway are held and delivered on resume. If
// the loop closes first, the reading task is cancelled and the transport aborts.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <memory>

#include "corio/net/create_connection.hpp"
#include "corio/net/detail/io_await.hpp"
#include "corio/net/socket.hpp"
#include "corio/sync/event.hpp"
#include "loop/driver/driver.hpp"
#include "net/server_core.hpp"
#include "net/stream_state.hpp"
#include "net/transports.hpp"
#include "net/write_side.hpp"

namespace corio::detail {

namespace {

constexpr std::size_t kReadSize = 64 * 1024;

class SocketTransport final : public Transport,
                              public ServerConnection,
                              private WriteSide::Hooks,
                              public std::enable_shared_from_this<SocketTransport> {
 public:
  SocketTransport(EventLoop* loop, int fd, std::shared_ptr<Protocol> p, const SocketAddress* peer)
      : loop_(loop), fd_(fd), protocol_(std::move(p)) {
    if (peer) peer_ = *peer;
    local_.reset_for_output();
    if (::getsockname(fd_, local_.raw(), local_.size_ptr()) < 0) local_ = SocketAddress();
    if (!peer) {
      peer_.reset_for_output();
      if (::getpeername(fd_, peer_.raw(), peer_.size_ptr()) < 0) peer_ = SocketAddress();
    }
    if (local_.family() == AF_INET || local_.family() == AF_INET6) {
      int one = 1;
      ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
  }
  ~SocketTransport() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void start(std::shared_ptr<ServerCore> server) {
    self_ = shared_from_this();
    if (server) attach(std::move(server));
    rbuf_.reset(new char[kReadSize]);
    reader_running_ = true;
    resume_.set();
    loop_->create_task(read_loop(shared_from_this()));
    call([&] { protocol_->connection_made(*this); }, "protocol.connection_made() call failed");
  }

  std::any get_extra_info(std::string_view name, std::any default_value) const override {
    if (name == "peername") return peer_;
    if (name == "sockname") return local_;
    if (name == "socket") return fd_;
    return default_value;
  }
  bool is_closing() const noexcept override { return closing_; }

  void write(std::string_view data) override {
    if (eof_requested_) throw RuntimeError("Cannot call write() after write_eof()");
    if (closing_) return;  // as asyncio: writes after close are dropped
    out_.write(loop_, fd_, data);
  }
  void writelines(std::span<const std::string_view> lines) override {
    if (eof_requested_) throw RuntimeError("Cannot call write() after write_eof()");
    if (closing_) return;
    out_.writev(loop_, fd_, lines.data(), lines.size());
  }
  void write_eof() override {
    if (closing_ || eof_requested_) return;
    eof_requested_ = true;
    if (!out_.watching()) shutdown_write();
  }
  bool can_write_eof() const noexcept override { return true; }

  void close() noexcept override {
    if (closing_) return;
    closing_ = true;
    stop_reading();
    try_finish();
  }
  void abort() noexcept override {
    if (finished_) return;
    closing_ = true;
    out_.drop(loop_, fd_);
    stop_reading();
    try_finish();
  }

  void pause_reading() override {
    if (closing_ || paused_) return;
    paused_ = true;
    resume_.clear();
    cancel_recv();
  }
  void resume_reading() override {
    if (closing_ || !paused_) return;
    paused_ = false;
    resume_.set();
  }
  bool is_reading() const noexcept override { return !paused_ && !closing_; }

  void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) override {
    out_.set_limits(high, low ? *low : high / 4);
  }
  std::size_t get_write_buffer_size() const noexcept override { return out_.buffered(); }

  void close_connection() noexcept override { close(); }
  void abort_connection() noexcept override { abort(); }

 private:
  // Forgets the receive in flight if the reading frame is destroyed while waiting (its
  // task abandoned by a closing loop); if the kernel may still fill the buffer, the
  // buffer is left to it.
  struct RecvSlot {
    SocketTransport* t;
    const IoOp* op;
    ~RecvSlot() {
      if (t->recv_op_ != op) return;
      t->recv_op_ = nullptr;
      if (op->pending && t->loop_->is_closed()) (void)t->rbuf_.release();
    }
  };

  static Coro<void> read_loop(std::shared_ptr<SocketTransport> t) {
    struct Exit {
      SocketTransport* t;
      ~Exit() {
        t->reader_running_ = false;
        t->try_finish();
      }
    } exit{t.get()};
    try {
      while (!t->closing_ && !t->eof_) {
        if (t->paused_) {
          co_await t->resume_.wait();
          continue;
        }
        if (t->held_ > 0) {
          t->deliver(std::exchange(t->held_, 0));
          continue;
        }
        IoAwait a;
        prepare_recv(a, t->fd_, t->rbuf_.get(), kReadSize);
        RecvSlot slot{t.get(), &a.op};  // destroyed before `a`
        t->recv_op_ = &a.op;
        t->recv_cancelled_ = false;
        std::int32_t r;
        try {
          r = co_await a;
        } catch (...) {
          t->recv_op_ = nullptr;
          throw;
        }
        t->recv_op_ = nullptr;
        if (r > 0) {
          if (t->paused_ || t->closing_) t->held_ = static_cast<std::size_t>(r);
          else t->deliver(static_cast<std::size_t>(r));
        } else if (r == 0) {
          t->eof_ = true;
          bool keep_open = false;
          t->call([&] { keep_open = t->protocol_->eof_received(); }, "protocol.eof_received() call failed");
          if (!keep_open) t->close();
        } else if (r != -ECANCELED) {  // -ECANCELED: pause_reading or close
          t->eof_ = true;
          t->lost_exc_ = make_os_error(-r, "recv from " + t->peer_.to_string());
          t->abort();
        }
      }
    } catch (const CancelledError&) {
      t->abort();  // the loop is closing
    }
  }

  void deliver(std::size_t n) {
    call([&] { protocol_->data_received(std::string_view(rbuf_.get(), n)); },
         "protocol.data_received() call failed");
  }

  // Runs a protocol callback; an exception is reported and aborts the transport.
  template <class F>
  void call(F fn, const char* what) noexcept {
    try {
      fn();
    } catch (...) {
      auto e = std::current_exception();
      loop_->call_exception_handler(ExceptionContext{std::string("Fatal error: ") + what, e, {}, {}});
      if (!lost_exc_) lost_exc_ = e;
      abort();
    }
  }

  void stop_reading() noexcept {
    cancel_recv();
    resume_.set();  // a paused reading task wakes up and ends
  }

  void cancel_recv() noexcept {
    if (recv_op_ && recv_op_->pending && !recv_cancelled_) {
      recv_cancelled_ = true;
      loop_->driver().cancel(recv_op_);
    }
  }

  void shutdown_write() noexcept {
    eof_sent_ = true;
    ::shutdown(fd_, SHUT_WR);
  }

  // Once closing, nothing reads and nothing is buffered: close the socket and tell the
  // protocol (on the next loop iteration, as asyncio's call_soon(_call_connection_lost)).
  void try_finish() noexcept {
    if (finished_ || !closing_ || reader_running_ || out_.watching()) return;
    finished_ = true;
    ::close(fd_);
    fd_ = -1;
    detach();
    std::shared_ptr<SocketTransport> self = std::move(self_);
    auto lost = [self] {
      try {
        self->protocol_->connection_lost(self->lost_exc_);
      } catch (...) {
        self->loop_->call_exception_handler(
            ExceptionContext{"Exception in protocol.connection_lost()", std::current_exception(), {}, {}});
      }
    };
    try {
      loop_->call_soon(lost);
    } catch (...) {
      lost();  // the loop is closed: tell the protocol now
    }
  }

  // WriteSide::Hooks
  void on_pause() noexcept override {
    try {
      protocol_->pause_writing();
    } catch (...) {
      loop_->call_exception_handler(
          ExceptionContext{"protocol.pause_writing() failed", std::current_exception(), {}, {}});
    }
  }
  void on_resume() noexcept override {
    try {
      protocol_->resume_writing();
    } catch (...) {
      loop_->call_exception_handler(
          ExceptionContext{"protocol.resume_writing() failed", std::current_exception(), {}, {}});
    }
  }
  void on_write_error(int err) noexcept override {
    if (!lost_exc_) lost_exc_ = make_os_error(err, "send to " + peer_.to_string());
    abort();
  }
  void on_flushed() noexcept override {
    if (eof_requested_ && !eof_sent_) shutdown_write();
    try_finish();
  }
  std::function<void()> make_watch() override {
    return [self = shared_from_this()] { self->out_.on_writable(self->loop_, self->fd_); };
  }

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<Protocol> protocol_;
  SocketAddress peer_, local_;
  WriteSide out_{*this};
  std::unique_ptr<char[]> rbuf_;
  std::size_t held_ = 0;  // bytes received while pausing, delivered on resume
  IoOp* recv_op_ = nullptr;
  bool recv_cancelled_ = false;
  Event resume_;  // set while reading may go on
  bool paused_ = false;
  bool closing_ = false;
  bool eof_ = false;
  bool eof_requested_ = false;
  bool eof_sent_ = false;
  bool reader_running_ = false;
  bool finished_ = false;
  std::exception_ptr lost_exc_;
  std::shared_ptr<SocketTransport> self_;  // until connection_lost is scheduled
};

}  // namespace

std::shared_ptr<Transport> make_socket_transport(int fd, const std::shared_ptr<Protocol>& protocol,
                                                 const SocketAddress* peer,
                                                 std::shared_ptr<ServerCore> server) {
  auto t = std::make_shared<SocketTransport>(&running_loop_ref(), fd, protocol, peer);
  t->start(std::move(server));
  return t;
}

}  // namespace corio::detail
