// HttpConnection: TLS for https sites (see connection.hpp). The engine is corio's TLS
// session on memory BIOs, so this file only moves ciphertext between it and the
// socket with the same non-blocking sends and IoAwait receives as plain connections.
#include "web/connection_tls.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "corio/net/detail/io_await.hpp"
#include "corio/sync/exceptions.hpp"
#include "net/ssl_impl.hpp"
#include "web/server_state.hpp"

namespace corio::web::detail {

namespace {
// Large bodies are encrypted and sent this much at a time, so that the ciphertext
// waiting for the socket stays bounded (asyncio's high-water mark).
constexpr std::size_t kEncryptPiece = 64 * 1024;
}  // namespace

void prepare_site_context(const SSLContext& ctx) {
  if (ctx.protocol() != PROTOCOL_TLS_SERVER) {
    throw ValueError("an https site needs a PROTOCOL_TLS_SERVER context");
  }
  // ALPN's wire format: a length byte, then the name.
  static constexpr std::string_view kHttp11 = "\x08http/1.1";
  const std::string& wire = ctx.impl()->alpn_wire;
  if (wire.empty()) {
    SSLContext shared = ctx;  // a handle: this sets the caller's context
    shared.set_alpn_protocols({"http/1.1"});
  } else if (wire != kHttp11) {
    throw ValueError("corio::web serves HTTP/1.1 only: the context's ALPN protocols must be \"http/1.1\" or none");
  }
}

bool HttpConnection::use_tls(const SSLContext& ctx) noexcept {
  try {
    tls_ = std::make_unique<Tls>(ctx);
    return true;
  } catch (...) {
    return false;  // out of memory or OpenSSL failed: nothing to serve this client with
  }
}

Coro<bool> HttpConnection::tls_handshake() {
  phase_ = Phase::Handshake;
  arm(state_.settings.ssl_handshake_timeout);
  corio::detail::TlsSession& s = tls_->session;
  while (true) {
    bool done = false;
    bool failed = false;
    try {
      done = s.do_handshake();
    } catch (const std::exception&) {
      // A plain-HTTP client, an unsupported version, a bad certificate: this
      // connection only, silently, as asyncio does for a failed handshake.
      failed = true;
    }
    // The next flight, or the alert that tells the client why it failed.
    while (!tls_send_output()) co_await wait_writable();
    if (failed || broken_) co_return false;
    if (done) break;
    corio::detail::IoAwait a;
    corio::detail::prepare_recv(a, fd_, tls_->cipher.get(), Tls::kCipherBuffer);
    std::int32_t r = co_await a;
    if (r <= 0) co_return false;  // the client left, or the handshake timed out
    s.feed(tls_->cipher.get(), static_cast<std::size_t>(r));
  }
  phase_ = Phase::Idle;
  co_return true;
}

Coro<std::int32_t> HttpConnection::tls_receive(char* dst, std::size_t cap) {
  corio::detail::TlsSession& s = tls_->session;
  while (true) {
    corio::detail::TlsSession::ReadStatus status;
    std::size_t n = s.read(dst, cap, status);
    // TLS 1.3 post-handshake answers (key updates): out with the next send, or now.
    if (s.output().size() > tls_->out_off) (void)tls_send_output();
    if (status == corio::detail::TlsSession::ReadStatus::Data) co_return static_cast<std::int32_t>(n);
    if (status == corio::detail::TlsSession::ReadStatus::CloseNotify) co_return 0;
    corio::detail::IoAwait a;
    corio::detail::prepare_recv(a, fd_, tls_->cipher.get(), Tls::kCipherBuffer);
    std::int32_t r = co_await a;
    if (r <= 0) co_return r;
    s.feed(tls_->cipher.get(), static_cast<std::size_t>(r));
  }
}

void HttpConnection::tls_encrypt(std::string_view plain) noexcept {
  if (broken_ || plain.empty()) return;
  try {
    tls_->session.write(plain);
  } catch (...) {
    broken_ = true;
  }
}

bool HttpConnection::tls_send_output() noexcept {
  corio::detail::TlsSession& s = tls_->session;
  std::string_view out = s.output();
  while (tls_->out_off < out.size() && !broken_) {
    ssize_t n = ::send(fd_, out.data() + tls_->out_off, out.size() - tls_->out_off, MSG_NOSIGNAL);
    if (n > 0) {
      tls_->out_off += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      tls_unsent_ = out.size() - tls_->out_off;
      return false;
    } else {
      broken_ = true;
    }
  }
  s.clear_output();
  tls_->out_off = 0;
  tls_unsent_ = 0;
  return true;
}

bool HttpConnection::tls_try_flush() noexcept {
  tls_encrypt(std::string_view(wbuf_).substr(woff_));
  wbuf_.clear();
  woff_ = 0;
  return tls_send_output();
}

Coro<void> HttpConnection::tls_flush(std::string_view extra, std::string_view tail) {
  tls_encrypt(std::string_view(wbuf_).substr(woff_));
  wbuf_.clear();
  woff_ = 0;
  for (std::string_view piece : {extra, tail}) {
    while (!piece.empty() && !broken_) {
      std::string_view now = piece.substr(0, kEncryptPiece);
      piece.remove_prefix(now.size());
      tls_encrypt(now);
      if (tls_->session.output().size() - tls_->out_off < kEncryptPiece) continue;  // batch small pieces
      while (!tls_send_output()) co_await wait_writable();
    }
  }
  while (!tls_send_output()) co_await wait_writable();
}

void HttpConnection::tls_close_notify() noexcept {
  if (!tls_ || broken_ || fd_ < 0) return;
  tls_->session.shutdown();
  (void)tls_send_output();
}

}  // namespace corio::web::detail
