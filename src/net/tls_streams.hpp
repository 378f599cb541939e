// TLS on a stream: the handshake over a StreamState (asyncio's SSLProtocol handshake
// and start_tls), shared by open_connection, start_server and StreamWriter::start_tls.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/net/server.hpp"
#include "corio/net/ssl.hpp"
#include "corio/net/streams.hpp"

namespace corio::detail {

class StreamState;

/// What a stream needs to become TLS: the context (its protocol says the side), the
/// name to verify and send in SNI (client side), and the handshake's time limit.
struct TlsParams {
  SSLContext context;
  std::string server_hostname;
  std::chrono::nanoseconds handshake_timeout;
};

/// The TLS parameters of a client connection (nullopt without ssl): validated and
/// copied before the caller suspends, so that the options' context and name need only
/// live until then. ValueError (naming `function`) for a server context, or for a
/// server_hostname without ssl. The name checked defaults to `host`.
std::optional<TlsParams> client_tls(const ConnectionOptions& o, const std::string& host, const char* function);
/// The same for a server (null without ssl); ValueError for a client context.
std::shared_ptr<const TlsParams> server_tls(const ServerOptions& o, const char* function);

/// Makes `s` a TLS stream and does the handshake (see StreamWriter::start_tls). The
/// arguments are copied before this returns: `p` need not outlive the co_await.
/// Cancellation: the handshake is abandoned and the connection aborted.
Coro<void> start_tls_on(StreamState* s, const TlsParams& p);

}  // namespace corio::detail
