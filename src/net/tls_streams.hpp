// TLS on a stream: the handshake over a StreamState (asyncio's SSLProtocol handshake
// and start_tls), shared by open_connection, start_server and StreamWriter::start_tls.
#pragma once

#include <chrono>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/net/ssl.hpp"

namespace corio::detail {

class StreamState;

/// What a stream needs to become TLS: the context (its protocol says the side), the
/// name to verify and send in SNI (client side), and the handshake's time limit.
struct TlsParams {
  SSLContext context;
  std::string server_hostname;
  std::chrono::nanoseconds handshake_timeout;
};

/// Makes `s` a TLS stream and does the handshake (see StreamWriter::start_tls). The
/// arguments are copied before this returns: `p` need not outlive the co_await.
/// Cancellation: the handshake is abandoned and the connection aborted.
Coro<void> start_tls_on(StreamState* s, const TlsParams& p);

}  // namespace corio::detail
