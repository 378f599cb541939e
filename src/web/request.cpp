// Request and BodyReader: views of the head and body reads through the connection.
#include "corio/web/request.hpp"

#include <algorithm>

#include "corio/http/query.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/web/application.hpp"
#include "corio/web/exceptions.hpp"
#include "web/connection.hpp"
#include "web/multipart_parser.hpp"

namespace corio::web {

void Request::reset() noexcept {
  query_string_ = {};
  query_.reset();
  headers_.reset();
  content_length_.reset();
  body_exists_ = false;
  body_cached_ = false;
  body_.clear();
  files_.clear();
  match_info_.items_.clear();
  match_info_.allowed_.clear();
  match_info_.route_ = nullptr;
}

const http::MultiDict& Request::query() const {
  if (!query_) query_.emplace(http::parse_qsl(query_string_));
  return *query_;
}

const http::Headers& Request::headers() const {
  if (!headers_) {
    http::Headers h;
    for (const auto& [k, v] : raw_headers_) h.add(k, v);
    headers_.emplace(std::move(h));
  }
  return *headers_;
}

std::optional<std::string_view> Request::header(std::string_view name) const noexcept {
  for (const auto& [k, v] : raw_headers_) {
    if (http::iequals(k, name)) return v;
  }
  return std::nullopt;
}

bool Request::secure() const noexcept { return conn_->secure(); }

std::string Request::remote() const {
  std::string s = conn_->peer().to_string();
  // "1.2.3.4:5678" or "[::1]:5678": keep the host part.
  if (!s.empty() && s.front() == '[') {
    auto end = s.find(']');
    return end == std::string::npos ? s : s.substr(1, end - 1);
  }
  auto colon = s.rfind(':');
  return colon == std::string::npos ? s : s.substr(0, colon);
}

std::string_view Request::content_type() const noexcept {
  std::string_view ct = header("Content-Type").value_or("");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  return ct;
}

bool Request::can_read_body() const noexcept {
  return body_exists_ && !body_cached_ && !(conn_->body_complete() && conn_->body_buffered() == 0);
}

Coro<std::string> Request::read() {
  if (body_cached_) co_return body_;
  const std::size_t max = app_->client_max_size();
  if (content_length_ && *content_length_ > max) throw HTTPRequestEntityTooLarge(max, *content_length_);
  if (body_exists_) {
    while (!conn_->body_complete()) {
      co_await conn_->more_body();
      if (max && conn_->body_buffered() > max) throw HTTPRequestEntityTooLarge(max, conn_->body_buffered());
    }
    body_ = conn_->take_body(std::string::npos);
  }
  body_cached_ = true;
  co_return body_;
}

Coro<std::string> Request::text() { co_return co_await read(); }

Coro<nlohmann::json> Request::json() {
  std::string body = co_await read();
  nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw HTTPBadRequest("Bad Request: the body is not valid JSON");
  co_return j;
}

Coro<http::MultiDict> Request::post() {
  if (http::iequals(content_type(), "multipart/form-data")) {
    std::optional<std::string> boundary = detail::multipart_boundary(header("Content-Type").value_or(""));
    if (!boundary) throw HTTPBadRequest("Bad Request: multipart/form-data without a valid boundary");
    std::string body = co_await read();
    co_return parse_multipart_form(body, *boundary);
  }
  if (content_type() != "application/x-www-form-urlencoded") co_return http::MultiDict{};
  std::string body = co_await read();
  co_return http::parse_qsl(body);
}

http::MultiDict Request::parse_multipart_form(std::string_view body, std::string_view boundary) {
  detail::MultipartParser parser(boundary);
  parser.feed(body);
  parser.feed_eof();
  http::MultiDict fields;
  files_.clear();
  std::string data, value;
  detail::ContentDisposition disposition;
  while (true) {
    auto event = parser.next(data);
    if (event == detail::MultipartParser::Event::Done) break;
    switch (event) {
      case detail::MultipartParser::Event::Part:
        disposition = detail::parse_content_disposition(parser.headers().get("Content-Disposition").value_or(""));
        value.clear();
        break;
      case detail::MultipartParser::Event::Data:
        value += data;
        break;
      case detail::MultipartParser::Event::PartEnd:
        if (!disposition.name) break;  // not a form field: nothing to file it under
        // aiohttp's rule: a non-empty filename makes a file (browsers send filename=""
        // for an empty file input).
        if (disposition.filename && !disposition.filename->empty()) {
          FileField f;
          f.name = std::move(*disposition.name);
          f.filename = std::move(*disposition.filename);
          f.headers = parser.headers();
          f.content_type = f.headers.get("Content-Type").value_or("application/octet-stream");
          f.data = std::move(value);
          files_.push_back(std::move(f));
        } else {
          fields.add(*disposition.name, value);
        }
        value.clear();
        break;
      default:  // NeedInput cannot happen after feed_eof(): the parser throws instead
        throw HTTPBadRequest("Bad Request: malformed multipart body: truncated");
    }
  }
  return fields;
}

const FileField* Request::file(std::string_view name) const noexcept {
  for (const FileField& f : files_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

MultipartReader Request::multipart() {
  std::string_view type = content_type();
  if (type.size() < 10 || !http::iequals(type.substr(0, 10), "multipart/")) {
    throw HTTPBadRequest("Bad Request: expected a multipart body, got Content-Type \"" + std::string(type) + "\"");
  }
  std::optional<std::string> boundary = detail::multipart_boundary(header("Content-Type").value_or(""));
  if (!boundary) throw HTTPBadRequest("Bad Request: multipart body without a valid boundary");
  return MultipartReader(*this, *boundary);
}

void Request::add_background_task(Coro<void> coro) { background_.push_back(std::move(coro)); }

// ---- BodyReader ----

Coro<std::string> BodyReader::read(std::ptrdiff_t n) {
  if (n == 0) co_return std::string();
  if (n < 0) {
    while (!conn_->body_complete()) co_await conn_->more_body();
    co_return conn_->take_body(std::string::npos);
  }
  if (conn_->body_buffered() == 0 && !conn_->body_complete()) co_await conn_->more_body();
  co_return conn_->take_body(static_cast<std::size_t>(n));
}

Coro<std::string> BodyReader::readany() {
  if (conn_->body_buffered() == 0 && !conn_->body_complete()) co_await conn_->more_body();
  co_return conn_->take_body(std::string::npos);
}

Coro<std::string> BodyReader::readexactly(std::size_t n) {
  while (conn_->body_buffered() < n && !conn_->body_complete()) co_await conn_->more_body();
  if (conn_->body_buffered() < n) {
    std::string partial = conn_->take_body(std::string::npos);
    throw IncompleteReadError(std::move(partial), n);
  }
  co_return conn_->take_body(n);
}

AsyncGenerator<std::string> BodyReader::iter_chunked(std::size_t n) {
  while (true) {
    std::string chunk = co_await read(static_cast<std::ptrdiff_t>(n));
    if (chunk.empty()) break;
    co_yield chunk;
  }
}

bool BodyReader::at_eof() const noexcept { return conn_->body_complete() && conn_->body_buffered() == 0; }

}  // namespace corio::web
