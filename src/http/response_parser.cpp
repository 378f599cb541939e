// ResponseParser: http-parser callbacks for responses (see response_parser.hpp).
#include "response_parser.hpp"

namespace corio::http::detail {


ResponseParser::ResponseParser(bool head_request) : parser_{}, head_request_(head_request) {
  http_parser_init(&parser_, HTTP_RESPONSE);
  parser_.data = this;
}

std::size_t ResponseParser::feed(std::string_view data) {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_message_begin = &ResponseParser::on_message_begin;
    s.on_status = &ResponseParser::on_status;
    s.on_header_field = &ResponseParser::on_header_field;
    s.on_header_value = &ResponseParser::on_header_value;
    s.on_headers_complete = &ResponseParser::on_headers_complete;
    s.on_body = &ResponseParser::on_body;
    s.on_message_complete = &ResponseParser::on_message_complete;
    return s;
  }();
  if (message_complete_ || !error_.empty()) return 0;
  if (!data.empty()) started_ = true;
  std::size_t n = http_parser_execute(&parser_, &settings, data.data(), data.size());
  auto err = HTTP_PARSER_ERRNO(&parser_);
  if (err != HPE_OK && !(err == HPE_PAUSED && message_complete_)) set_error();
  return n;
}

void ResponseParser::feed_eof() {
  static const http_parser_settings settings = [] {
    http_parser_settings s{};
    s.on_body = &ResponseParser::on_body;
    s.on_message_complete = &ResponseParser::on_message_complete;
    return s;
  }();
  if (message_complete_ || !error_.empty()) return;
  http_parser_execute(&parser_, &settings, nullptr, 0);
  if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK && !message_complete_) set_error();
  if (!message_complete_ && error_.empty()) error_ = "connection closed before the response was complete";
  keep_alive_ = false;
}

void ResponseParser::set_error() {
  auto err = HTTP_PARSER_ERRNO(&parser_);
  error_ = std::string(http_errno_name(err)) + ": " + http_errno_description(err);
}

int ResponseParser::on_message_begin(http_parser* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  self->headers.clear();
  self->reason.clear();
  self->field_.clear();
  self->value_.clear();
  self->in_value_ = false;
  return 0;
}

int ResponseParser::on_status(http_parser* p, const char* at, std::size_t n) {
  static_cast<ResponseParser*>(p->data)->reason.append(at, n);
  return 0;
}

void ResponseParser::flush_header() {
  if (!field_.empty()) headers.add(field_, value_);
  field_.clear();
  value_.clear();
  in_value_ = false;
}

int ResponseParser::on_header_field(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<ResponseParser*>(p->data);
  if (self->in_value_) self->flush_header();  // a new field: the previous one is whole
  self->field_.append(at, n);
  return 0;
}

int ResponseParser::on_header_value(http_parser* p, const char* at, std::size_t n) {
  auto* self = static_cast<ResponseParser*>(p->data);
  self->in_value_ = true;
  self->value_.append(at, n);
  return 0;
}

int ResponseParser::on_headers_complete(http_parser* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  self->flush_header();
  self->status = static_cast<int>(p->status_code);
  self->http_major = p->http_major;
  self->http_minor = p->http_minor;
  if (self->status >= 100 && self->status < 200 && self->status != 101) return 0;  // interim: skipped
  self->headers_complete_ = true;
  self->keep_alive_ = http_should_keep_alive(p) != 0;
  // No body, whatever Content-Length says: the answer to a HEAD, 204 and 304 (RFC 9110
  // section 6.4.1). http-parser knows the last two only without a Content-Length.
  bool no_body = self->head_request_ || self->status == 204 || self->status == 304;
  return no_body ? 1 : 0;
}

int ResponseParser::on_body(http_parser* p, const char* at, std::size_t n) {
  static_cast<ResponseParser*>(p->data)->body.append(at, n);
  return 0;
}

int ResponseParser::on_message_complete(http_parser* p) {
  auto* self = static_cast<ResponseParser*>(p->data);
  if (!self->headers_complete_) return 0;  // the end of a 1xx: the real response follows
  self->message_complete_ = true;
  // A body delimited by the close of the connection ends the connection too.
  if (http_should_keep_alive(p) == 0) self->keep_alive_ = false;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace corio::http::detail
