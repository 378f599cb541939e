// Shaping of name lookups into Python's terms: gaierror codes, hints and flags, the
// numeric fast path, glibc's expansion of socket types, canonical names.
#include "net/dns_results.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <charconv>
#include <set>

namespace corio::detail {

namespace {
int eai_of(int status) noexcept {
  switch (status) {
    case ARES_ENOTFOUND:
    case ARES_EBADNAME:
    case ARES_ENONAME: return EAI_NONAME;
    case ARES_ENODATA: return EAI_NODATA;
    case ARES_ESERVFAIL:
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_EREFUSED: return EAI_AGAIN;
    case ARES_ENOMEM: return EAI_MEMORY;
    case ARES_EBADFAMILY: return EAI_FAMILY;
    case ARES_EBADFLAGS:
    case ARES_EBADHINTS: return EAI_BADFLAGS;
    case ARES_ESERVICE: return EAI_SERVICE;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION: return EAI_CANCELED;
    default: return EAI_FAIL;
  }
}
}  // namespace

void throw_gaierror(int status, const std::string& what) {
  int eai = eai_of(status);
  throw gaierror(eai, status,
                 what + ": [Errno " + std::to_string(eai) + "] " + ::gai_strerror(eai) + " (c-ares: " +
                     ::ares_strerror(status) + ")");
}

/// "getaddrinfo('example.com', 80)", as Python would print the call.
std::string getaddrinfo_call(const std::string& host, const std::string& service) {
  bool number = !service.empty() && service.find_first_not_of("0123456789") == std::string::npos;
  std::string s = service.empty() ? std::string("None") : number ? service : "'" + service + "'";
  return "getaddrinfo(" + (host.empty() ? std::string("None") : "'" + host + "'") + ", " + s + ")";
}

namespace {
/// A numeric IPv6 address with a zone ("fe80::1%eth0", "fe80::1%2"), or nullopt.
std::optional<SocketAddress> scoped_ipv6(const std::string& host, std::uint16_t port) {
  std::size_t pct = host.find('%');
  if (pct == std::string::npos) return std::nullopt;
  std::string ip = host.substr(0, pct), zone = host.substr(pct + 1);
  in6_addr buf;
  if (zone.empty() || ::inet_pton(AF_INET6, ip.c_str(), &buf) != 1) return std::nullopt;
  unsigned scope = ::if_nametoindex(zone.c_str());
  if (scope == 0) {
    auto [end, ec] = std::from_chars(zone.data(), zone.data() + zone.size(), scope);
    if (ec != std::errc() || end != zone.data() + zone.size()) return std::nullopt;
  }
  SocketAddress a(ip, port);
  reinterpret_cast<sockaddr_in6*>(a.raw())->sin6_scope_id = scope;
  return a;
}
}  // namespace

int ares_ai_flags(int flags) noexcept {
  int f = 0;
  if (flags & AI_PASSIVE) f |= ARES_AI_PASSIVE;
  if (flags & AI_CANONNAME) f |= ARES_AI_CANONNAME;
  if (flags & AI_NUMERICHOST) f |= ARES_AI_NUMERICHOST;
  if (flags & AI_NUMERICSERV) f |= ARES_AI_NUMERICSERV;
  if (flags & AI_V4MAPPED) f |= ARES_AI_V4MAPPED;
  if (flags & AI_ALL) f |= ARES_AI_ALL;
  if (flags & AI_ADDRCONFIG) f |= ARES_AI_ADDRCONFIG;
  return f;
}

int ares_ni_flags(int flags) noexcept {
  int f = ARES_NI_LOOKUPHOST | ARES_NI_LOOKUPSERVICE;
  if (flags & NI_NUMERICHOST) f |= ARES_NI_NUMERICHOST;
  if (flags & NI_NUMERICSERV) f |= ARES_NI_NUMERICSERV;
  if (flags & NI_NAMEREQD) f |= ARES_NI_NAMEREQD;
  if (flags & NI_NOFQDN) f |= ARES_NI_NOFQDN;
  if (flags & NI_DGRAM) f |= ARES_NI_DGRAM;
  return f;
}

/// The port of `service`: a number, or a name from /etc/services.
std::uint16_t resolve_service(const std::string& host, const std::string& service, const AddrInfoHints& h) {
  if (service.empty()) return 0;
  unsigned value = 0;
  auto [end, ec] = std::from_chars(service.data(), service.data() + service.size(), value);
  if (ec == std::errc() && end == service.data() + service.size() && value <= 65535) {
    return static_cast<std::uint16_t>(value);
  }
  if (h.flags & AI_NUMERICSERV) throw_gaierror(ARES_ESERVICE, getaddrinfo_call(host, service));
  servent se{};
  servent* found = nullptr;
  char buf[1024];
  const char* proto = h.type == SOCK_DGRAM ? "udp" : "tcp";
  ::getservbyname_r(service.c_str(), proto, &se, buf, sizeof buf, &found);
  if (!found) throw_gaierror(ARES_ESERVICE, getaddrinfo_call(host, service));
  return ntohs(static_cast<std::uint16_t>(found->s_port));
}

void set_port(SocketAddress& a, std::uint16_t port) noexcept {
  if (a.family() == AF_INET) reinterpret_cast<sockaddr_in*>(a.raw())->sin_port = htons(port);
  if (a.family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(a.raw())->sin6_port = htons(port);
}

/// Appends `addr` once per socket type the hints allow (glibc's expansion of type 0).
void add_entries(std::vector<AddrInfo>& out, const SocketAddress& addr, const AddrInfoHints& h) {
  struct Kind {
    int type, proto;
  };
  static constexpr Kind kinds[] = {{SOCK_STREAM, IPPROTO_TCP}, {SOCK_DGRAM, IPPROTO_UDP}, {SOCK_RAW, 0}};
  for (const Kind& k : kinds) {
    if (h.type != 0 && h.type != k.type) continue;
    if (h.type == 0 && h.proto != 0 && k.proto != h.proto && k.type != SOCK_RAW) continue;
    int proto = h.proto != 0 ? h.proto : k.proto;
    out.push_back(AddrInfo{addr.family(), k.type, proto, {}, addr});
  }
  if (h.type != 0 && h.type != SOCK_STREAM && h.type != SOCK_DGRAM && h.type != SOCK_RAW) {
    out.push_back(AddrInfo{addr.family(), h.type, h.proto, {}, addr});
  }
}

/// Numeric host (or Python's None): answered here. nullopt means "a name to look up".
std::optional<std::vector<AddrInfo>> numeric_lookup(const std::string& host, std::uint16_t port, const AddrInfoHints& h) {
  std::vector<SocketAddress> addrs;
  if (host.empty()) {
    bool passive = h.flags & AI_PASSIVE;
    if (h.family != AF_INET6) addrs.emplace_back(passive ? "0.0.0.0" : "127.0.0.1", port);
    if (h.family != AF_INET) addrs.emplace_back(passive ? "::" : "::1", port);
  } else {
    in6_addr buf;
    if (::inet_pton(AF_INET, host.c_str(), &buf) == 1) {
      if (h.family == AF_INET6 && (h.flags & AI_V4MAPPED)) {
        addrs.emplace_back("::ffff:" + host, port);
      } else if (h.family == AF_INET6) {
        throw_gaierror(ARES_EBADFAMILY, getaddrinfo_call(host, std::to_string(port)));
      } else {
        addrs.emplace_back(host, port);
      }
    } else if (::inet_pton(AF_INET6, host.c_str(), &buf) == 1) {
      if (h.family == AF_INET) throw_gaierror(ARES_EBADFAMILY, getaddrinfo_call(host, std::to_string(port)));
      addrs.emplace_back(host, port);
    } else if (auto scoped = scoped_ipv6(host, port)) {
      if (h.family == AF_INET) throw_gaierror(ARES_EBADFAMILY, getaddrinfo_call(host, std::to_string(port)));
      addrs.push_back(*scoped);
    } else {
      if (h.flags & AI_NUMERICHOST) throw_gaierror(ARES_ENONAME, getaddrinfo_call(host, std::to_string(port)));
      return std::nullopt;
    }
  }
  std::vector<AddrInfo> out;
  for (const SocketAddress& a : addrs) add_entries(out, a, h);
  if ((h.flags & AI_CANONNAME) && !out.empty()) out.front().canonname = host;
  return out;
}

/// The canonical name: the end of the CNAME chain, else the name itself.
std::string canonical_name(const ares_addrinfo* res) {
  std::set<std::string> aliases;
  for (auto* c = res->cnames; c; c = c->next) {
    if (c->alias) aliases.insert(c->alias);
  }
  for (auto* c = res->cnames; c; c = c->next) {
    if (c->name && !aliases.count(c->name)) return c->name;
  }
  return res->name ? res->name : "";
}


}  // namespace corio::detail
