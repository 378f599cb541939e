// ResponseState: reading a response head and body off a connection (see
// response_state.hpp).
#include "response_state.hpp"

#include "corio/http/client_exceptions.hpp"
#include "corio/net/errors.hpp"
#include "deadline.hpp"

namespace corio::http::detail {

namespace {
constexpr std::size_t kReadChunk = 64 * 1024;
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
  lease.close();
}

}  // namespace corio::http::detail
