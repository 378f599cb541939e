// The TLS handshake over a stream, and StreamWriter's TLS members (start_tls,
// ssl_object).
//
// The handshake is pulled like a read: SSL_do_handshake, send what it produced, and if
// it wants more, receive once more into the stream (receive_more: the ciphertext goes
// to the session, see StreamState::tls_received). Nothing runs in the background, so a
// cancelled or timed-out handshake leaves nothing behind; the connection is aborted,
// since a half-done TLS session cannot be resumed or used in the clear.
#include "net/tls_streams.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>

#include "corio/net/errors.hpp"
#include "corio/net/stream_writer.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/tasks/timeout.hpp"
#include "net/stream_state.hpp"
#include "net/tls_session.hpp"

namespace corio {

namespace detail {

namespace {

Coro<void> tls_handshake(StreamRef s) {
  TlsSession& tls = *s->tls;
  for (;;) {
    bool done = false;
    std::exception_ptr failed;
    try {
      done = tls.do_handshake();
    } catch (...) {
      failed = std::current_exception();
    }
    s->tls_flush();  // the next flight, or the alert that tells the peer why we failed
    if (failed) std::rethrow_exception(failed);
    if (s->write_error) std::rethrow_exception(s->write_error);
    if (done) break;
    if (s->eof) {
      s->check_read_error();
      throw ConnectionResetError(ECONNRESET, "Connection lost during the SSL handshake with " + s->peer.to_string());
    }
    co_await receive_more(s);
  }
  s->tls_decrypt();  // application data that came with the last handshake flight
}

// Python prints the timeout as a float: "60.0 seconds".
std::string seconds_text(std::chrono::nanoseconds d) {
  double secs = std::chrono::duration<double>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, secs == std::floor(secs) ? "%.1f" : "%g", secs);
  return buf;
}

Coro<void> start_tls_impl(StreamRef s, TlsParams p) {
  if (!s->has_socket) throw RuntimeError("start_tls() on a StreamWriter without a socket");
  if (s->tls) throw RuntimeError("the connection already uses TLS");
  if (s->closing || s->closed) throw RuntimeError("start_tls() on a closed connection");
  const bool server_side = p.context.protocol() == PROTOCOL_TLS_SERVER;
  s->tls = std::make_shared<TlsSession>(p.context, server_side, std::move(p.server_hostname));
  if (s->avail() > 0) {
    // Received but not read: the peer's first TLS bytes (a read asked for more than
    // the plaintext phase held, as a STARTTLS reply followed by the server's flight).
    s->tls->feed(s->data().data(), s->avail());
    s->consume(s->avail());
  }
  bool timed_out = false;
  std::exception_ptr failed;
  try {
    Timeout deadline = timeout(p.handshake_timeout);
    co_await deadline.run(tls_handshake(s));
  } catch (const TimeoutError&) {
    timed_out = true;
  } catch (...) {  // SSLError, ConnectionResetError, CancelledError, ...
    failed = std::current_exception();
  }
  if (timed_out) {
    s->abort();
    throw ConnectionAbortedError(ECONNABORTED, "SSL handshake is taking longer than " +
                                                   seconds_text(p.handshake_timeout) +
                                                   " seconds: aborting the connection");
  }
  if (failed) {
    s->abort();
    std::rethrow_exception(failed);
  }
}

}  // namespace

std::optional<TlsParams> client_tls(const ConnectionOptions& o, const std::string& host, const char* function) {
  if (!o.ssl) {
    if (o.server_hostname) throw ValueError("server_hostname is only meaningful with ssl");
    return std::nullopt;
  }
  if (o.ssl->protocol() != PROTOCOL_TLS_CLIENT)
    throw ValueError(std::string(function) + " needs a PROTOCOL_TLS_CLIENT context");
  std::string name = o.server_hostname ? std::string(*o.server_hostname) : host;
  return TlsParams{*o.ssl, std::move(name), o.ssl_handshake_timeout};
}

std::shared_ptr<const TlsParams> server_tls(const ServerOptions& o, const char* function) {
  if (!o.ssl) return nullptr;
  if (o.ssl->protocol() != PROTOCOL_TLS_SERVER)
    throw ValueError(std::string(function) + " needs a PROTOCOL_TLS_SERVER context");
  return std::make_shared<const TlsParams>(TlsParams{*o.ssl, std::string(), o.ssl_handshake_timeout});
}

Coro<void> start_tls_on(StreamState* s, const TlsParams& p) { return start_tls_impl(StreamRef(s), p); }

}  // namespace detail

Coro<void> StreamWriter::start_tls(const SSLContext& sslcontext, StartTLSOptions options) {
  detail::TlsParams p{sslcontext, options.server_hostname ? std::string(*options.server_hostname) : std::string(),
                      options.ssl_handshake_timeout};
  return detail::start_tls_on(s_, p);
}

std::optional<SSLObject> StreamWriter::ssl_object() const {
  if (!s_->tls) return std::nullopt;
  return SSLObject(s_->tls);
}

}  // namespace corio
