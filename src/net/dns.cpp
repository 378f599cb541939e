// getaddrinfo / getnameinfo on a ResolverCore (see dns_resolver.hpp), the numeric fast
// path that needs no channel, and the shaping of c-ares results into Python's.
#include "corio/net/dns.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <set>

#include "corio/loop/event_loop.hpp"
#include "net/dns_resolver.hpp"

namespace corio {

namespace detail {

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

namespace {

std::string quoted(const std::string& host, const std::string& service) {
  return "getaddrinfo('" + host + "', " + (service.empty() ? std::string("None") : "'" + service + "'") + ")";
}

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
  if (h.flags & AI_NUMERICSERV) throw_gaierror(ARES_ESERVICE, quoted(host, service));
  servent se{};
  servent* found = nullptr;
  char buf[1024];
  const char* proto = h.type == SOCK_DGRAM ? "udp" : "tcp";
  ::getservbyname_r(service.c_str(), proto, &se, buf, sizeof buf, &found);
  if (!found) throw_gaierror(ARES_ESERVICE, quoted(host, service));
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
std::optional<std::vector<AddrInfo>> numeric(const std::string& host, std::uint16_t port, const AddrInfoHints& h) {
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
        throw_gaierror(ARES_EBADFAMILY, quoted(host, std::to_string(port)));
      } else {
        addrs.emplace_back(host, port);
      }
    } else if (::inet_pton(AF_INET6, host.c_str(), &buf) == 1) {
      if (h.family == AF_INET) throw_gaierror(ARES_EBADFAMILY, quoted(host, std::to_string(port)));
      addrs.emplace_back(host, port);
    } else {
      if (h.flags & AI_NUMERICHOST) throw_gaierror(ARES_ENONAME, quoted(host, std::to_string(port)));
      return std::nullopt;
    }
  }
  std::vector<AddrInfo> out;
  for (const SocketAddress& a : addrs) add_entries(out, a, h);
  if ((h.flags & AI_CANONNAME) && !out.empty()) out.front().canonname = host;
  return out;
}

struct AddrInfoLookup final : Lookup {
  using Lookup::Lookup;
  ares_addrinfo* result = nullptr;
  ~AddrInfoLookup() override {
    if (result) ::ares_freeaddrinfo(result);
  }
  static void callback(void* arg, int status, int, ares_addrinfo* res) noexcept {
    auto* q = static_cast<AddrInfoLookup*>(arg);
    q->result = res;
    q->finish(status);
  }
};

struct NameInfoLookup final : Lookup {
  using Lookup::Lookup;
  std::string host, service;
  static void callback(void* arg, int status, int, char* node, char* service) noexcept {
    auto* q = static_cast<NameInfoLookup*>(arg);
    try {
      if (node) q->host = node;
      if (service) q->service = service;
    } catch (...) {
      status = ARES_ENOMEM;
    }
    q->finish(status);
  }
};

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

}  // namespace

Coro<std::vector<AddrInfo>> lookup_addrinfo(ResolverCore* core, std::string host, std::string service,
                                            AddrInfoHints hints) {
  std::uint16_t port = resolve_service(host, service, hints);
  if (auto done = numeric(host, port, hints)) co_return std::move(*done);
  if (!core) core = &default_resolver(running_loop_ref());

  ares_addrinfo_hints ah{};
  ah.ai_family = hints.family;
  ah.ai_socktype = hints.type;
  ah.ai_protocol = hints.proto;
  ah.ai_flags = ares_ai_flags(hints.flags) & ~ARES_AI_NUMERICSERV;
  auto* q = new AddrInfoLookup(core);
  LookupWait wait(q);
  core->started();
  ::ares_getaddrinfo(core->channel(), host.c_str(), nullptr, &ah, &AddrInfoLookup::callback, q);
  core->after_call();
  co_await wait;

  if (q->status != ARES_SUCCESS) throw_gaierror(q->status, quoted(host, service));
  std::vector<AddrInfo> out;
  for (auto* n = q->result ? q->result->nodes : nullptr; n; n = n->ai_next) {
    SocketAddress a = SocketAddress::from_raw(n->ai_addr, static_cast<socklen_t>(n->ai_addrlen));
    set_port(a, port);
    add_entries(out, a, hints);
  }
  if (out.empty()) throw_gaierror(ARES_ENODATA, quoted(host, service));
  if (hints.flags & AI_CANONNAME) out.front().canonname = canonical_name(q->result);
  co_return out;
}

