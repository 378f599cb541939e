// StreamState: one stream connection, shared by its StreamReader and StreamWriter
// handles (asyncio's transport + StreamReaderProtocol + reader buffer in one object).
//
// Reading is pulled: a read that needs data receives directly into the free tail of
// `rbuf` with the driver (IoAwait), from inside the reading task; no background read is
// ever armed. Writing is pushed (WriteSide): write() sends at once when nothing is
// buffered; the rest is flushed by a writer watch that holds a reference, so the loop
// can drop it on close and nothing leaks or dangles.
//
// Lifetime: `refs` counts handles, reads in flight, drain waiters and the writer watch;
// the object is deleted at zero. `handles` counts StreamReader/StreamWriter objects;
// when it drops to zero the stream is closed (flush, then close the socket). The
// socket is closed only when no receive is in flight and the buffer is flushed
// (try_close_fd), so no kernel operation can refer to a closed or reused fd.
//
// TLS (`tls` set: open_connection/start_server with ssl=, or start_tls) is a layer
// between the socket and the buffers, asyncio's sslproto in place: a receive still
// lands in rbuf's free tail, but as ciphertext, which is handed to the session and
// replaced there by the plaintext it decrypts (tls_received); write() encrypts and
// passes the ciphertext to the same WriteSide, so flushing, water marks and drain()
// are unchanged (they count ciphertext bytes). close() and write_eof() queue
// close_notify before the socket is closed or shut down.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/loop/detail/io_op.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/sync/detail/waiter_list.hpp"
#include "net/server_core.hpp"
#include "net/write_side.hpp"

namespace corio::detail {

class TlsSession;

class StreamState final : public ServerConnection, private WriteSide::Hooks {
 public:
  /// A socketless state (StreamReader(limit)).
  explicit StreamState(std::size_t limit);
  /// A connected socket `fd` (owned from now on). `peer` may be null (getpeername).
  StreamState(EventLoop* loop, int fd, std::size_t limit, const SocketAddress* peer);
  ~StreamState();

  /// Adds a handle reference and returns this (for StreamReader/StreamWriter).
  StreamState* new_handle() noexcept {
    ++handles;
    ++refs;
    return this;
  }
  void add_ref() noexcept { ++refs; }
  void release() noexcept {
    if (--refs == 0) delete this;
  }
  void drop_handle() noexcept;
  void attach_to(std::shared_ptr<ServerCore> server) { attach(std::move(server)); }

  // ---- reading ----
  std::size_t avail() const noexcept { return rtail - rhead; }
  std::string_view data() const noexcept { return {rbuf.get() + rhead, avail()}; }
  /// Removes and returns the first n buffered bytes (n <= avail()).
  std::string take(std::size_t n);
  /// Drops the first n buffered bytes.
  void consume(std::size_t n) noexcept;
  /// Ensures at least `min_free` bytes of free space after rtail.
  void prepare_space(std::size_t min_free);
  /// Records the result of a receive (bytes, 0 for EOF, or -errno).
  void on_received(std::int32_t r, std::uint32_t offered) noexcept;
  /// After a receive completed: closes the socket if a close was waiting for it.
  void after_receive() noexcept;
  /// The awaiter of receive `op` is destroyed while waiting (its task was abandoned by
  /// a closing loop): forget the op, and leak the buffer if the kernel may still fill it.
  void receive_abandoned(const IoOp* op) noexcept;
  void check_read_error() const {
    if (read_error) std::rethrow_exception(read_error);
  }
  void feed_data(std::string_view d);
  void feed_eof() noexcept;
  void set_read_exception(std::exception_ptr e) noexcept;

  // ---- writing ----
  std::size_t buffered() const noexcept { return out.buffered(); }
  void check_can_write() const;
  void write(std::string_view d);
  void writev(const std::string_view* parts, std::size_t n);
  void write_eof();
  void close() noexcept;
  void abort() noexcept;
  /// Throws what drain() must raise now (a send error; "Connection lost" if closed and
  /// `lost_counts`).
  void check_drain(bool lost_counts) const;
  void on_writable() noexcept { out.on_writable(loop, fd); }

  // ---- TLS ----
  /// Sends the ciphertext the session produced (nothing once the socket is closed).
  void tls_flush();
  /// Decrypts the ciphertext the session holds into rbuf; a failure becomes the read
  /// error. Called after each receive once the handshake is done.
  void tls_decrypt() noexcept;

  void close_connection() noexcept override { close(); }
  void abort_connection() noexcept override { abort(); }

  EventLoop* loop = nullptr;
  int fd = -1;
  const bool has_socket;
  std::uint32_t refs = 0;
  std::uint32_t handles = 0;

  std::unique_ptr<char[]> rbuf;
  std::size_t rcap = 0, rhead = 0, rtail = 0;
  std::size_t chunk;  // receive size, grows while receives fill it
  std::size_t limit;
  bool eof = false;         // EOF received or fed, or the stream is closing
  bool waiting = false;     // a read waits for data
  bool recv_cancelled = false;
  std::uint8_t ready_streak = 0;  // receives in a row that completed without waiting
  IoOp* recv_op = nullptr;        // the receive in flight
  std::exception_ptr read_error;
  WaiterList data_waiters;  // socketless readers

  WriteSide out{*this};
  bool eof_requested = false;
  bool eof_sent = false;
  std::exception_ptr write_error;
  WaiterList drain_waiters;

  bool closing = false;
  bool closed = false;
  std::exception_ptr close_error;  // what ended the connection (wait_closed raises it)
  WaiterList close_waiters;
  SocketAddress peer, local;
  std::shared_ptr<TlsSession> tls;  // null for a plain stream

 private:
  void tls_received(std::size_t n) noexcept;
  void tls_write(const std::string_view* parts, std::size_t n);
  void tls_fail(std::exception_ptr e) noexcept;
  void cancel_recv() noexcept;
  void try_close_fd() noexcept;
  void do_write_eof() noexcept;
  // WriteSide::Hooks
  void on_resume() noexcept override { drain_waiters.wake_all(); }
  void on_write_error(int err) noexcept override;
  void on_flushed() noexcept override;
  std::function<void()> make_watch() override;
};

/// An owning reference (keeps the state alive across a suspension).
class StreamRef {
 public:
  explicit StreamRef(StreamState* s) noexcept : s_(s) { s_->add_ref(); }
  StreamRef(const StreamRef& o) noexcept : StreamRef(o.s_) {}
  StreamRef& operator=(const StreamRef&) = delete;
  ~StreamRef() { s_->release(); }
  StreamState* operator->() const noexcept { return s_; }
  StreamState& operator*() const noexcept { return *s_; }
  StreamState* get() const noexcept { return s_; }

 private:
  StreamState* s_;
};

/// Receives once more into `s` (a StreamReader's wait for data: the bytes, EOF or an
/// error are recorded in the state; the recorded read error is raised).
/// Cancellation: as a read's; what arrived stays recorded.
Coro<void> receive_more(StreamRef s);

/// ValueError for a StreamReader limit of 0 (asyncio: "Limit cannot be <= 0").
void check_limit(std::size_t limit);

/// An exception_ptr holding the OSError subclass for `err`.
std::exception_ptr make_os_error(int err, const std::string& what) noexcept;

}  // namespace corio::detail
