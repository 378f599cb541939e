#include "corio/net/socket.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

namespace corio {

namespace {
[[noreturn]] void fail(const char* op, const std::string& where) {
  int err = errno;
  std::string what = op;
  if (!where.empty()) {
    what += ' ';
    what += where;
  }
  throw_os_error(err, what);
}
}  // namespace

Socket::Socket(int family, int type, int protocol) {
  fd_ = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd_ < 0) fail("socket", {});
}

Socket Socket::adopt(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) fail("fcntl(O_NONBLOCK)", {});
  Socket s;
  s.fd_ = fd;
  return s;
}

void Socket::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void Socket::bind(const SocketAddress& addr) {
  if (::bind(fd_, addr.raw(), addr.size()) < 0) fail("bind", addr.to_string());
}

void Socket::listen(int backlog) {
  if (::listen(fd_, backlog) < 0) fail("listen", getsockname().to_string());
}

void Socket::setsockopt(int level, int name, int value) {
  if (::setsockopt(fd_, level, name, &value, sizeof value) < 0) fail("setsockopt", {});
}

int Socket::getsockopt(int level, int name) const {
  int v = 0;
  socklen_t n = sizeof v;
  if (::getsockopt(fd_, level, name, &v, &n) < 0) fail("getsockopt", {});
  return v;
}

SocketAddress Socket::getsockname() const {
  SocketAddress a;
  a.reset_for_output();
  if (::getsockname(fd_, a.raw(), a.size_ptr()) < 0) fail("getsockname", {});
  return a;
}

SocketAddress Socket::getpeername() const {
  SocketAddress a;
  a.reset_for_output();
  if (::getpeername(fd_, a.raw(), a.size_ptr()) < 0) fail("getpeername", {});
  return a;
}

void Socket::shutdown(int how) {
  if (::shutdown(fd_, how) < 0) fail("shutdown", {});
}

int Socket::family() const { return getsockname().family(); }

Coro<void> sock_connect(Socket& sock, SocketAddress addr) {
  detail::IoAwait a;
  a.op.kind = detail::OpKind::Connect;
  a.op.fd = sock.fd();
  a.op.addr = addr.raw();
  a.op.addrlen = addr.size_ptr();
  std::int32_t r = co_await a;
  if (r < 0) throw_os_error(-r, "connect to " + addr.to_string());
}

Coro<std::pair<Socket, SocketAddress>> sock_accept(Socket& listener) {
  SocketAddress peer;
  peer.reset_for_output();
  detail::IoAwait a;
  a.op.kind = detail::OpKind::Accept;
  a.op.fd = listener.fd();
  a.op.addr = peer.raw();
  a.op.addrlen = peer.size_ptr();
  std::int32_t r = co_await a;
  if (r < 0) throw_os_error(-r, "accept on " + listener.getsockname().to_string());
  Socket s;
  s = Socket::adopt(r);
  co_return std::pair<Socket, SocketAddress>(std::move(s), peer);
}

Coro<std::size_t> sock_recv_into(Socket& sock, std::span<std::byte> buf) {
  detail::IoAwait a;
  detail::prepare_recv(a, sock.fd(), buf.data(), buf.size());
  std::int32_t r = co_await a;
  if (r < 0) throw_os_error(-r, "recv");
  co_return static_cast<std::size_t>(r);
}

Coro<std::string> sock_recv(Socket& sock, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = co_await sock_recv_into(sock, std::as_writable_bytes(std::span(out.data(), out.size())));
  out.resize(got);
  co_return out;
}

Coro<void> sock_sendall(Socket& sock, std::string_view data) {
  while (!data.empty()) {
    detail::IoAwait a;
    detail::prepare_send(a, sock.fd(), data.data(), data.size());
    std::int32_t r = co_await a;
    if (r < 0) throw_os_error(-r, "send");
    data.remove_prefix(static_cast<std::size_t>(r));
  }
}

Coro<std::size_t> sock_sendto(Socket& sock, std::string_view data, SocketAddress addr) {
  iovec iov{const_cast<char*>(data.data()), data.size()};
  msghdr msg{};
  msg.msg_name = addr.raw();
  msg.msg_namelen = addr.size();
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  detail::IoAwait a;
  a.op.kind = detail::OpKind::SendMsg;
  a.op.fd = sock.fd();
  a.op.msg = &msg;
  std::int32_t r = co_await a;
  if (r < 0) throw_os_error(-r, "sendto " + addr.to_string());
  co_return static_cast<std::size_t>(r);
}

Coro<std::pair<std::string, SocketAddress>> sock_recvfrom(Socket& sock, std::size_t n) {
  std::string out(n, '\0');
  SocketAddress from;
  from.reset_for_output();
  iovec iov{out.data(), out.size()};
  msghdr msg{};
  msg.msg_name = from.raw();
  msg.msg_namelen = from.size();
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  detail::IoAwait a;
  a.op.kind = detail::OpKind::RecvMsg;
  a.op.fd = sock.fd();
  a.op.msg = &msg;
  std::int32_t r = co_await a;
  if (r < 0) throw_os_error(-r, "recvfrom");
  out.resize(static_cast<std::size_t>(r));
  *from.size_ptr() = msg.msg_namelen;
  co_return std::pair<std::string, SocketAddress>(std::move(out), from);
}

}  // namespace corio