Coro<std::pair<std::string, std::string>> lookup_nameinfo(ResolverCore* core, SocketAddress address, int flags) {
  if (address.family() != AF_INET && address.family() != AF_INET6) {
    throw_gaierror(ARES_EBADFAMILY, "getnameinfo(" + address.to_string() + ")");
  }
  if ((flags & NI_NUMERICHOST) && (flags & NI_NUMERICSERV)) {
    co_return std::pair<std::string, std::string>(address.host(), std::to_string(address.port()));
  }
  if (!core) core = &default_resolver(running_loop_ref());
  auto* q = new NameInfoLookup(core);
  LookupWait wait(q);
  core->started();
  ::ares_getnameinfo(core->channel(), address.raw(), address.size(), ares_ni_flags(flags),
                     &NameInfoLookup::callback, q);
  core->after_call();
  co_await wait;
  if (q->status != ARES_SUCCESS) throw_gaierror(q->status, "getnameinfo(" + address.to_string() + ")");
  // c-ares 1.18 writes a zero scope id ("::1%0"); the C library and Python do not.
  if (address.family() == AF_INET6 && reinterpret_cast<const sockaddr_in6*>(address.raw())->sin6_scope_id == 0) {
    if (auto pct = q->host.find('%'); pct != std::string::npos) q->host.resize(pct);
  }
  co_return std::pair<std::string, std::string>(std::move(q->host), std::move(q->service));
}

}  // namespace detail

// ---- the public functions ----

Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, std::string service, AddrInfoHints hints) {
  return detail::lookup_addrinfo(nullptr, std::move(host), std::move(service), hints);
}

Coro<std::vector<AddrInfo>> getaddrinfo(std::string host, int port, AddrInfoHints hints) {
  return detail::lookup_addrinfo(nullptr, std::move(host), port ? std::to_string(port) : std::string(), hints);
}

Coro<std::pair<std::string, std::string>> getnameinfo(SocketAddress address, int flags) {
  return detail::lookup_nameinfo(nullptr, address, flags);
}

Resolver::Resolver(ResolverOptions options) : options_(std::move(options)) {}
Resolver::~Resolver() = default;

detail::ResolverCore& Resolver::core() {
  EventLoop& loop = detail::running_loop_ref();
  if (!core_) {
    core_ = std::make_unique<detail::ResolverCore>(loop, options_);
  } else if (core_->loop() != &loop) {
    if (!core_->idle()) throw RuntimeError("a Resolver with lookups in flight was used from another loop");
    core_->rebind(loop);
  }
  return *core_;
}

// The core is looked up when the lookup runs (inside the loop), not when it is called.
Coro<std::vector<AddrInfo>> Resolver::getaddrinfo(std::string host, std::string service, AddrInfoHints hints) {
  co_return co_await detail::lookup_addrinfo(&core(), std::move(host), std::move(service), hints);
}

Coro<std::vector<AddrInfo>> Resolver::getaddrinfo(std::string host, int port, AddrInfoHints hints) {
  return getaddrinfo(std::move(host), port ? std::to_string(port) : std::string(), hints);
}

Coro<std::pair<std::string, std::string>> Resolver::getnameinfo(SocketAddress address, int flags) {
  co_return co_await detail::lookup_nameinfo(&core(), address, flags);
}

int Resolver::pending() const noexcept { return core_ ? core_->pending() : 0; }

}  // namespace corio
