// H2Core: the nghttp2 session, its callbacks and the connection's two tasks (see
// h2_core.hpp and h2_connection.hpp for the design).
//
// nghttp2 forbids calling mem_send/mem_recv from its callbacks, so the callbacks only
// record state and set events; every decision that needs the session afterwards
// (closing, failing streams) is taken by the task that called nghttp2, once the call
// has returned.
#include "h2_core.hpp"

#include <algorithm>
#include <any>
#include <cctype>
#include <cstring>
#include <utility>
#include <vector>

#include "corio/loop/event_loop.hpp"
#include "corio/loop/runner.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/tasks/create_task.hpp"

namespace corio::http::detail {

namespace {

constexpr std::size_t kBatch = 64 * 1024;  // the sender writes at most this much at once
constexpr std::size_t kUploadAhead = 64 * 1024;  // streamed body bytes buffered ahead

H2Core* core_of(void* user_data) noexcept { return static_cast<H2Core*>(user_data); }

std::string error_name(std::uint32_t code) { return nghttp2_http2_strerror(code); }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Headers that are meaningful only for one HTTP/1.1 hop (RFC 9113 8.2.2).
bool connection_specific(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" || lower_name == "proxy-connection" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade" || lower_name == "host";
}

nghttp2_nv make_nv(const std::string& name, const std::string& value) {
  // nghttp2 copies names and values while submitting, so the strings need only outlive
  // the submit call.
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

H2Core::H2Core(StreamReader reader, StreamWriter writer, H2Settings settings)
    : reader_(std::move(reader)), writer_(std::move(writer)), settings_(settings), origin_(settings.origin) {
  settings_.origin = {};
  if (origin_.empty()) {
    std::any peer = writer_.get_extra_info("peername");
    if (const auto* addr = std::any_cast<SocketAddress>(&peer)) origin_ = addr->to_string();
    if (origin_.empty()) origin_ = "the server";
  }
}

H2Core::~H2Core() {
  health_timer_.cancel();
  // The session goes first, while the state its callbacks could touch is still alive.
  if (session_) nghttp2_session_del(session_);
}

void H2Core::open() {
  nghttp2_session_callbacks* cbs = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) throw std::bad_alloc();
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs, on_frame_not_send);
  nghttp2_session_callbacks_set_error_callback2(cbs, on_error);
  nghttp2_option* opt = nullptr;
  if (nghttp2_option_new(&opt) != 0) {
    nghttp2_session_callbacks_del(cbs);
    throw std::bad_alloc();
  }
  // The consumer drives WINDOW_UPDATE (nghttp2_session_consume in read()).
  nghttp2_option_set_no_auto_window_update(opt, 1);
  int rv = nghttp2_session_client_new2(&session_, cbs, this, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) throw H2ConnectionError(std::string("HTTP/2 session: ") + nghttp2_strerror(rv), 0, 0, false);

  std::vector<nghttp2_settings_entry> iv{{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, settings_.stream_window}};
  if (settings_.max_header_list_size != 0) {
    iv.push_back({NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, settings_.max_header_list_size});
  }
  rv = nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv.data(), iv.size());
  if (rv == 0 && settings_.connection_window > NGHTTP2_INITIAL_CONNECTION_WINDOW_SIZE) {
    rv = nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                               static_cast<std::int32_t>(settings_.connection_window));
  }
  if (rv != 0) throw ValueError(std::string("HTTP/2 settings: ") + nghttp2_strerror(rv));

  loop_ = &get_running_loop();
  last_received_ = idle_since_ = loop_->time();
  arm_health();
  tasks_running_ = 2;
  create_task(reader_loop(shared_from_this()), "h2-reader");
  create_task(sender_loop(shared_from_this()), "h2-sender");
}

Coro<void> H2Core::wait_remote_settings() {
  while (!remote_settings_ && !closed_) {
    co_await remote_settings_event_.wait();
  }
  if (!remote_settings_) std::rethrow_exception(close_error_);
}

// ---- stream slots ----

std::uint32_t H2Core::slot_limit() const noexcept {
  std::uint32_t limit = nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  if (settings_.max_concurrent_streams != 0) limit = std::min(limit, settings_.max_concurrent_streams);
  return limit;
}

