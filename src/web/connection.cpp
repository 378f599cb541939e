// HttpConnection: reading, parsing and the request loop (see connection.hpp).
#include "web/connection.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "corio/core/exceptions.hpp"
#include "corio/http/query.hpp"
#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/socket.hpp"
#include "corio/web/application.hpp"
#include "corio/web/exceptions.hpp"
#include "loop/driver/driver.hpp"
#include "web/connection_tls.hpp"

namespace corio::web::detail {

namespace {
constexpr std::size_t kFirstBuffer = 16 * 1024;
constexpr std::size_t kMinFree = 4 * 1024;
// The largest receive buffer: http-parser's own head limit (80 KiB) plus room for a
// body piece; a head beyond it has already failed with HPE_HEADER_OVERFLOW.
constexpr std::size_t kMaxBuffer = 256 * 1024;
constexpr double kLingerSeconds = 2.0;

HttpConnection* self(http_parser* p) noexcept { return static_cast<HttpConnection*>(p->data); }

http_parser_settings make_settings() noexcept {
  http_parser_settings s{};
  http_parser_settings_init(&s);
  s.on_message_begin = [](http_parser* p) { return self(p)->on_message_begin(); };
  s.on_url = [](http_parser* p, const char* at, std::size_t n) { return self(p)->on_url(at, n); };
  s.on_header_field = [](http_parser* p, const char* at, std::size_t n) { return self(p)->on_header_field(at, n); };
  s.on_header_value = [](http_parser* p, const char* at, std::size_t n) { return self(p)->on_header_value(at, n); };
  s.on_headers_complete = [](http_parser* p) { return self(p)->on_headers_complete(); };
  s.on_body = [](http_parser* p, const char* at, std::size_t n) { return self(p)->on_body(at, n); };
  s.on_message_complete = [](http_parser* p) { return self(p)->on_message_complete(); };
  return s;
}

std::string_view trim_ows(std::string_view v) noexcept {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  return v;
}
}  // namespace

const http_parser_settings& parser_settings() noexcept {
  static const http_parser_settings s = make_settings();
  return s;
}

HttpConnection::HttpConnection(ServerState& st, int fd, const SocketAddress& peer)
    : state_(st), loop_(st.loop), fd_(fd), peer_(peer), req_(this) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  req_.app_ = st.app;
  state_.link(this);
  // epoll: one edge-triggered registration for the connection's life, so that a
  // keep-alive exchange costs a recv and a send and nothing else.
  try {
    loop_->driver().retain(fd_);
    retained_ = true;
  } catch (...) {
  }
}

HttpConnection::~HttpConnection() {
  if (timer_armed_) timer_.cancel();
  close_fd();
  state_.unlink(this);
}

void HttpConnection::close_fd() noexcept {
  if (fd_ < 0) return;
  if (retained_ && loop_->has_driver()) loop_->driver().release(fd_);
  retained_ = false;
  ::close(fd_);
  fd_ = -1;
}

// ---- parser callbacks: offsets are relative to msg_start_ (the buffer may move) ----

int HttpConnection::on_message_begin() noexcept {
  // rhead_ is where this execute started: at or before the message's first byte (only
  // skipped CRLFs can lie between), and nothing of the previous message is after it.
  msg_start_ = rhead_;
  in_head_ = true;
  url_off_ = url_len_ = 0;
  hdrs_.clear();
  last_was_value_ = true;
  msg_complete_ = false;
  return 0;
}

int HttpConnection::on_url(const char* at, std::size_t len) noexcept {
  auto off = static_cast<std::uint32_t>(at - (rbuf_.get() + msg_start_));
  if (url_len_ == 0) url_off_ = off;
  url_len_ += static_cast<std::uint32_t>(len);
  if (url_len_ > state_.settings.max_line_size) {
    limit_error_ = 431;
    return 1;
  }
  return 0;
}

int HttpConnection::on_header_field(const char* at, std::size_t len) noexcept {
  auto off = static_cast<std::uint32_t>(at - (rbuf_.get() + msg_start_));
  if (last_was_value_) {
    if (hdrs_.size() >= state_.settings.max_headers) {
      limit_error_ = 431;
      return 1;
    }
    hdrs_.push_back(HeaderPos{off, 0, off, 0});
    last_was_value_ = false;
  }
  HeaderPos& h = hdrs_.back();
  h.name_len += static_cast<std::uint32_t>(len);
  h.value_off = h.name_off + h.name_len;
  if (h.name_len > state_.settings.max_field_size) {
    limit_error_ = 431;
    return 1;
  }
  return 0;
}

