// DatagramSocketTransport: asyncio's _SelectorDatagramTransport.
//
// A reading task receives one datagram at a time (recvmsg into a 64 KiB buffer, enough
// for any UDP datagram) and calls protocol.datagram_received; a failed receive (e.g.
// ECONNREFUSED after an ICMP port unreachable on a connected socket) goes to
// error_received and reading goes on. sendto sends at once when nothing is queued; a
// datagram the socket cannot take now is queued whole and sent, in order, from a writer
// watch. The transport keeps itself alive until connection_lost, as SocketTransport.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <functional>
#include <memory>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "loop/driver/driver.hpp"
#include "net/stream_state.hpp"
#include "net/transports.hpp"

namespace corio::detail {

namespace {

constexpr std::size_t kMaxDatagram = 64 * 1024;

class DatagramSocketTransport final : public DatagramTransport,
                                      public std::enable_shared_from_this<DatagramSocketTransport> {
 public:
  DatagramSocketTransport(EventLoop* loop, int fd, std::shared_ptr<DatagramProtocol> p,
                          std::optional<SocketAddress> remote)
      : loop_(loop), fd_(fd), protocol_(std::move(p)), remote_(std::move(remote)) {
    local_.reset_for_output();
    if (::getsockname(fd_, local_.raw(), local_.size_ptr()) < 0) local_ = SocketAddress();
  }
  ~DatagramSocketTransport() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void start() {
    self_ = shared_from_this();
    rbuf_.reset(new char[kMaxDatagram]);
    reader_running_ = true;
    loop_->create_task(read_loop(shared_from_this()));
    call([&] { protocol_->connection_made(*this); }, "protocol.connection_made() call failed");
  }

  std::any get_extra_info(std::string_view name, std::any default_value) const override {
    if (name == "peername") return remote_ ? std::any(*remote_) : default_value;
    if (name == "sockname") return local_;
    if (name == "socket") return fd_;
    return default_value;
  }
  bool is_closing() const noexcept override { return closing_; }

  void sendto(std::string_view data, std::optional<SocketAddress> addr) override {
    if (remote_ && addr && !(*addr == *remote_)) {
      throw ValueError("Invalid address: must be nullopt or " + remote_->to_string());
    }
    if (closing_) return;
    if (remote_) addr.reset();  // connected: send(), as asyncio
    if (queue_.empty() && send_one(data, addr)) return;
    queue_.emplace_back(std::string(data), addr);
    queued_bytes_ += data.size();
    if (!watching_) {
      loop_->add_writer(fd_, [self = shared_from_this()] { self->flush(); });
      watching_ = true;
    }
  }

  std::size_t get_write_buffer_size() const noexcept override { return queued_bytes_; }

  void close() noexcept override {
    if (closing_) return;
    closing_ = true;
    cancel_recv();
    try_finish();
  }
  void abort() noexcept override {
    if (finished_) return;
    closing_ = true;
    queue_.clear();
    queued_bytes_ = 0;
    stop_watch();
    cancel_recv();
    try_finish();
  }

 private:
  // Forgets the receive in flight if the reading frame is destroyed while waiting (its
  // task abandoned by a closing loop); if the kernel may still fill the buffer, the
  // buffer is left to it.
  struct RecvSlot {
    DatagramSocketTransport* t;
    const IoOp* op;
    ~RecvSlot() {
      if (t->recv_op_ != op) return;
      t->recv_op_ = nullptr;
      if (op->pending && t->loop_->is_closed()) (void)t->rbuf_.release();
    }
  };

  static Coro<void> read_loop(std::shared_ptr<DatagramSocketTransport> t) {
    struct Exit {
      DatagramSocketTransport* t;
      ~Exit() {
        t->reader_running_ = false;
        t->try_finish();
      }
    } exit{t.get()};
    try {
      while (!t->closing_) {
        SocketAddress from;
        from.reset_for_output();
        iovec iov{t->rbuf_.get(), kMaxDatagram};
        msghdr msg{};
        msg.msg_name = from.raw();
        msg.msg_namelen = from.size();
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        IoAwait a;
        a.op.kind = OpKind::RecvMsg;
        a.op.fd = t->fd_;
        a.op.msg = &msg;
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
        if (r >= 0) {
          *from.size_ptr() = msg.msg_namelen;
          if (t->closing_) break;
          auto n = static_cast<std::size_t>(r);
          t->call([&] { t->protocol_->datagram_received(std::string_view(t->rbuf_.get(), n), from); },
                  "protocol.datagram_received() call failed");
        } else if (r != -ECANCELED) {
          t->error(-r, "recvfrom");
        }
      }
    } catch (const CancelledError&) {
      t->abort();  // the loop is closing
    }
  }

  // Sends one datagram now: true if done (sent, or failed and reported), false if the
  // socket is full.
  bool send_one(std::string_view data, const std::optional<SocketAddress>& addr) noexcept {
    ssize_t r = ::sendto(fd_, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL, addr ? addr->raw() : nullptr,
                         addr ? addr->size() : 0);
    if (r >= 0) return true;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return false;
    error(errno, addr ? "sendto " + addr->to_string() : std::string("send"));
    return true;
  }

  void flush() noexcept {
    while (!queue_.empty()) {
      auto& [data, addr] = queue_.front();
      if (!send_one(data, addr)) return;
      queued_bytes_ -= data.size();
      queue_.pop_front();
    }
    stop_watch();
    try_finish();
  }

  void stop_watch() noexcept {
    if (!watching_) return;
    watching_ = false;
    loop_->remove_writer(fd_);
  }

  void error(int err, const std::string& what) noexcept {
    std::exception_ptr e = make_os_error(err, what);
    call([&] { protocol_->error_received(e); }, "protocol.error_received() call failed");
  }

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

  void cancel_recv() noexcept {
    if (recv_op_ && recv_op_->pending && !recv_cancelled_) {
      recv_cancelled_ = true;
      loop_->driver().cancel(recv_op_);
    }
  }

  void try_finish() noexcept {
    if (finished_ || !closing_ || reader_running_ || watching_) return;
    finished_ = true;
    ::close(fd_);
    fd_ = -1;
    std::shared_ptr<DatagramSocketTransport> self = std::move(self_);
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
      lost();
    }
  }

  EventLoop* loop_;
  int fd_;
  std::shared_ptr<DatagramProtocol> protocol_;
  std::optional<SocketAddress> remote_;
  SocketAddress local_;
  std::unique_ptr<char[]> rbuf_;
  std::deque<std::pair<std::string, std::optional<SocketAddress>>> queue_;
  std::size_t queued_bytes_ = 0;
  IoOp* recv_op_ = nullptr;
  bool recv_cancelled_ = false;
  bool watching_ = false;
  bool closing_ = false;
  bool reader_running_ = false;
  bool finished_ = false;
  std::exception_ptr lost_exc_;
  std::shared_ptr<DatagramSocketTransport> self_;
};

}  // namespace

std::shared_ptr<DatagramTransport> make_datagram_transport(int fd, const std::shared_ptr<DatagramProtocol>& protocol,
                                                           std::optional<SocketAddress> remote) {
  auto t = std::make_shared<DatagramSocketTransport>(&running_loop_ref(), fd, protocol, std::move(remote));
  t->start();
  return t;
}

}  // namespace corio::detail
