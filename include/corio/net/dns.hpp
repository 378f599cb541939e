// Name resolution: getaddrinfo and getnameinfo on the loop (asyncio's loop.getaddrinfo
// and loop.getnameinfo), through c-ares rather than a thread per lookup.
//
//   auto infos = co_await corio::getaddrinfo("localhost", 8080, {.type = SOCK_STREAM});
//   corio::Socket s(infos[0].family, infos[0].type, infos[0].protocol);
//   co_await corio::sock_connect(s, infos[0].address);
//
// Design: each loop owns one c-ares channel, created on the first lookup; its sockets
// are watched with the loop's add_reader/add_writer and its retransmission deadlines
// with call_later, so a lookup costs no thread and no blocking call. Numeric hosts
// ("127.0.0.1", "::1") are answered without touching the channel. /etc/hosts is
// consulted before DNS, as by the C library. A Resolver object is a channel of its own
// with explicit settings (name servers, timeout), as aiodns.DNSResolver is.
//
// Differences from asyncio: results are AddrInfo structs instead of 5-tuples; an empty
// host stands for Python's None; with type == 0 each address is listed once per socket
// type (stream, datagram, raw), as glibc does.
#pragma once

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/socket_address.hpp"

namespace corio {

class EventLoop;

/// One result of getaddrinfo: what Python returns as (family, type, proto, canonname,
/// sockaddr).
struct AddrInfo {
  int family = AF_UNSPEC;
  int type = 0;
  int protocol = 0;
  /// The canonical name, on the first result only and only with AI_CANONNAME.
  std::string canonname{};
  SocketAddress address{};
};

/// The keyword arguments of getaddrinfo: family=, type=, proto=, flags= (AI_PASSIVE,
/// AI_CANONNAME, AI_NUMERICHOST, AI_NUMERICSERV, AI_V4MAPPED, AI_ALL, AI_ADDRCONFIG).
struct AddrInfoHints {
  int family = AF_UNSPEC;
  int type = 0;
  int proto = 0;
  int flags = 0;
};

/// A failed name lookup (Python's socket.gaierror, an OSError). errno_value() is the
/// EAI_* code (EAI_NONAME, EAI_NODATA, EAI_AGAIN, ...) as in Python; ares_status() the
/// c-ares status it came from. The message names the host (or address) looked up.
class gaierror : public OSError {  // NOLINT(readability-identifier-naming): Python's name
 public:
  gaierror(int eai, int ares_status, std::string message)
      : OSError(eai, message), ares_status_(ares_status), message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  int ares_status() const noexcept { return ares_status_; }

 private:
  int ares_status_;
  std::string message_;
};

/// Settings of a Resolver's channel. Empty / zero members keep what /etc/resolv.conf
/// says (or c-ares's defaults).
struct ResolverOptions {
  /// Name servers as "ip" or "ip:port" ("127.0.0.1:5353", "[::1]:53").
  std::vector<std::string> nameservers{};
  /// Search domains; an empty vector disables the search list.
  std::optional<std::vector<std::string>> search{};
  /// Time to wait for an answer before retrying (per try).
  std::chrono::milliseconds timeout{0};
  /// Number of tries per name server.
  int tries = 0;
  /// Consult /etc/hosts before DNS.
  bool use_hosts_file = true;
};

namespace detail {
class ResolverCore;
}

/// A c-ares channel bound to the loop that first uses it (aiodns.DNSResolver). The free
/// functions getaddrinfo/getnameinfo use a default one per loop; make a Resolver for
/// other name servers or timeouts. Must outlive its lookups' awaiting tasks, and be
/// used from one loop only.
class Resolver {
 public:
  explicit Resolver(ResolverOptions options = {});
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// See corio::getaddrinfo.
  Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, std::string service, AddrInfoHints hints = {});
  Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, int port, AddrInfoHints hints = {});
  /// See corio::getnameinfo.
  Coro<std::pair<std::string, std::string>> getnameinfo(SocketAddress address, int flags = 0);

  /// Number of lookups started on this resolver and not yet finished (including ones
  /// whose task was cancelled and whose answer has not arrived yet).
  int pending() const noexcept;

 private:
  detail::ResolverCore& core();
  ResolverOptions options_;
  std::unique_ptr<detail::ResolverCore> core_;
};

/// Resolves `host` and `service` (a port number or a name such as "http") into socket
/// addresses, /etc/hosts first and then DNS; IPv6 answers are included unless
/// hints.family says otherwise. A numeric host is converted without any lookup.
/// Raises gaierror (e.g. EAI_NONAME for an unknown name).
/// Cancellation: the lookup is abandoned (its late answer is dropped) and CancelledError
/// is raised here.
///
///   auto infos = co_await corio::getaddrinfo("localhost", "http");
Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, std::string service, AddrInfoHints hints = {});
/// The same with a numeric port (0: no port).
Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, int port, AddrInfoHints hints = {});

/// The host and service names of `address` (reverse lookup through /etc/hosts and
/// DNS); flags are NI_NUMERICHOST, NI_NUMERICSERV, NI_NAMEREQD, NI_NOFQDN, NI_DGRAM.
/// Raises gaierror. Cancellation: as getaddrinfo.
///
///   auto [host, port] = co_await corio::getnameinfo(corio::SocketAddress("127.0.0.1", 80));
Coro<std::pair<std::string, std::string>> getnameinfo(SocketAddress address, int flags = 0);

}  // namespace corio
