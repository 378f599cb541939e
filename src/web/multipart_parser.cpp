// MultipartParser, the boundary and Content-Disposition parameters (see
// multipart_parser.hpp).
#include "web/multipart_parser.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "corio/web/exceptions.hpp"

namespace corio::web::detail {

namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 section 5.1.1

bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

[[noreturn]] void malformed(std::string_view why) {
  throw HTTPBadRequest("Bad Request: malformed multipart body: " + std::string(why));
}

// `; key=value; key="quoted \" value"` after the first token, keys lowercased. A
// quoted value may hold ';'; a backslash escapes the next character (RFC 9110 5.6.4).
std::vector<std::pair<std::string, std::string>> parse_params(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_space(s[i]) || s[i] == ';')) ++i;
    std::size_t key_start = i;
    while (i < s.size() && s[i] != '=' && s[i] != ';') ++i;
    std::string key(trim(s.substr(key_start, i - key_start)));
    for (char& c : key) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::string value;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_space(s[i])) ++i;
      if (i < s.size() && s[i] == '"') {
        for (++i; i < s.size() && s[i] != '"'; ++i) {
          if (s[i] == '\\' && i + 1 < s.size()) ++i;
          value += s[i];
        }
        if (i < s.size()) ++i;  // the closing quote
        while (i < s.size() && s[i] != ';') ++i;
      } else {
        std::size_t v = i;
        while (i < s.size() && s[i] != ';') ++i;
        value = trim(s.substr(v, i - v));
      }
    }
    if (!key.empty()) out.emplace_back(std::move(key), std::move(value));
  }
  return out;
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 5987 ext-value: charset'language'percent-encoded; only UTF-8 (and ASCII) kept.
std::optional<std::string> decode_ext_value(std::string_view v) {
  std::size_t q1 = v.find('\'');
  std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) return std::nullopt;
  std::string_view charset = v.substr(0, q1);
  if (!http::iequals(charset, "utf-8") && !http::iequals(charset, "us-ascii")) return std::nullopt;
  std::string out;
  for (std::size_t i = q2 + 1; i < v.size(); ++i) {
    if (v[i] == '%' && i + 2 < v.size() && hex_value(v[i + 1]) >= 0 && hex_value(v[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(v[i + 1]) * 16 + hex_value(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

}  // namespace

MultipartParser::MultipartParser(std::string_view boundary, std::size_t max_header_size)
    : delimiter_("\r\n--" + std::string(boundary)), buf_("\r\n"), max_header_size_(max_header_size) {}

void MultipartParser::feed(std::string_view data) {
  if (state_ == State::Done) return;  // the epilogue is ignored
  // Drop what was consumed once it is most of the buffer: amortized O(1) per byte.
  if (pos_ > 0 && pos_ >= buf_.size() / 2) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_.append(data);
}

MultipartParser::Event MultipartParser::next(std::string& data, std::size_t max) {
  if (max == 0) max = std::string::npos;
  while (true) {
    std::string_view in = pending();
    switch (state_) {
      case State::Preamble: {
        std::size_t at = in.find(delimiter_);
        if (at == std::string_view::npos) {
          if (eof_) malformed("no boundary delimiter");
          // Keep a tail that may be the start of the delimiter.
          if (in.size() >= delimiter_.size()) consume(in.size() - (delimiter_.size() - 1));
          return Event::NeedInput;
        }
        consume(at + delimiter_.size());
        state_ = State::AfterDelimiter;
        break;
      }
      case State::AfterDelimiter: {
        // "--" closes the body; otherwise optional padding, then CRLF.
        if (in.size() >= 2 && in.substr(0, 2) == "--") {
          state_ = State::Done;
          buf_.clear();
          pos_ = 0;
          return Event::Done;
        }
        std::size_t i = 0;
        while (i < in.size() && is_space(in[i])) ++i;
        if (i > max_header_size_) malformed("boundary line too long");
        if (in.size() < i + 2) {
          if (eof_) malformed("no closing delimiter");
          return Event::NeedInput;
        }
        if (in.substr(i, 2) != "\r\n") malformed("boundary not followed by CRLF");
        consume(i + 2);
        state_ = State::Headers;
        break;
      }
      case State::Headers: {
        std::size_t end = in.starts_with("\r\n") ? 0 : in.find("\r\n\r\n");
        if (end == std::string_view::npos || end > max_header_size_) {
          if (end != std::string_view::npos || in.size() > max_header_size_ + 4) {
            malformed("part headers larger than " + std::to_string(max_header_size_) + " bytes");
          }
          if (eof_) malformed("no closing delimiter");
          return Event::NeedInput;
        }
        parse_headers(in.substr(0, end));
        consume(end == 0 ? 2 : end + 4);
        state_ = State::Body;
        in_part_ = true;
        safe_ = 0;
        delimiter_found_ = false;
        return Event::Part;
      }
      case State::Body: {
        if (safe_ == 0 && !delimiter_found_) {
          std::size_t at = in.find(delimiter_);
          if (at != std::string_view::npos) {
            safe_ = at;
            delimiter_found_ = true;
          } else if (eof_) {
            malformed("no closing delimiter");
          } else if (in.size() >= delimiter_.size()) {
            safe_ = in.size() - (delimiter_.size() - 1);
          }
        }
        if (safe_ > 0) {
          std::size_t n = std::min(safe_, max);
          data.assign(in.substr(0, n));
          consume(n);
          safe_ -= n;
          return Event::Data;
        }
        if (!delimiter_found_) return Event::NeedInput;
        consume(delimiter_.size());
        delimiter_found_ = false;
        in_part_ = false;
        state_ = State::AfterDelimiter;
        return Event::PartEnd;
      }
      case State::Done:
        return Event::Done;
    }
  }
}

void MultipartParser::parse_headers(std::string_view block) {
  headers_.clear();
  while (!block.empty()) {
    std::size_t eol = block.find("\r\n");
    std::string_view line = block.substr(0, eol);
    block = eol == std::string_view::npos ? std::string_view() : block.substr(eol + 2);
    std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos || is_space(line[colon - 1]) || is_space(line.front())) {
      malformed("bad part header line");
    }
    headers_.add(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
}

std::optional<std::string> multipart_boundary(std::string_view content_type) noexcept {
  try {
    std::size_t semi = content_type.find(';');
    if (semi == std::string_view::npos) return std::nullopt;
    for (auto& [key, value] : parse_params(content_type.substr(semi + 1))) {
      if (key != "boundary") continue;
      if (value.empty() || value.size() > kMaxBoundary) return std::nullopt;
      return std::move(value);
    }
  } catch (...) {  // only allocation can fail here
  }
  return std::nullopt;
}

ContentDisposition parse_content_disposition(std::string_view value) {
  ContentDisposition out;
  std::size_t semi = value.find(';');
  out.type = trim(value.substr(0, semi));
  if (semi == std::string_view::npos) return out;
  std::optional<std::string> ext_filename;
  for (auto& [key, v] : parse_params(value.substr(semi + 1))) {
    if (key == "name") {
      out.name = std::move(v);
    } else if (key == "filename") {
      out.filename = std::move(v);
    } else if (key == "filename*") {
      ext_filename = decode_ext_value(v);
    }
  }
  if (ext_filename) out.filename = std::move(ext_filename);
  return out;
}

}  // namespace corio::web::detail
