// https through an http proxy: the CONNECT tunnel (aiohttp's behaviour).
//
// The connector opens a plain TCP connection to the proxy, asks it with
// `CONNECT host:port HTTP/1.1` for a byte pipe to the target, reads the proxy's answer
// head, and on a 2xx starts TLS over that same connection with the *target's* name
// (SNI and the certificate check). From then on the connection is an ordinary https
// connection to the target (HTTP/1.1 or h2 by ALPN). Its pool key names both the proxy
// and the target, so a tunnel is only reused for the same pair.
#pragma once

#include <cstdint>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/net/ssl.hpp"
#include "corio/net/streams.hpp"

namespace corio::http::detail {

/// Where a tunnelled connection leads, and how to ask the proxy for it.
struct Tunnel {
  std::string host;  // the target, for CONNECT, SNI and the certificate check
  std::uint16_t port = 0;
  std::string proxy;          // the proxy's URL without user information, for messages
  std::string authorization;  // a Proxy-Authorization value, or empty
};

/// "Basic <base64(user:password)>" (RFC 7617).
std::string basic_authorization(const std::string& user, const std::string& password);

/// Turns a fresh plain connection to the proxy into a TLS connection to tunnel.host.
/// Raises ClientHttpProxyError when the proxy answers CONNECT with a non-2xx status,
/// ClientProxyConnectionError when it closes or sends garbage instead of an answer,
/// ClientConnectorError when the TLS handshake with the target fails (a certificate
/// that does not verify, for one). Every message names the proxy and the target.
/// Cancellation: the connection is left half set up; the caller closes it.
Coro<void> open_tunnel(StreamReader& reader, StreamWriter& writer, const Tunnel& tunnel, const SSLContext& tls,
                       const std::string& what);

}  // namespace corio::http::detail
