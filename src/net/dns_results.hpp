// Helpers of the name lookups (dns_results.cpp): errors, flags, the numeric fast path
// and the shaping of c-ares results into Python's.
#pragma once

#include <ares.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "corio/net/dns.hpp"

namespace corio::detail {

/// Throws the gaierror for c-ares status `status`; `what` names the lookup.
[[noreturn]] void throw_gaierror(int status, const std::string& what);

/// "getaddrinfo('example.com', 80)", as Python would print the call.
std::string getaddrinfo_call(const std::string& host, const std::string& service);

/// AI_* / NI_* flags in c-ares's terms.
int ares_ai_flags(int flags) noexcept;
int ares_ni_flags(int flags) noexcept;

/// The port of `service`: a number, or a name from /etc/services; gaierror otherwise.
std::uint16_t resolve_service(const std::string& host, const std::string& service, const AddrInfoHints& h);

void set_port(SocketAddress& a, std::uint16_t port) noexcept;

/// Appends `addr` once per socket type the hints allow (glibc's expansion of type 0).
void add_entries(std::vector<AddrInfo>& out, const SocketAddress& addr, const AddrInfoHints& h);

/// A numeric host (or Python's None, the empty host) answered without a lookup;
/// nullopt means "a name to look up".
std::optional<std::vector<AddrInfo>> numeric_lookup(const std::string& host, std::uint16_t port,
                                                    const AddrInfoHints& h);

/// The canonical name: the end of the CNAME chain, else the name itself.
std::string canonical_name(const ares_addrinfo* res);

}  // namespace corio::detail
