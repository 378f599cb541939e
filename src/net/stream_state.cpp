#include "net/stream_state.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "loop/driver/driver.hpp"
#include "net/tls_session.hpp"

namespace corio::detail {

namespace {
constexpr std::size_t kFirstChunk = 4 * 1024;
constexpr std::size_t kMaxChunk = 256 * 1024;  // asyncio's max_size per recv
constexpr std::size_t kTlsRecord = 16 * 1024;   // the most plaintext one TLS record holds
// Plaintext is encrypted in pieces of this size, each flushed to the socket before the
// next: the session's output buffer stays small whatever one write() passes.
constexpr std::size_t kTlsWriteSlice = 256 * 1024;
// The writer watch: flushes the buffer whenever the socket is writable. It holds a
// reference, released when the loop drops the watch (after remove_writer, or at close).
struct Flush {
  StreamRef s;
  void operator()() const;
};
}  // namespace

std::exception_ptr make_os_error(int err, const std::string& what) noexcept {
  try {
    throw_os_error(err, what);
  } catch (...) {
    return std::current_exception();
  }
}

StreamState::StreamState(std::size_t lim) : has_socket(false), chunk(kFirstChunk), limit(lim) {}

StreamState::StreamState(EventLoop* l, int f, std::size_t lim, const SocketAddress* p)
    : loop(l), fd(f), has_socket(true), chunk(kFirstChunk), limit(lim) {
  if (p) {
    peer = *p;
  } else {
    peer.reset_for_output();
    if (::getpeername(fd, peer.raw(), peer.size_ptr()) < 0) peer = SocketAddress();
  }
  local.reset_for_output();
  if (::getsockname(fd, local.raw(), local.size_ptr()) < 0) local = SocketAddress();
  if (local.family() == AF_INET || local.family() == AF_INET6) {
    int one = 1;  // asyncio sets TCP_NODELAY on every TCP transport
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
}

StreamState::~StreamState() {
  // Reached with the socket open only when the loop dropped the writer watch while
  // closing; nothing can be in flight any more.
  if (fd >= 0) ::close(fd);
  detach();
}

void StreamState::drop_handle() noexcept {
  if (--handles == 0 && has_socket) close();
  release();
}

// ---- reading ----

std::string StreamState::take(std::size_t n) {
  std::string out(rbuf.get() + rhead, n);
  consume(n);
  return out;
}

void StreamState::consume(std::size_t n) noexcept {
  rhead += n;
  // While a receive is in flight (another task's read waits for more), the kernel
  // writes at rtail: the buffer must not move under it.
  if (rhead == rtail && !recv_op) {
    rhead = rtail = 0;
    // A burst made the buffer big: give the memory back once it is empty.
    if (rcap > 2 * kMaxChunk) {
      rbuf.reset();
      rcap = 0;
    }
  }
}

void StreamState::receive_abandoned(const IoOp* op) noexcept {
  if (recv_op != op) return;
  recv_op = nullptr;
  waiting = false;
  // The loop closed with the receive still in the kernel: the buffer is left to it.
  if (op->pending && loop->is_closed()) {
    (void)rbuf.release();
    rcap = rhead = rtail = 0;
  }
}

void StreamState::prepare_space(std::size_t min_free) {
  if (rcap - rtail >= min_free) return;
  std::size_t used = avail();
  if (rcap - used >= min_free && rhead > 0) {
    std::memmove(rbuf.get(), rbuf.get() + rhead, used);
  } else {
    std::size_t cap = std::max(rcap * 2, used + min_free);
    std::unique_ptr<char[]> nb(new char[cap]);
    if (used) std::memcpy(nb.get(), rbuf.get() + rhead, used);
    rbuf = std::move(nb);
    rcap = cap;
  }
  rhead = 0;
  rtail = used;
}

void StreamState::on_received(std::int32_t r, std::uint32_t offered) noexcept {
  if (r > 0) {
    if (static_cast<std::uint32_t>(r) == offered && chunk < kMaxChunk) chunk *= 2;
    if (tls) return tls_received(static_cast<std::size_t>(r));
    rtail += static_cast<std::size_t>(r);
  } else if (r == 0) {
    // Also over TLS without the peer's close_notify: asyncio reports a plain EOF too
    // (a truncation is the application protocol's to detect, e.g. Content-Length).
    eof = true;
  } else if (r != -ECANCELED) {  // -ECANCELED: cancelled by close() or feed_eof()
    read_error = make_os_error(-r, "recv from " + peer.to_string());
    if (!write_error) write_error = read_error;
    if (!close_error) close_error = read_error;
    eof = true;
  }
}

void StreamState::after_receive() noexcept {
  if (closing) try_close_fd();
}

void StreamState::feed_data(std::string_view d) {
  if (has_socket) throw RuntimeError("feed_data() on a StreamReader that reads from a socket");
  if (eof) throw RuntimeError("feed_data after feed_eof");
  if (d.empty()) return;
  prepare_space(d.size());
  std::memcpy(rbuf.get() + rtail, d.data(), d.size());
  rtail += d.size();
  data_waiters.wake_all();
}

void StreamState::feed_eof() noexcept {
  eof = true;
  data_waiters.wake_all();
  cancel_recv();
}

void StreamState::set_read_exception(std::exception_ptr e) noexcept {
  read_error = std::move(e);
  data_waiters.wake_all();
  cancel_recv();
}

void StreamState::cancel_recv() noexcept {
  if (recv_op && !recv_cancelled) {
    recv_cancelled = true;
    loop->driver().cancel(recv_op);
  }
}

// ---- writing ----

void StreamState::check_can_write() const {
  if (write_error) std::rethrow_exception(write_error);
  if (eof_requested) throw RuntimeError("Cannot call write() after write_eof()");
  if (closing) throw RuntimeError("write() on a closed StreamWriter");
}

void StreamState::write(std::string_view d) {
  check_can_write();
  if (tls) return tls_write(&d, 1);
  out.write(loop, fd, d);
}

void StreamState::writev(const std::string_view* parts, std::size_t n) {
  check_can_write();
  if (tls) return tls_write(parts, n);
  out.writev(loop, fd, parts, n);
}

std::function<void()> StreamState::make_watch() { return Flush{StreamRef(this)}; }

void Flush::operator()() const { s->on_writable(); }

void StreamState::on_flushed() noexcept {
  if (eof_requested && !eof_sent) do_write_eof();
  if (closing) try_close_fd();
}

void StreamState::on_write_error(int err) noexcept {
  write_error = make_os_error(err, "send to " + peer.to_string());
  if (!close_error) close_error = write_error;
  drain_waiters.wake_all();
  if (closing) try_close_fd();
}

void StreamState::write_eof() {
  if (closing || eof_requested) return;
  if (tls) {
    // TLS 1.3's half-close: close_notify ends our direction, the peer may still send.
    tls->shutdown();
    tls_flush();
  }
  eof_requested = true;
  if (!out.watching()) do_write_eof();
}

void StreamState::do_write_eof() noexcept {
  eof_sent = true;
  if (fd >= 0) ::shutdown(fd, SHUT_WR);  // ENOTCONN (peer gone) changes nothing
}

void StreamState::check_drain(bool lost_counts) const {
  if (write_error) std::rethrow_exception(write_error);
  if (lost_counts && closed) throw ConnectionResetError(ECONNRESET, "Connection lost");
}

// ---- TLS ----

void StreamState::tls_flush() {
  std::string_view pending = tls->output();
  if (pending.empty()) return;
  if (fd >= 0 && !closed && !write_error) out.write(loop, fd, pending);
  tls->clear_output();
}

void StreamState::tls_received(std::size_t n) noexcept {
  try {
    tls->feed(rbuf.get() + rtail, n);  // copied into the session: rbuf's tail is free again
  } catch (...) {
    return tls_fail(std::current_exception());
  }
  if (tls->established()) tls_decrypt();
}

void StreamState::tls_decrypt() noexcept {
  try {
    for (;;) {
      prepare_space(kTlsRecord);
      TlsSession::ReadStatus st;
      rtail += tls->read(rbuf.get() + rtail, rcap - rtail, st);
      if (st == TlsSession::ReadStatus::NeedMore) break;
      if (st == TlsSession::ReadStatus::CloseNotify) {
        eof = true;
        break;
      }
    }
    tls_flush();  // answers to post-handshake messages (TLS 1.3 key updates)
  } catch (...) {
    tls_fail(std::current_exception());
  }
}

void StreamState::tls_fail(std::exception_ptr e) noexcept {
  if (!read_error) read_error = e;
  if (!close_error) close_error = e;
  eof = true;
}

void StreamState::tls_write(const std::string_view* parts, std::size_t n) {
  try {
    // Small pieces are gathered so that writelines() makes few records, as it makes
    // few system calls on a plain socket.
    auto put = [&](std::string_view d) {
      while (!d.empty()) {
        std::string_view slice = d.substr(0, kTlsWriteSlice);
        tls->write(slice);
        tls_flush();
        d.remove_prefix(slice.size());
      }
    };
    std::string small;
    for (std::size_t i = 0; i < n; ++i) {
      if (n > 1 && parts[i].size() < kTlsRecord) {
        small.append(parts[i]);
        if (small.size() >= kTlsRecord) {
          put(small);
          small.clear();
        }
        continue;
      }
      if (!small.empty()) {
        put(small);
        small.clear();
      }
      put(parts[i]);
    }
    if (!small.empty()) put(small);
  } catch (...) {
    if (!write_error) write_error = std::current_exception();
    if (!close_error) close_error = write_error;
    throw;
  }
}

// ---- closing ----

void StreamState::close() noexcept {
  if (closing || !has_socket) return;
  if (tls && !write_error) {
    // close_notify goes out with the rest of the buffer; the peer's is not waited for
    // (RFC 8446 6.1 allows it; see docs/differences.md).
    tls->shutdown();
    try {
      tls_flush();
    } catch (...) {  // no memory to buffer it: close without it
    }
  }
  closing = true;
  eof = true;
  cancel_recv();
  if (!out.watching()) try_close_fd();
}

void StreamState::abort() noexcept {
  if (!has_socket || closed) return;
  closing = true;
  eof = true;
  if (has_socket && fd >= 0) out.drop(loop, fd);
  drain_waiters.wake_all();
  cancel_recv();
  try_close_fd();
}

void StreamState::try_close_fd() noexcept {
  if (closed || recv_op || out.watching()) return;
  ::close(fd);
  fd = -1;
  closed = true;
  close_waiters.wake_all();
  drain_waiters.wake_all();
  detach();
}

}  // namespace corio::detail