int HttpConnection::on_header_value(const char* at, std::size_t len) noexcept {
  if (hdrs_.empty()) return 1;
  HeaderPos& h = hdrs_.back();
  if (!last_was_value_) {
    h.value_off = static_cast<std::uint32_t>(at - (rbuf_.get() + msg_start_));
    h.value_len = 0;
    last_was_value_ = true;
  }
  h.value_len += static_cast<std::uint32_t>(len);
  if (h.name_len + h.value_len > state_.settings.max_field_size) {
    limit_error_ = 431;
    return 1;
  }
  return 0;
}

int HttpConnection::on_headers_complete() noexcept {
  event_ = Parsed::Head;
  http_parser_pause(&parser_, 1);
  return 0;
}

int HttpConnection::on_body(const char* at, std::size_t len) noexcept {
  body_received_ += len;
  if (!discard_body_) body_.append(at, len);
  return 0;
}

int HttpConnection::on_message_complete() noexcept {
  msg_complete_ = true;
  event_ = Parsed::MessageEnd;
  http_parser_pause(&parser_, 1);
  return 0;
}

// ---- parsing ----

HttpConnection::Parsed HttpConnection::parse() noexcept {
  while (rhead_ < rtail_) {
    event_ = Parsed::NeedMore;
    std::size_t n = http_parser_execute(&parser_, &parser_settings(), rbuf_.get() + rhead_, rtail_ - rhead_);
    rhead_ += n;
    auto err = HTTP_PARSER_ERRNO(&parser_);
    if (err == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      if (event_ == Parsed::Head) in_head_ = false;
      return event_;
    }
    if (err != HPE_OK) {
      if (err == HPE_HEADER_OVERFLOW) limit_error_ = 431;
      return Parsed::Error;
    }
  }
  return Parsed::NeedMore;
}

bool HttpConnection::make_room() {
  if (rhead_ == rtail_ && !in_head_) rhead_ = rtail_ = 0;
  if (rcap_ - rtail_ >= kMinFree) return true;
  std::size_t keep = in_head_ ? std::min(msg_start_, rhead_) : rhead_;
  std::size_t used = rtail_ - keep;
  if (keep > 0 && rcap_ - used >= kMinFree) {
    std::memmove(rbuf_.get(), rbuf_.get() + keep, used);
  } else {
    if (rcap_ >= kMaxBuffer) return false;
    std::size_t cap = rcap_ == 0 ? kFirstBuffer : rcap_ * 2;
    std::unique_ptr<char[]> nb(new char[cap]);
    if (used) std::memcpy(nb.get(), rbuf_.get() + keep, used);
    rbuf_ = std::move(nb);
    rcap_ = cap;
  }
  rhead_ -= keep;
  rtail_ -= keep;
  if (in_head_) msg_start_ -= keep;
  return true;
}