bool H2Core::available() const noexcept {
  // Stream ids are 31 bits and odd on a client; keep a margin for requests in flight.
  return !closed_ && !goaway_received_ && nghttp2_session_get_next_stream_id(session_) < (1u << 31) - 1024;
}

Coro<void> H2Core::acquire_slot() {
  if (!available()) {
    if (closed_) std::rethrow_exception(close_error_);
    std::rethrow_exception(connection_error("is going away (GOAWAY received): the request was not sent", goaway_code_,
                                            true));
  }
  if (waiting_.empty() && active_ < slot_limit()) {
    ++active_;
    co_return;
  }
  auto ticket = std::make_shared<H2SlotTicket>();
  waiting_.push_back(ticket);
  try {
    co_await ticket->ready.wait();
  } catch (...) {
    if (ticket->granted) {
      release_slot();  // granted while being cancelled: pass it on
    } else {
      std::erase(waiting_, ticket);
    }
    throw;
  }
  if (ticket->error) std::rethrow_exception(ticket->error);
}

void H2Core::release_slot() noexcept {
  if (active_ > 0) --active_;
  grant_slots();
  if (active_ == 0) note_idle();
}

void H2Core::grant_slots() noexcept {
  if (closed_) return;
  std::uint32_t limit = slot_limit();
  while (!waiting_.empty() && active_ < limit) {
    std::shared_ptr<H2SlotTicket> t = std::move(waiting_.front());
    waiting_.pop_front();
    t->granted = true;
    ++active_;
    t->ready.set();
  }
}

void H2Core::fail_waiters(std::exception_ptr exc) noexcept {
  for (auto& t : waiting_) {
    t->error = exc;
    t->ready.set();
  }
  waiting_.clear();
}

// ---- requests ----

std::int32_t H2Core::submit(const H2Request& req, const std::shared_ptr<H2Stream>& st, bool has_body) {
  std::string authority = req.authority;
  if (authority.empty()) authority = std::string(req.headers.get("host", ""));
  if (authority.empty() || req.method.empty() || req.path.empty()) {
    release_slot();
    throw ValueError("HTTP/2 request " + st->what + ": method, authority and path are required");
  }
  // Pseudo-headers first (RFC 9113 8.3), then the lowercased fields.
  std::vector<std::string> names{":method", ":scheme", ":authority", ":path"};
  std::vector<const std::string*> values{&req.method, &req.scheme, &authority, &req.path};
  names.reserve(4 + req.headers.size());
  values.reserve(4 + req.headers.size());
  for (const auto& [name, value] : req.headers) {
    std::string lower = lowercase(name);
    if (connection_specific(lower)) continue;
    if (lower == "te" && !iequals(value, "trailers")) continue;  // the only TE allowed
    names.push_back(std::move(lower));
    values.push_back(&value);
  }
  std::vector<nghttp2_nv> nva;
  nva.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) nva.push_back(make_nv(names[i], *values[i]));

  nghttp2_data_provider provider{};
  provider.read_callback = read_body;
  std::int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), has_body ? &provider : nullptr,
                                           st.get());
  if (id < 0) {
    release_slot();
    throw H2Error("HTTP/2 request " + st->what + " to " + origin() + " refused: " + nghttp2_strerror(id), 0, 0,
                  false);
  }
  st->id = id;
  streams_.emplace(id, st);
  ++opened_;
  peak_active_ = std::max(peak_active_, streams_.size());
  send_soon();
  return id;
}

Coro<void> H2Core::pump_body(std::shared_ptr<H2Stream> st, H2BodySource source) {
  for (;;) {
    std::string chunk = co_await source();
    if (st->closed || closed_) co_return;  // the server ended the exchange: stop sending
    if (chunk.empty()) st->out_done = true;
    st->out += chunk;
    nghttp2_session_resume_data(session_, st->id);  // a no-op unless the stream was deferred
    send_soon();
    if (st->out_done) co_return;
    while (st->out.size() - st->out_pos > kUploadAhead && !st->closed && !closed_) {
      st->changed.clear();
      co_await st->changed.wait();
    }
  }
}

