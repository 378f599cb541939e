// H2Connection and H2Response: the request/response surface over H2Core (see
// h2_connection.hpp for the design and h2_core.cpp for the engine).
#include "h2_connection.hpp"

#include <algorithm>
#include <utility>

#include "corio/core/exceptions.hpp"
#include "h2_core.hpp"

namespace corio::http {

namespace {
// A read leaves this much consumed prefix in the buffer before compacting it.
constexpr std::size_t kCompactAt = 64 * 1024;
}  // namespace

// ---- H2Connection ----

Coro<std::shared_ptr<H2Connection>> H2Connection::start(StreamReader reader, StreamWriter writer,
                                                        H2Settings settings) {
  // Before the first suspension: `settings.origin` is a view into the caller's string.
  auto core = std::make_shared<detail::H2Core>(std::move(reader), std::move(writer), settings);
  core->open();
  try {
    co_await core->wait_remote_settings();
  } catch (...) {
    core->fail(core->connection_error("was closed by the client while starting", 0, false), false);
    throw;
  }
  co_return std::make_shared<H2Connection>(std::move(core));
}

H2Connection::~H2Connection() { close(); }

void H2Connection::close() noexcept {
  core_->fail(core_->connection_error("was closed by the client", 0, false), true);
}

Coro<H2Response> H2Connection::request(H2Request req) {
  std::shared_ptr<H2Connection> self = shared_from_this();  // responses keep the connection open
  detail::H2Core& core = *core_;
  co_await core.acquire_slot();
  auto st = std::make_shared<detail::H2Stream>();
  st->what = req.method + " " + req.scheme + "://" + req.authority + req.path;
  bool streamed = static_cast<bool>(req.body_source);
  bool has_body = streamed || !req.body.empty();
  if (!streamed) {
    st->out = std::move(req.body);
    st->out_done = true;
  }
  core.submit(req, st, has_body);  // gives the slot back if it throws
  try {
    if (streamed) co_await core.pump_body(st, std::move(req.body_source));
    while (!st->head_done && !st->error && !st->closed) {
      st->changed.clear();
      co_await st->changed.wait();
    }
  } catch (...) {  // cancelled, or the body source failed: this stream only is reset
    core.abandon(*st);
    throw;
  }
  if (!st->head_done) {
    if (st->error) std::rethrow_exception(st->error);
    throw H2StreamError("HTTP/2 stream " + std::to_string(st->id) + " (" + st->what + ") ended without a response",
                        st->id, 0, false);
  }
  H2Response resp(std::move(self), st);
  resp.status = st->status;
  resp.headers = std::move(st->headers);
  co_return resp;
}

bool H2Connection::is_available() const noexcept { return core_->available(); }
bool H2Connection::is_closed() const noexcept { return core_->closed(); }
Coro<void> H2Connection::wait_closed() {
  std::shared_ptr<detail::H2Core> core = core_;
  co_await core->wait_closed();
}
H2Statistics H2Connection::statistics() const noexcept { return core_->statistics(); }
const std::string& H2Connection::origin() const noexcept { return core_->origin(); }

// ---- H2Response ----

H2Response::H2Response(std::shared_ptr<H2Connection> conn, std::shared_ptr<detail::H2Stream> st)
    : conn_(std::move(conn)), st_(std::move(st)) {}

H2Response& H2Response::operator=(H2Response&& o) noexcept {
  if (this != &o) {
    release();
    status = o.status;
    headers = std::move(o.headers);
    conn_ = std::move(o.conn_);
    st_ = std::move(o.st_);
  }
  return *this;
}

Coro<std::string> H2Response::read(std::size_t n) {
  if (!st_) throw RuntimeError("read() on a released HTTP/2 response");
  // Copies: the stream and the connection stay alive across the wait even if this
  // response is moved meanwhile.
  std::shared_ptr<detail::H2Stream> st = st_;
  std::shared_ptr<H2Connection> conn = conn_;
  while (st->unread() == 0 && !st->end_stream && !st->error && !st->closed) {
    st->changed.clear();
    co_await st->changed.wait();
  }
  if (n > 0 && st->unread() > 0) {
    std::size_t take = std::min(n, st->unread());
    std::string out = st->body.substr(st->body_pos, take);
    st->body_pos += take;
    if (st->body_pos == st->body.size()) {
      st->body.clear();
      st->body_pos = 0;
    } else if (st->body_pos > kCompactAt && st->body_pos * 2 > st->body.size()) {
      st->body.erase(0, st->body_pos);
      st->body_pos = 0;
    }
    conn->core_->consume(st->id, take);  // the server may send as much again
    co_return out;
  }
  if (st->error) std::rethrow_exception(st->error);
  co_return std::string();
}

Coro<std::string> H2Response::read_all() {
  std::string all;
  for (;;) {
    std::string chunk = co_await read(1 << 20);
    if (chunk.empty()) break;
    all += chunk;
  }
  co_return all;
}

bool H2Response::at_eof() const noexcept { return !st_ || (st_->end_stream && st_->unread() == 0); }
std::size_t H2Response::buffered() const noexcept { return st_ ? st_->unread() : 0; }
const Headers& H2Response::trailers() const noexcept {
  static const Headers none;
  return st_ ? st_->trailers : none;
}
std::int32_t H2Response::stream_id() const noexcept { return st_ ? st_->id : -1; }

void H2Response::release() noexcept {
  if (!st_) return;
  conn_->core_->abandon(*st_);
  st_.reset();
  conn_.reset();
}

}  // namespace corio::http
