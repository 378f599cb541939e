// Socket: an owned, non-blocking socket (Python's socket.socket as asyncio uses it), and
// the loop's socket operations: sock_connect, sock_accept, sock_recv, sock_recv_into,
// sock_sendall, sock_sendto, sock_recvfrom.
//
//   corio::Socket s(AF_INET, SOCK_STREAM);
//   co_await corio::sock_connect(s, corio::SocketAddress("127.0.0.1", 8080));
//   co_await corio::sock_sendall(s, "GET / HTTP/1.0\r\n\r\n");
//   std::string reply = co_await corio::sock_recv(s, 4096);
//
// Every operation runs on the running loop's I/O driver and is cancellable; failures
// raise OSError subclasses whose message names the operation and the address.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/socket_address.hpp"

namespace corio {

class Socket {
 public:
  /// An empty socket (fd() == -1).
  Socket() noexcept = default;
  /// Creates a non-blocking, close-on-exec socket; throws OSError.
  Socket(int family, int type, int protocol = 0);
  /// Takes ownership of `fd` (made non-blocking).
  static Socket adopt(int fd);
  Socket(Socket&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Socket& operator=(Socket&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  ~Socket() { close(); }

  int fd() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  /// Closes now (idempotent).
  void close() noexcept;
  /// Gives up ownership of the fd.
  int release() noexcept { return std::exchange(fd_, -1); }

  void bind(const SocketAddress& addr);
  void listen(int backlog = 100);
  void setsockopt(int level, int name, int value);
  int getsockopt(int level, int name) const;
  SocketAddress getsockname() const;
  SocketAddress getpeername() const;
  /// shutdown(SHUT_WR) etc.
  void shutdown(int how);
  int family() const;

 private:
  int fd_ = -1;
};

/// Connects to `addr`. Cancellation: the connect is abandoned and the socket should be
/// closed. Raises ConnectionRefusedError etc. naming the address.
Coro<void> sock_connect(Socket& sock, SocketAddress addr);

/// Accepts one connection: the new socket and the peer's address.
Coro<std::pair<Socket, SocketAddress>> sock_accept(Socket& listener);

/// Receives up to buf.size() bytes into `buf`; 0 means the peer closed.
Coro<std::size_t> sock_recv_into(Socket& sock, std::span<std::byte> buf);
/// Receives up to `n` bytes; an empty string means the peer closed.
Coro<std::string> sock_recv(Socket& sock, std::size_t n);
/// Sends all of `data` (several sends if needed).
Coro<void> sock_sendall(Socket& sock, std::string_view data);
/// Sends one datagram to `addr`; returns the bytes sent.
Coro<std::size_t> sock_sendto(Socket& sock, std::string_view data, SocketAddress addr);
/// Receives one datagram of at most `n` bytes and its sender.
Coro<std::pair<std::string, SocketAddress>> sock_recvfrom(Socket& sock, std::size_t n);

namespace detail {
/// An IoAwait prepared for recv into `buf` (the raw building block of streams).
inline void prepare_recv(IoAwait& a, int fd, void* buf, std::size_t len) noexcept {
  a.op.kind = OpKind::Recv;
  a.op.fd = fd;
  a.op.buf = buf;
  a.op.len = static_cast<std::uint32_t>(len);
}
inline void prepare_send(IoAwait& a, int fd, const void* buf, std::size_t len) noexcept {
  a.op.kind = OpKind::Send;
  a.op.fd = fd;
  a.op.buf = const_cast<void*>(buf);
  a.op.len = static_cast<std::uint32_t>(len);
}
}  // namespace detail

}  // namespace corio