void H2Core::abandon(H2Stream& st) noexcept {
  if (st.abandoned) return;
  st.abandoned = true;
  consume(st.id, st.unread());
  st.body.clear();
  st.body_pos = 0;
  if (st.id > 0 && !st.closed && !closed_) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_CANCEL);
    send_soon();
  }
}

void H2Core::consume(std::int32_t id, std::size_t n) noexcept {
  if (closed_ || n == 0 || id <= 0) return;
  // For a closed stream this credits the connection window only, which is what its
  // unread bytes still hold.
  nghttp2_session_consume(session_, id, n);
  send_soon();
}

// ---- closing ----

std::exception_ptr H2Core::connection_error(const std::string& what, std::uint32_t code, bool retryable) const {
  return std::make_exception_ptr(H2ConnectionError("HTTP/2 connection to " + origin() + " " + what, 0, code, retryable));
}

void H2Core::fail(std::exception_ptr exc, bool graceful) noexcept {
  if (closed_) return;
  if (graceful) nghttp2_session_terminate_session(session_, NGHTTP2_NO_ERROR);
  flush_now();  // our GOAWAY, or the one nghttp2 queued after a protocol error
  closed_ = true;
  close_error_ = exc;
  health_timer_.cancel();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& [id, st] : streams) {
    st->closed = true;
    if (!st->end_stream && !st->error && !st->abandoned) st->error = exc;
    st->changed.set();
  }
  fail_waiters(exc);
  active_ = 0;
  remote_settings_event_.set();
  writer_.close();  // flushes, then closes; the reader's read ends with EOF
  want_write_.set();
}

void H2Core::flush_now() noexcept {
  if (closed_ || writer_.is_closing()) return;
  try {
    for (;;) {
      const std::uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(session_, &data);
      if (n <= 0) break;
      writer_.write(std::string_view(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n)));
    }
  } catch (...) {  // the connection is gone already: nothing more to tell the server
  }
}

void H2Core::check_finished() noexcept {
  if (closed_ || nghttp2_session_want_read(session_) || nghttp2_session_want_write(session_)) return;
  if (goaway_sent_ && goaway_sent_code_ != NGHTTP2_NO_ERROR) {
    std::string why = last_error_.empty() ? error_name(goaway_sent_code_) : last_error_;
    fail(connection_error("failed: HTTP/2 protocol error (" + why + ")", goaway_sent_code_, false), false);
  } else {
    fail(connection_error("was closed by the server (GOAWAY " + error_name(goaway_code_) + ")", goaway_code_, true),
         false);
  }
}

Coro<void> H2Core::wait_closed() {
  try {
    co_await writer_.wait_closed();
  } catch (const std::exception&) {  // the error that ended it was already reported to the streams
  }
  while (tasks_running_ > 0) co_await tasks_done_.wait();
}

H2Statistics H2Core::statistics() const noexcept {
  H2Statistics s;
  s.active_streams = streams_.size();
  s.peak_active_streams = peak_active_;
  s.waiting_requests = waiting_.size();
  s.streams_opened = opened_;
  s.max_concurrent_streams = closed_ ? 0 : slot_limit();
  s.pings_sent = pings_sent_;
  return s;
}

