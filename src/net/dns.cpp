// getaddrinfo / getnameinfo: the lookups on a ResolverCore (see dns_resolver.hpp) and
// the public functions.
#include "corio/net/dns.hpp"

#include "corio/loop/event_loop.hpp"
#include "net/dns_resolver.hpp"
#include "net/dns_results.hpp"

namespace corio {

namespace detail {

namespace {

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

}  // namespace

Coro<std::vector<AddrInfo>> lookup_addrinfo(ResolverCore* core, std::string host, std::string service,
                                            AddrInfoHints hints) {
  std::uint16_t port = resolve_service(host, service, hints);
  if (auto done = numeric_lookup(host, port, hints)) co_return std::move(*done);
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

  if (q->status != ARES_SUCCESS) throw_gaierror(q->status, getaddrinfo_call(host, service));
  std::vector<AddrInfo> out;
  for (auto* n = q->result ? q->result->nodes : nullptr; n; n = n->ai_next) {
    SocketAddress a = SocketAddress::from_raw(n->ai_addr, static_cast<socklen_t>(n->ai_addrlen));
    set_port(a, port);
    add_entries(out, a, hints);
  }
  if (out.empty()) throw_gaierror(ARES_ENODATA, getaddrinfo_call(host, service));
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