// StreamResponse, Response, json_response; streaming goes through the connection.
#include "corio/web/response.hpp"

#include "corio/core/exceptions.hpp"
#include "corio/web/exceptions.hpp"
#include "corio/web/request.hpp"
#include "web/connection.hpp"

namespace corio::web {

StreamResponse::StreamResponse(int status, std::string reason) : status_(status), reason_(std::move(reason)) {}

std::string_view StreamResponse::reason() const noexcept {
  return reason_.empty() ? status_reason(status_) : std::string_view(reason_);
}

void StreamResponse::set_status(int status, std::string reason) {
  if (prepared_) throw RuntimeError("Cannot change the response status code after the headers have been sent");
  status_ = status;
  reason_ = std::move(reason);
}

Coro<void> StreamResponse::prepare(Request& request) {
  if (prepared_) co_return;
  if (kind_ != Kind::Stream) throw RuntimeError("prepare() is for streamed responses: return a Response instead");
  if (content_type_.empty() && !headers_.contains("Content-Type")) content_type_ = "application/octet-stream";
  co_await request.conn_->prepare(*this);
}

Coro<void> StreamResponse::write(std::string_view data) {
  if (!prepared_) throw RuntimeError("Cannot call write() before prepare()");
  if (eof_sent_) throw RuntimeError("Cannot call write() after write_eof()");
  co_await conn_->write(*this, data);
}

Coro<void> StreamResponse::write_eof(std::string_view data) {
  if (eof_sent_) co_return;
  if (!prepared_) throw RuntimeError("Response has not been started");
  co_await conn_->write_eof(*this, data);
}

Response::Response(std::string text, int status, std::string content_type) : StreamResponse(status) {
  kind_ = Kind::Body;
  body_ = std::move(text);
  content_type_ = std::move(content_type);
  charset_ = "utf-8";
}

void Response::set_body(std::string body) {
  body_ = std::move(body);
  if (content_type_.empty()) content_type_ = "application/octet-stream";
}

void Response::set_text(std::string text) {
  body_ = std::move(text);
  if (content_type_.empty()) content_type_ = "text/plain";
  charset_ = "utf-8";
}

Response json_response(const nlohmann::json& data, int status) {
  Response r(status);
  r.set_body(data.dump());
  r.set_content_type("application/json");
  return r;
}

}  // namespace corio::web