H2Stream* H2Core::find(std::int32_t id) const noexcept {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

// ---- tasks ----

Coro<void> H2Core::reader_loop(std::shared_ptr<H2Core> self) {
  try {
    while (!self->closed_) {
      std::string data = co_await self->reader_.read(64 * 1024);
      if (self->closed_) break;
      if (data.empty()) {
        self->fail(self->connection_error("was closed by the server", 0, false), false);
        break;
      }
      self->note_received();
      ssize_t rv = nghttp2_session_mem_recv(self->session_, reinterpret_cast<const std::uint8_t*>(data.data()),
                                            data.size());
      if (rv < 0) {
        self->fail(self->connection_error(std::string("failed: HTTP/2 protocol error (") + nghttp2_strerror(
                                              static_cast<int>(rv)) + ")", NGHTTP2_PROTOCOL_ERROR, false),
                   false);
        break;
      }
      self->send_soon();
      self->check_finished();
    }
  } catch (const std::exception& e) {
    self->fail(self->connection_error(std::string("was lost: ") + e.what(), 0, false), false);
  } catch (...) {  // cancelled (the loop is closing): the connection goes with it
    self->fail(self->connection_error("was closed: its loop is closing", 0, false), false);
  }
  if (--self->tasks_running_ == 0) self->tasks_done_.set();
}

Coro<void> H2Core::sender_loop(std::shared_ptr<H2Core> self) {
  try {
    std::string batch;
    while (!self->closed_) {
      batch.clear();
      bool failed = false;
      while (batch.size() < kBatch) {
        const std::uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(self->session_, &data);
        if (n < 0) {
          failed = true;
          self->fail(self->connection_error(std::string("failed: ") + nghttp2_strerror(static_cast<int>(n)),
                                            NGHTTP2_INTERNAL_ERROR, false),
                     false);
          break;
        }
        if (n == 0) break;
        batch.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
      }
      if (failed || self->closed_) break;
      if (!batch.empty()) {
        self->writer_.write(batch);
        // Only a full socket suspends the sender; the windows bound what is queued.
        if (self->writer_.get_write_buffer_size() > kBatch) co_await self->writer_.drain();
        continue;
      }
      self->check_finished();
      if (self->closed_) break;
      self->want_write_.clear();
      co_await self->want_write_.wait();
    }
  } catch (const std::exception& e) {
    self->fail(self->connection_error(std::string("was lost: ") + e.what(), 0, false), false);
  } catch (...) {
    self->fail(self->connection_error("was closed: its loop is closing", 0, false), false);
  }
  if (--self->tasks_running_ == 0) self->tasks_done_.set();
}

// ---- nghttp2 callbacks ----

int H2Core::on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*) { return 0; }

int H2Core::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                      const std::uint8_t* value, std::size_t valuelen, std::uint8_t, void* user_data) {
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2Stream* st = core_of(user_data)->find(frame->hd.stream_id);
  if (!st || st->abandoned) return 0;
  std::string_view n(reinterpret_cast<const char*>(name), namelen);
  std::string_view v(reinterpret_cast<const char*>(value), valuelen);
  if (st->head_done) {
    st->trailers.add(n, v);
  } else if (n == ":status") {
    // nghttp2 has checked it is three digits (HTTP messaging is on).
    st->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
  } else if (!n.empty() && n[0] != ':') {
    st->headers.add(n, v);
  }
  return 0;
}

int H2Core::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  H2Core* self = core_of(user_data);
  switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
    case NGHTTP2_DATA: {
      H2Stream* st = self->find(frame->hd.stream_id);
      if (!st) break;
      if (frame->hd.type == NGHTTP2_HEADERS && !st->head_done) {
        if (st->status >= 200) {
          st->head_done = true;
        } else {  // an informational (1xx) head: the final one follows
          st->status = 0;
          st->headers.clear();
        }
      }
      if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) st->end_stream = true;
      st->changed.set();
      break;
    }
    case NGHTTP2_SETTINGS:
      if (!(frame->hd.flags & NGHTTP2_FLAG_ACK)) {
        self->remote_settings_ = true;
        self->remote_settings_event_.set();
        self->grant_slots();  // the limit may have grown
      }
      break;
    case NGHTTP2_GOAWAY: {
      self->goaway_received_ = true;
      self->goaway_last_stream_ = frame->goaway.last_stream_id;
      self->goaway_code_ = frame->goaway.error_code;
      // nghttp2 closes the streams above last_stream_id (REFUSED_STREAM); the requests
      // still waiting for a slot go to another connection.
      self->fail_waiters(self->connection_error("is going away (GOAWAY " + error_name(self->goaway_code_) +
                                                    "): the request was not sent",
                                                self->goaway_code_, true));
      break;
    }
    default:
      break;
  }
  return 0;
}

int H2Core::on_data_chunk_recv(nghttp2_session* session, std::uint8_t, std::int32_t stream_id,
                               const std::uint8_t* data, std::size_t len, void* user_data) {
  H2Stream* st = core_of(user_data)->find(stream_id);
  if (!st || st->abandoned) {
    nghttp2_session_consume(session, stream_id, len);  // nobody will read it
    return 0;
  }
  st->body.append(reinterpret_cast<const char*>(data), len);
  st->changed.set();
  return 0;
}

