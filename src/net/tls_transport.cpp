// TlsTransport: TLS for the protocol API (asyncio's sslproto.SSLProtocol and its
// _SSLProtocolTransport in one object).
//
// It sits between two parties and plays a role for each:
//
//   socket transport  --data_received(ciphertext)-->  TlsTransport (its Protocol)
//   user's protocol   <--data_received(plaintext)---  TlsTransport (its Transport)
//
// The TLS state is a TlsSession on memory buffers, as for the streams, so the same
// code runs on both I/O drivers. The user's protocol sees connection_made only once the
// handshake is complete (create_connection returns then; a server drops a connection
// whose handshake fails or times out, without making it known to the protocol, as
// asyncio does). A failed handshake is reported through the handshake future, which
// create_connection awaits.
#include "net/tls_transport.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>

#include "corio/core/exceptions.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/net/errors.hpp"
#include "net/tls_session.hpp"

namespace corio::detail {

namespace {

constexpr std::size_t kPlainChunk = 16 * 1024;  // one TLS record's worth of plaintext

std::string seconds_text(std::chrono::nanoseconds d) {
  double secs = std::chrono::duration<double>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, secs == std::floor(secs) ? "%.1f" : "%g", secs);
  return buf;
}

bool is_connection_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const ConnectionError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

TlsTransport::TlsTransport(EventLoop* loop, std::shared_ptr<Protocol> app, const TlsParams& params, bool server_side)
    : server_side_(server_side),
      loop_(loop),
      app_(std::move(app)),
      session_(std::make_shared<TlsSession>(params.context, server_side, params.server_hostname)),
      handshake_timeout_(params.handshake_timeout),
      handshake_(loop->create_future<void>()) {}

TlsTransport::~TlsTransport() = default;

// ---- the socket transport's protocol ----

void TlsTransport::connection_made(Transport& transport) {
  inner_ = &transport;
  self_ = shared_from_this();  // alive until the socket transport reports connection_lost
  std::weak_ptr<TlsTransport> weak = self_;
  timer_ = loop_->call_later(handshake_timeout_, [weak] {
    if (auto self = weak.lock()) self->handshake_timed_out();
  });
  if (server_side_) return;  // a server waits for the ClientHello
  advance_handshake();
}

void TlsTransport::data_received(std::string_view data) {
  session_->feed(data.data(), data.size());
  if (!session_->established()) {
    advance_handshake();
    if (!session_->established()) return;
  }
  deliver();
}

bool TlsTransport::eof_received() {
  if (!session_->established()) {
    fail_handshake(std::make_exception_ptr(ConnectionResetError(
        ECONNRESET, "Connection lost during the SSL handshake with " + peer_text())));
    return false;
  }
  // EOF without close_notify: asyncio treats it as a plain EOF.
  if (eof_delivered_) return false;
  eof_delivered_ = true;
  return app_connected_ && app_->eof_received();
}

void TlsTransport::connection_lost(std::exception_ptr exc) {
  timer_.cancel();
  std::shared_ptr<TlsTransport> keep = std::move(self_);
  if (!session_->established() || !app_connected_) {
    fail_handshake(exc ? exc
                       : std::make_exception_ptr(ConnectionResetError(
                             ECONNRESET, "Connection lost during the SSL handshake with " + peer_text())));
    inner_ = nullptr;
    return;
  }
  inner_ = nullptr;
  app_connected_ = false;
  if (exc && session_->close_notify_received() && is_connection_error(exc)) {
    // The peer ended the session properly; the reset or broken pipe that follows is its
    // socket going away before our close_notify or unread tickets reached it.
    exc = nullptr;
  }
  app_->connection_lost(exc);
}

void TlsTransport::pause_writing() {
  if (app_connected_) app_->pause_writing();
}
void TlsTransport::resume_writing() {
  if (app_connected_) app_->resume_writing();
}

// ---- the handshake ----

void TlsTransport::advance_handshake() {
  bool done = false;
  std::exception_ptr failed;
  try {
    done = session_->do_handshake();
  } catch (...) {
    failed = std::current_exception();
  }
  flush();  // the next flight, or the alert that tells the peer why we failed
  if (failed) {
    fail_handshake(failed);
    return;
  }
  if (!done) return;
  timer_.cancel();
  app_connected_ = true;
  // Resolved first: create_connection resumes from the ready queue, after
  // connection_made has run, even if it throws (which aborts the connection).
  if (!handshake_.done()) handshake_.set_result();
  app_->connection_made(*this);
}

void TlsTransport::handshake_timed_out() {
  if (session_->established()) return;
  fail_handshake(std::make_exception_ptr(ConnectionAbortedError(
      ECONNABORTED,
      "SSL handshake is taking longer than " + seconds_text(handshake_timeout_) + " seconds: aborting the connection")));
}

void TlsTransport::fail_handshake(std::exception_ptr exc) {
  // A client's create_connection awaits the future; a server has nobody to tell (asyncio
  // drops such a connection, reporting it in debug mode only).
  if (!handshake_.done()) {
    if (!server_side_) {
      handshake_.set_exception(exc);
    } else {
      if (loop_->get_debug()) {
        loop_->call_exception_handler(ExceptionContext{"SSL handshake failed with " + peer_text(), exc, {}, {}});
      }
      handshake_.cancel();
    }
  }
  if (inner_ && !inner_->is_closing()) inner_->abort();
}

// ---- plaintext to the user's protocol ----

void TlsTransport::deliver() {
  if (delivering_) return;  // data_received -> resume_reading -> here: the outer loop goes on
  delivering_ = true;
  struct Reset {
    bool& b;
    ~Reset() { b = false; }
  } reset{delivering_};
  char buf[kPlainChunk];
  while (app_connected_ && !paused_ && !closing_) {  // as a socket transport: nothing arrives after close()
    TlsSession::ReadStatus status;
    std::size_t n = session_->read(buf, sizeof buf, status);
    flush();  // TLS 1.3 key updates and tickets may need an answer
    if (status == TlsSession::ReadStatus::Data) {
      app_->data_received(std::string_view(buf, n));
      continue;
    }
    if (status == TlsSession::ReadStatus::CloseNotify && !eof_delivered_) {
      eof_delivered_ = true;
      if (!app_->eof_received()) close();
    }
    break;
  }
}

void TlsTransport::flush() {
  std::string_view out = session_->output();
  if (out.empty()) return;
  if (inner_ && !inner_->is_closing()) inner_->write(out);
  session_->clear_output();
}

std::string TlsTransport::peer_text() const {
  if (!inner_) return "the peer";
  std::any peer = inner_->get_extra_info("peername");
  if (auto* a = std::any_cast<SocketAddress>(&peer)) return a->to_string();
  return "the peer";
}

// ---- the user's transport ----

std::any TlsTransport::get_extra_info(std::string_view name, std::any default_value) const {
  SSLObject tls(session_);
  if (name == "ssl_object") return tls;
  if (name == "sslcontext") return tls.context();
  if (name == "peercert") return tls.getpeercert();
  if (name == "cipher") return tls.cipher();
  if (inner_) return inner_->get_extra_info(name, std::move(default_value));
  return default_value;
}

bool TlsTransport::is_closing() const noexcept { return closing_ || !inner_ || inner_->is_closing(); }

void TlsTransport::close() noexcept {
  if (closing_) return;
  closing_ = true;
  session_->shutdown();  // close_notify, sent before the socket transport closes
  try {
    flush();
  } catch (...) {  // the socket is failing anyway: close() does not throw
  }
  if (inner_) inner_->close();
}

void TlsTransport::write(std::string_view data) {
  if (closing_) return;  // as asyncio: writes after close are dropped
  if (!session_->established()) throw RuntimeError("write() on a TLS transport before its handshake completed");
  session_->write(data);
  flush();
}

void TlsTransport::writelines(std::span<const std::string_view> lines) {
  for (std::string_view l : lines) write(l);
}

void TlsTransport::write_eof() {
  throw NotImplementedError("TLS transports cannot half-close: TLS has no EOF of one direction (can_write_eof() is false)");
}

void TlsTransport::abort() noexcept {
  closing_ = true;
  if (inner_) inner_->abort();
}

void TlsTransport::pause_reading() {
  paused_ = true;
  if (inner_) inner_->pause_reading();
}

void TlsTransport::resume_reading() {
  if (!paused_) return;
  paused_ = false;
  if (inner_) inner_->resume_reading();
  // Records decrypted-but-undelivered while paused are in the session: deliver them
  // from the loop, not from inside the caller (which may be data_received itself).
  std::weak_ptr<TlsTransport> weak = weak_from_this();
  loop_->call_soon([weak] {
    if (auto self = weak.lock()) self->deliver();
  });
}

bool TlsTransport::is_reading() const noexcept { return !paused_ && inner_ && inner_->is_reading(); }

void TlsTransport::set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) {
  if (inner_) inner_->set_write_buffer_limits(high, low);
}

std::size_t TlsTransport::get_write_buffer_size() const noexcept {
  return inner_ ? inner_->get_write_buffer_size() : 0;
}

}  // namespace corio::detail
