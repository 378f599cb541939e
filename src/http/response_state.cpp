// ResponseState: reading a response head and body off a connection (see
// response_state.hpp).
#include "response_state.hpp"

#include "corio/http/client_exceptions.hpp"
#include "corio/net/errors.hpp"
#include "deadline.hpp"

namespace corio::http::detail {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;

const char* reason_phrase(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}
}  // namespace

void ResponseState::start_h2(H2Response r) {
  parser.status = r.status;
  parser.reason = reason_phrase(r.status);
  parser.headers = r.headers;
  parser.http_major = 2;
  parser.http_minor = 0;
  h2.emplace(std::move(r));
  if (auto_decompress_) {
    if (auto enc = parser.headers.get("Content-Encoding"); enc && Decompressor::supports(*enc)) {
      decoder_ = std::make_unique<Decompressor>(*enc);
    }
  }
}

Coro<void> ResponseState::fill_h2() {
  std::string chunk;
  try {
    chunk = co_await bounded(h2->read(kReadChunk), sock_read_, total_at_, Phase::SockRead, what);
  } catch (const H2Error& e) {
    throw ClientPayloadError("Response payload is not completed: " + std::string(e.what()) + " (" + what + ")");
  }
  if (chunk.empty()) {
    eof = true;
    h2->release();
    co_return;
  }
  if (decoder_) {
    try {
      decoder_->decompress(chunk, buf);
    } catch (const std::exception& e) {
      throw ClientPayloadError(std::string(e.what()) + " (" + what + ")");
    }
  } else if (buf.size() == pos) {
    buf.swap(chunk);
    pos = 0;
  } else {
    buf += chunk;
  }
}

Coro<std::string> ResponseState::read_chunk() {
  Connection* c = lease.get();
  co_return co_await bounded(c->reader.read(kReadChunk), sock_read_, total_at_, Phase::SockRead, what);
}

void ResponseState::feed(std::string_view chunk) {
  std::size_t n = parser.feed(chunk);
  if (!parser.error().empty()) {
    lease.close();
    if (parser.headers_complete()) {
      throw ClientPayloadError("Response payload is not completed: " + parser.error() + " (" + what + ")");
    }
    throw ClientResponseError(400, "Invalid HTTP response: " + parser.error(), what);
  }
  if (n < chunk.size()) trailing_garbage_ = true;  // bytes after the message: never reuse
}

void ResponseState::take_body() {
  if (parser.body.empty()) return;
  if (decoder_) {
    try {
      decoder_->decompress(parser.body, buf);
    } catch (const std::exception& e) {
      lease.close();
      throw ClientPayloadError(std::string(e.what()) + " (" + what + ")");
    }
    parser.body.clear();
  } else if (buf.size() == pos) {
    buf.swap(parser.body);  // the common case: no copy
    pos = 0;
    parser.body.clear();
  } else {
    buf += parser.body;
    parser.body.clear();
  }
}

void ResponseState::finish_if_complete() noexcept {
  if (eof || !parser.message_complete()) return;
  eof = true;
  if (parser.keep_alive() && !trailing_garbage_) {
    lease.release();
  } else {
    lease.close();
  }
}

Coro<void> ResponseState::read_head() {
  while (!parser.headers_complete()) {
    std::string chunk;
    try {
      chunk = co_await read_chunk();
    } catch (const OSError& e) {
      lease.close();
      throw ClientOSError(e.errno_value(), std::string(e.what()) + " (" + what + ")");
    }
    if (chunk.empty()) {
      lease.close();
      throw ServerDisconnectedError(std::string(parser.started() ? "Server disconnected in the middle of the response head"
                                                                 : "Server disconnected") +
                                    " (" + what + ")");
    }
    feed(chunk);
  }
  if (auto_decompress_) {
    if (auto enc = parser.headers.get("Content-Encoding"); enc && Decompressor::supports(*enc)) {
      decoder_ = std::make_unique<Decompressor>(*enc);
    }
  }
  take_body();
  finish_if_complete();
}

Coro<bool> ResponseState::fill() {
  if (error) std::rethrow_exception(error);
  if (eof) co_return false;
  std::size_t before = buffered();
  try {
    while (h2 && !eof && buffered() == before) co_await fill_h2();
    while (!eof && buffered() == before) {
      std::string chunk;
      try {
        chunk = co_await read_chunk();
      } catch (const OSError& e) {
        throw ClientPayloadError("Response payload is not completed: " + std::string(e.what()) + " (" + what + ")");
      }
      if (chunk.empty()) {
        parser.feed_eof();
        if (!parser.message_complete()) {
          throw ClientPayloadError("Response payload is not completed: " + parser.error() + " (" + what + ")");
        }
      } else {
        feed(chunk);
      }
      take_body();
      finish_if_complete();
    }
  } catch (const ClientPayloadError&) {
    lease.close();
    if (h2) h2->release();
    error = std::current_exception();
    throw;
  }
  co_return true;
}

std::string ResponseState::take(std::size_t n) {
  n = std::min(n, buffered());
  std::string out;
  if (pos == 0 && n == buf.size()) {
    out.swap(buf);
  } else {
    out.assign(buf, pos, n);
    pos += n;
    if (pos == buf.size()) {
      buf.clear();
      pos = 0;
    } else if (pos > kReadChunk && pos * 2 > buf.size()) {
      buf.erase(0, pos);  // keep the buffer from growing without bound
      pos = 0;
    }
  }
  return out;
}

void ResponseState::release() noexcept {
  if (eof) return;  // already pooled or closed
  if (h2) h2->release();
  lease.close();
}

}  // namespace corio::http::detail