int H2Core::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* user_data) {
  H2Core* self = core_of(user_data);
  auto it = self->streams_.find(stream_id);
  if (it == self->streams_.end()) return 0;
  std::shared_ptr<H2Stream> st = std::move(it->second);
  self->streams_.erase(it);
  st->closed = true;
  if (!st->end_stream && !st->error && !st->abandoned) {
    std::string prefix = "HTTP/2 stream " + std::to_string(stream_id) + " (" + st->what + ")";
    if (self->goaway_received_ && stream_id > self->goaway_last_stream_) {
      st->error = std::make_exception_ptr(H2ConnectionError(
          prefix + " was not processed: " + self->origin() + " is going away (GOAWAY " +
              error_name(self->goaway_code_) + ", last stream " + std::to_string(self->goaway_last_stream_) + ")",
          stream_id, error_code, true));
    } else {
      st->error = std::make_exception_ptr(H2StreamError(
          prefix + " was reset by the server: " + error_name(error_code), stream_id, error_code,
          error_code == NGHTTP2_REFUSED_STREAM));
    }
  }
  st->changed.set();
  self->release_slot();
  return 0;
}

int H2Core::on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  H2Core* self = core_of(user_data);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    self->goaway_sent_ = true;
    self->goaway_sent_code_ = frame->goaway.error_code;
    if (frame->goaway.opaque_data_len > 0 && self->last_error_.empty()) {
      self->last_error_.assign(reinterpret_cast<const char*>(frame->goaway.opaque_data), frame->goaway.opaque_data_len);
    }
  } else if (frame->hd.type == NGHTTP2_RST_STREAM) {
    // nghttp2 resets a stream on the server's stream-level protocol errors (a bad header).
    H2Stream* st = self->find(frame->hd.stream_id);
    if (st && !st->abandoned && !st->error && !st->end_stream) {
      std::string why = error_name(frame->rst_stream.error_code);
      if (!self->last_error_.empty()) why += ": " + self->last_error_;
      st->error = std::make_exception_ptr(H2StreamError("HTTP/2 stream " + std::to_string(frame->hd.stream_id) + " (" +
                                                            st->what + ") failed: " + why,
                                                        frame->hd.stream_id, frame->rst_stream.error_code, false));
    }
  }
  return 0;
}

int H2Core::on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int lib_error, void* user_data) {
  // A request submitted just before a GOAWAY arrived is never sent.
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  H2Core* self = core_of(user_data);
  auto it = self->streams_.find(frame->hd.stream_id);
  if (it == self->streams_.end()) return 0;
  std::shared_ptr<H2Stream> st = std::move(it->second);
  self->streams_.erase(it);
  st->closed = true;
  if (!st->error) {
    st->error = self->connection_error(std::string("could not send ") + st->what + ": " + nghttp2_strerror(lib_error),
                                       0, true);
  }
  st->changed.set();
  self->release_slot();
  return 0;
}

int H2Core::on_error(nghttp2_session*, int, const char* msg, std::size_t len, void* user_data) {
  core_of(user_data)->last_error_.assign(msg, len);
  return 0;
}

ssize_t H2Core::read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t* buf, std::size_t length,
                          std::uint32_t* data_flags, nghttp2_data_source*, void* user_data) {
  H2Stream* st = core_of(user_data)->find(stream_id);
  if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
  std::size_t n = std::min(length, st->out.size() - st->out_pos);
  std::memcpy(buf, st->out.data() + st->out_pos, n);
  st->out_pos += n;
  if (st->out_pos == st->out.size()) {
    st->out.clear();
    st->out_pos = 0;
    if (st->out_done) {
      *data_flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      return NGHTTP2_ERR_DEFERRED;  // pump_body resumes it with the next chunk
    }
  } else if (st->out_pos > kUploadAhead && st->out_pos * 2 > st->out.size()) {
    st->out.erase(0, st->out_pos);  // keep a streamed body's buffer from growing
    st->out_pos = 0;
  }
  if (n > 0) st->changed.set();
  return static_cast<ssize_t>(n);
}

}  // namespace corio::http::detail
