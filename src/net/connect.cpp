#include "net/connect.hpp"

#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <exception>

#include "corio/net/dns.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/server.hpp"

namespace corio::detail {

namespace {
bool numeric(const std::string& host, std::uint16_t port, SocketAddress* out) {
  try {
    *out = SocketAddress(host, port);
    return true;
  } catch (const std::invalid_argument&) {
    return false;
  }
}

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "unknown error";
  }
}
}  // namespace

Coro<std::vector<SocketAddress>> resolve(std::string host, std::uint16_t port, int family, int type) {
  std::vector<SocketAddress> out;
  SocketAddress a;
  if (numeric(host, port, &a)) {
    if (family != AF_UNSPEC && a.family() != family) {
      throw OSError(EAFNOSUPPORT, "address " + a.to_string() + " does not match the requested family");
    }
    out.push_back(a);
    co_return out;
  }
  std::vector<AddrInfo> infos = co_await getaddrinfo(host, port, AddrInfoHints{.family = family, .type = type});
  for (const AddrInfo& i : infos) {
    bool seen = false;
    for (const SocketAddress& x : out) seen = seen || x == i.address;
    if (!seen) out.push_back(i.address);
  }
  if (out.empty()) throw OSError(EADDRNOTAVAIL, "getaddrinfo returned an empty list for " + host);
  co_return out;
}

Coro<std::pair<Socket, SocketAddress>> connect_stream(std::string host, std::uint16_t port, int family,
                                                      std::optional<SocketAddress> local_addr) {
  std::vector<SocketAddress> addrs = co_await resolve(host, port, family, SOCK_STREAM);
  std::vector<std::exception_ptr> errors;
  for (const SocketAddress& addr : addrs) {
    std::exception_ptr err;
    try {
      Socket s(addr.family(), SOCK_STREAM);
      if (local_addr) {
        s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
        s.bind(*local_addr);
      }
      co_await sock_connect(s, addr);
      co_return std::pair<Socket, SocketAddress>(std::move(s), addr);
    } catch (const std::exception&) {
      err = std::current_exception();
    }
    errors.push_back(err);
  }
  if (errors.size() == 1) std::rethrow_exception(errors[0]);
  std::string msg = "Multiple exceptions: ";
  for (std::size_t i = 0; i < errors.size(); ++i) msg += (i ? ", " : "") + what_of(errors[i]);
  throw OSError(ECONNREFUSED, msg);
}

Coro<Socket> connect_unix(std::string path) {
  SocketAddress addr = SocketAddress::unix_path(path);
  Socket s(AF_UNIX, SOCK_STREAM);
  co_await sock_connect(s, addr);
  co_return s;
}

Coro<std::vector<Socket>> bind_stream_listeners(std::string host, std::uint16_t port, const ServerOptions& o) {
  std::vector<SocketAddress> addrs;
  bool wildcard = host.empty();
  if (wildcard) {
    if (o.family != AF_INET6) addrs.emplace_back("0.0.0.0", port);
    if (o.family != AF_INET) addrs.emplace_back("::", port);
  } else {
    addrs = co_await resolve(host, port, o.family, SOCK_STREAM);
  }
  std::vector<Socket> out;
  for (const SocketAddress& addr : addrs) {
    Socket s;
    try {
      s = Socket(addr.family(), SOCK_STREAM);
    } catch (const OSError& e) {
      if (wildcard && addr.family() == AF_INET6 && e.errno_value() == EAFNOSUPPORT) continue;  // no IPv6 here
      throw;
    }
    if (o.reuse_address) s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    if (o.reuse_port) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    // As asyncio: an IPv6 socket serves IPv6 only, the IPv4 socket serves IPv4.
    if (addr.family() == AF_INET6) s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    if (::bind(s.fd(), addr.raw(), addr.size()) < 0) {
      int err = errno;
      if (wildcard && addr.family() == AF_INET6 && (err == EADDRNOTAVAIL || err == EAFNOSUPPORT)) continue;
      throw_os_error(err, "error while attempting to bind on address " + addr.to_string());
    }
    out.push_back(std::move(s));
  }
  co_return out;
}

Socket bind_unix_listener(const std::string& path, dev_t* dev, ino_t* ino) {
  SocketAddress addr = SocketAddress::unix_path(path);
  bool abstract = !path.empty() && path.front() == '@';
  if (!abstract) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());  // stale socket
  }
  Socket s(AF_UNIX, SOCK_STREAM);
  if (::bind(s.fd(), addr.raw(), addr.size()) < 0) {
    throw_os_error(errno, "error while attempting to bind on address " + path);
  }
  *dev = 0;
  *ino = 0;
  if (!abstract) {
    struct stat st{};
    if (::stat(path.c_str(), &st) == 0) {
      *dev = st.st_dev;
      *ino = st.st_ino;
    }
  }
  return s;
}

}  // namespace corio::detail
