// Support for the TLS tests: contexts over the run-time certificates (ssl_test_certs.hpp)
// and a few handlers for TLS servers.
#pragma once

#include <string>

#include "corio/net/ssl.hpp"
#include "ssl_test_certs.hpp"
#include "stream_test_util.hpp"

namespace corio::test {

/// A server context with the CA-signed "localhost" certificate (shared: contexts are
/// handles, and handlers, being plain functions, reach it here).
inline const SSLContext& server_context() {
  static const SSLContext ctx = [] {
    SSLContext c(PROTOCOL_TLS_SERVER);
    c.load_cert_chain(test_certs().server_cert, test_certs().server_key);
    return c;
  }();
  return ctx;
}

/// A client context that trusts the test CA and checks host names.
inline SSLContext client_context() { return create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert); }

/// A server context whose certificate is self-signed.
inline SSLContext self_signed_server_context() {
  SSLContext c(PROTOCOL_TLS_SERVER);
  c.load_cert_chain(test_certs().self_signed_cert, test_certs().self_signed_key);
  return c;
}

/// `n` bytes of a pattern that a shifted or dropped chunk cannot match.
inline std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4093) % 26);
  return s;
}

/// Writes one line describing the server side of the TLS session, then echoes.
inline Coro<void> describe_then_echo(StreamReader r, StreamWriter w) {
  std::optional<SSLObject> tls = w.ssl_object();
  std::string alpn = tls ? tls->selected_alpn_protocol().value_or("none") : "plain";
  w.write("server_side=" + std::to_string(tls && tls->server_side()) + " version=" + (tls ? tls->version() : "") +
          " alpn=" + alpn + "\n");
  co_await echo_handler(std::move(r), std::move(w));
}

}  // namespace corio::test
