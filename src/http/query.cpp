#include "corio/http/query.hpp"

namespace corio::http {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool unreserved(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-' || c == '~';
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string encode(std::string_view text, std::string_view safe, bool plus) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (unreserved(c) || safe.find(ch) != std::string_view::npos) {
      out += ch;
    } else if (plus && ch == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

std::string quote(std::string_view text, std::string_view safe) {
  return encode(text, safe, false);
}

std::string quote_plus(std::string_view text, std::string_view safe) {
  return encode(text, safe, true);
}

std::string unquote(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::string unquote_plus(std::string_view text) {
  std::string spaced(text);
  for (char& c : spaced) {
    if (c == '+') c = ' ';
  }
  return unquote(spaced);
}

MultiDict parse_qsl(std::string_view query) {
  MultiDict fields;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view field = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (field.empty()) continue;
    auto eq = field.find('=');
    if (eq == std::string_view::npos) {
      fields.add(unquote_plus(field), "");
    } else {
      fields.add(unquote_plus(field.substr(0, eq)), unquote_plus(field.substr(eq + 1)));
    }
  }
  return fields;
}

std::string urlencode(const MultiDict& fields) {
  std::string out;
  for (const auto& [name, value] : fields) {
    if (!out.empty()) out += '&';
    out += quote_plus(name);
    out += '=';
    out += quote_plus(value);
  }
  return out;
}

}  // namespace corio::http