void HttpConnection::build_request() {
  // Copy the head once: the views stay valid while the body moves the buffer.
  head_.assign(rbuf_.get() + msg_start_, rhead_ - msg_start_);
  Request& r = req_;
  r.reset();
  r.method_ = http_method_str(static_cast<http_method>(parser_.method));
  std::string_view url(head_.data() + url_off_, url_len_);
  r.raw_path_ = url;
  if (!url.empty() && url.front() != '/') {  // absolute-form: http://host/path
    std::size_t scheme = url.find("://");
    std::size_t slash = scheme == std::string_view::npos ? std::string_view::npos : url.find('/', scheme + 3);
    url = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
    r.raw_path_ = url;
  }
  if (std::size_t hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  std::string_view raw = url;
  if (std::size_t q = url.find('?'); q != std::string_view::npos) {
    r.query_string_ = url.substr(q + 1);
    raw = url.substr(0, q);
  }
  if (raw.find('%') != std::string_view::npos) {
    r.path_buf_ = http::unquote(raw);
    r.path_ = r.path_buf_;
  } else {
    r.path_ = raw;
  }
  r.raw_headers_.clear();
  for (const HeaderPos& h : hdrs_) {
    r.raw_headers_.emplace_back(std::string_view(head_.data() + h.name_off, h.name_len),
                                trim_ows(std::string_view(head_.data() + h.value_off, h.value_len)));
  }
  r.version_ = HttpVersion{static_cast<int>(parser_.http_major), static_cast<int>(parser_.http_minor)};
  r.keep_alive_ = http_should_keep_alive(&parser_) != 0 && !parser_.upgrade;
  const bool chunked = (parser_.flags & F_CHUNKED) != 0;
  if (!chunked && parser_.content_length != ULLONG_MAX) r.content_length_ = parser_.content_length;
  r.body_exists_ = chunked || (r.content_length_ && *r.content_length_ > 0);
  expect_continue_ = false;
  if (r.body_exists_ && r.version_ == HttpVersion{1, 1}) {
    if (auto e = r.header("Expect"); e && http::iequals(*e, "100-continue")) expect_continue_ = true;
  }
  body_.clear();
  body_off_ = 0;
  body_received_ = 0;
  discard_body_ = false;
  // A request without a body: its message ends right after the head; let the parser
  // say so now, so that pipelined requests behind it stay untouched in the buffer.
  if (!r.body_exists_ && parse() != Parsed::MessageEnd && !limit_error_) limit_error_ = 400;
}

// ---- timeouts ----

void HttpConnection::arm(double seconds) noexcept {
  std::int64_t now = loop_->time_ns();
  deadline_ns_ = now + static_cast<std::int64_t>(seconds * 1e9);
  if (timer_armed_ && timer_when_ <= deadline_ns_) return;  // fires first, re-arms then
  if (timer_armed_) timer_.cancel();
  try {
    timer_ = loop_->call_later(std::chrono::nanoseconds(deadline_ns_ - now), [this] { on_timer(); });
    timer_when_ = deadline_ns_;
    timer_armed_ = true;
  } catch (...) {
    timer_armed_ = false;  // out of memory: this connection has no timeout
  }
}

void HttpConnection::on_timer() noexcept {
  timer_armed_ = false;
  if (phase_ == Phase::Busy || fd_ < 0) return;  // re-armed when it waits again
  std::int64_t now = loop_->time_ns();
  if (now < deadline_ns_) {
    double left = static_cast<double>(deadline_ns_ - now) / 1e9;
    std::int64_t d = deadline_ns_;
    arm(left);
    deadline_ns_ = d;
    return;
  }
  if (phase_ == Phase::ReadingHead) {
    timed_out_ = true;
    ::shutdown(fd_, SHUT_RD);  // the pending receive ends with EOF; the loop answers 408
  } else {
    if (phase_ == Phase::Idle) tls_close_notify();
    ::shutdown(fd_, SHUT_RDWR);
  }
}

void HttpConnection::shutdown_gracefully() noexcept {
  closing_ = true;
  if (ws_) {
    ws_->going_away();  // the handler sees the client's reply and returns
    return;
  }
  if ((phase_ == Phase::Idle || phase_ == Phase::Handshake) && fd_ >= 0) {
    if (phase_ == Phase::Idle) tls_close_notify();
    ::shutdown(fd_, SHUT_RDWR);
  }
}

// ---- the loop ----

Coro<void> HttpConnection::run() {
  try {
    bool ready = true;
    if (tls_) {
      bool shaken = co_await tls_handshake();
      ready = shaken;
    }
    while (ready && !broken_) {
      Parsed p = parse();
      if (p == Parsed::NeedMore) {
        // Everything buffered is handled: send the batch of responses in one write
        // (a plain send when the socket takes it all, the usual case: no coroutine).
        if (unsent() > 0 && !try_flush()) co_await flush();
        if (closing_ || broken_) break;
        phase_ = in_head_ && rhead_ > msg_start_ ? Phase::ReadingHead : Phase::Idle;
        arm(phase_ == Phase::Idle ? state_.settings.keepalive_timeout : state_.settings.header_timeout);
        if (state_.shutting_down && phase_ == Phase::Idle) break;
        if (!make_room()) {
          limit_error_ = 431;
          p = Parsed::Error;
        } else {
          std::int32_t r = 0;
          if (!tls_) {
            corio::detail::IoAwait a;
            corio::detail::prepare_recv(a, fd_, rbuf_.get() + rtail_, rcap_ - rtail_);
            std::int32_t got = co_await a;
            r = got;
          } else {
            std::int32_t got = co_await tls_receive(rbuf_.get() + rtail_, rcap_ - rtail_);
            r = got;
          }
          if (r <= 0) {
            if (timed_out_ && !broken_) {
              append_error(408, "Request Timeout");
              co_await flush();
            }
            break;
          }
          rtail_ += static_cast<std::size_t>(r);
          // No re-arm here: a complete head is handled at once, and a partial one
          // arms the header deadline when the parser asks for more (above).
          continue;
        }
      }
      if (p == Parsed::Error) {
        phase_ = Phase::Busy;
        int status = limit_error_ ? limit_error_ : 400;
        append_error(status, status == 431 ? "Request Header Fields Too Large" : "Bad Request");
        co_await flush();
        co_await linger();
        break;
      }
      if (p == Parsed::MessageEnd) continue;  // the end of a body nobody read
      phase_ = Phase::Busy;
      build_request();
      if (limit_error_) {
        append_error(limit_error_ == 431 ? 431 : 400, "Bad Request");
        co_await flush();
        break;
      }
      bool keep = co_await handle_request();
      if (!keep) {
        co_await flush();
        // A websocket's closing handshake is its own: nothing is left to drain.
        if (!upgraded_) co_await linger();
        break;
      }
    }
  } catch (const CancelledError&) {
    // Graceful shutdown ran out of time, or the loop is closing.
  } catch (const std::exception&) {
    // The peer went away mid-response (send failed), a body read failed, or the TLS
    // stream was corrupt.
  }
  if (timer_armed_) {
    timer_.cancel();
    timer_armed_ = false;
  }
  tls_close_notify();
  close_fd();
}

Coro<bool> HttpConnection::handle_request() {
  Request& req = req_;
  Application& app = *state_.app;
  const Handler* chain;
  int found = app.router().resolve(req.method_, req.path_, req.match_info_);
  if (found == 0) {
    chain = &req.match_info_.route()->chain;
  } else if (found == 405) {
    chain = &app.not_allowed_chain();
  } else {
    chain = &app.not_found_chain();
  }
  streaming_ = false;
  Response resp;
  bool failed = false;
  try {
    Coro<Response> c = (*chain)(req);
    resp = co_await std::move(c);
  } catch (const HTTPException& e) {
    resp = Response(std::string(e.text()), e.status());
    resp.set_status(e.status(), e.reason());
    for (const auto& [k, v] : e.headers()) resp.headers().add(k, v);
    if (e.status() == 413) resp.force_close();  // the rest of the body is not wanted
  } catch (const CancelledError&) {
    throw;
  } catch (...) {
    loop_->call_exception_handler(
        ExceptionContext{"Error handling request " + std::string(req.method_) + " " + std::string(req.raw_path_),
                         std::current_exception(), {}, {}});
    failed = true;
  }
  if (failed) {
    if (streaming_) co_return false;  // the head is out: the response cannot change
    resp = Response(std::string("500 Internal Server Error\n\nServer got itself in trouble"), 500);
  }
  if (broken_) co_return false;
  if (resp.prepared_) {
    if (!resp.eof_sent_) co_await write_eof(resp, {});
  } else {
    keep_alive_ = req.keep_alive_ && !closing_ && !resp.force_close_ && !state_.shutting_down;
    // A large unread body is not worth reading: close instead.
    if (!msg_complete_ && req.content_length_ &&
        *req.content_length_ - body_received_ > state_.settings.max_drain) {
      keep_alive_ = false;
    }
    resp.head_only_ = req.method_ == std::string_view("HEAD");
    if (resp.kind_ == StreamResponse::Kind::File) {
      co_await send_file(resp);
    } else {
      // A small in-memory body is copied behind its head without a coroutine.
      if (!append_response(resp)) {
        co_await send_response(resp);
      } else if (unsent() > kHighWater) {
        co_await flush();
      }
    }
  }
  if (!req.background_.empty()) {
    // FastAPI's order: background tasks start once the response is on its way.
    if (unsent() > 0) co_await flush();
    for (Coro<void>& c : req.background_) state_.spawn_background(std::move(c), "background");
    req.background_.clear();
  }
  bool keep = keep_alive_ && !broken_;
  if (keep && !msg_complete_) {
    if (unsent() > 0) co_await flush();  // the client may wait for it to send more
    keep = co_await drain_body();
  }
  co_return keep;
}

Coro<bool> HttpConnection::drain_body() {
  discard_body_ = true;
  body_.clear();
  body_off_ = 0;
  std::uint64_t start = body_received_;
  // A client that stops sending mid-body must not hold the connection forever.
  phase_ = Phase::ReadingHead;
  arm(state_.settings.header_timeout);
  while (!msg_complete_) {
    if (body_received_ - start > state_.settings.max_drain) co_return false;
    bool failed = false;
    try {
      co_await more_body();
    } catch (const std::exception&) {
      failed = true;
    }
    if (failed || timed_out_) co_return false;
  }
  phase_ = Phase::Busy;
  co_return true;
}

Coro<void> HttpConnection::linger() {
  // Closing with unread bytes in the socket would reset the connection and could
  // destroy the response before the client reads it: half-close, then read and drop
  // what the client still sends, for a short while.
  if (broken_ || fd_ < 0) co_return;
  tls_close_notify();
  ::shutdown(fd_, SHUT_WR);
  phase_ = Phase::Lingering;
  arm(kLingerSeconds);
  rhead_ = rtail_ = 0;
  in_head_ = false;
  if (!rbuf_) make_room();
  while (true) {
    corio::detail::IoAwait a;
    corio::detail::prepare_recv(a, fd_, rbuf_.get(), rcap_);
    std::int32_t r = co_await a;
    if (r <= 0) break;
  }
}

Coro<void> serve_connection(std::shared_ptr<ServerState> state, int fd, SocketAddress peer,
                            std::optional<SSLContext> ssl) {
  HttpConnection conn(*state, fd, peer);
  conn.task = current_task();
  if (ssl && !conn.use_tls(*ssl)) co_return;
  co_await conn.run();
}

}  // namespace corio::web::detail
