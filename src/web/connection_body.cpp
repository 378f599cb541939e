// HttpConnection: reading the request body for the handler, and the transport of a
// websocket that took the connection over (see connection.hpp).
#include <cerrno>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/socket.hpp"
#include "corio/web/exceptions.hpp"
#include "web/connection.hpp"

namespace corio::web::detail {

std::string HttpConnection::take_body(std::size_t n) {
  std::size_t avail = body_.size() - body_off_;
  if (n >= avail) {
    std::string out;
    if (body_off_ == 0) {
      out.swap(body_);  // the common case: hand the buffer over, no copy
    } else {
      out.assign(body_, body_off_, avail);
      body_.clear();
    }
    body_off_ = 0;
    return out;
  }
  std::string out(body_, body_off_, n);
  body_off_ += n;
  return out;
}

Coro<void> HttpConnection::more_body() {
  if (msg_complete_) co_return;
  if (expect_continue_) {
    // The client waits for this before sending the body (RFC 9110 §10.1.1).
    expect_continue_ = false;
    wbuf_ += "HTTP/1.1 100 Continue\r\n\r\n";
    co_await flush();
  }
  const std::size_t before = body_.size();
  const std::uint64_t received = body_received_;
  while (true) {
    Parsed p = parse();
    if (p == Parsed::Error) {
      closing_ = true;
      throw HTTPBadRequest("Bad Request: malformed body");
    }
    if (p == Parsed::MessageEnd || body_.size() > before || body_received_ > received) co_return;
    // Everything buffered is parsed: receive more.
    if (eof_) throw ConnectionResetError(ECONNRESET, "Connection closed before the request body ended");
    if (!make_room()) throw HTTPBadRequest("Bad Request");
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
      eof_ = true;
      closing_ = true;
      throw ConnectionResetError(ECONNRESET, "Connection closed before the request body ended");
    }
    rtail_ += static_cast<std::size_t>(r);
  }
}

Coro<void> HttpConnection::upgrade(std::string_view head, WsPeer* peer) {
  streaming_ = true;
  keep_alive_ = false;
  upgraded_ = true;
  ws_ = peer;
  wbuf_ += head;
  co_await flush();
}

Coro<std::string_view> HttpConnection::ws_read() {
  // Bytes that arrived with the head (or after the last frame) come first.
  if (rhead_ < rtail_) {
    std::string_view v(rbuf_.get() + rhead_, rtail_ - rhead_);
    rhead_ = rtail_;
    co_return v;
  }
  if (eof_ || fd_ < 0) co_return std::string_view{};
  in_head_ = false;
  rhead_ = rtail_ = 0;
  if (!rbuf_) make_room();
  std::int32_t r = 0;
  if (!tls_) {
    corio::detail::IoAwait a;
    corio::detail::prepare_recv(a, fd_, rbuf_.get(), rcap_);
    std::int32_t got = co_await a;
    r = got;
  } else {
    std::int32_t got = co_await tls_receive(rbuf_.get(), rcap_);
    r = got;
  }
  if (r <= 0) {
    eof_ = true;
    co_return std::string_view{};
  }
  rhead_ = rtail_ = static_cast<std::size_t>(r);
  co_return std::string_view(rbuf_.get(), static_cast<std::size_t>(r));
}

}  // namespace corio::web::detail
