// Percent-encoding and query strings, as Python's urllib.parse: quote/unquote,
// quote_plus/unquote_plus, parse_qsl and urlencode. Shared by the client (building
// request URLs, form bodies) and the server (Request::query(), post()).
#pragma once

#include <string>
#include <string_view>

#include "corio/http/multidict.hpp"

namespace corio::http {

/// Percent-encodes every byte except ASCII letters, digits, "_.-~" and those in `safe`
/// (urllib.parse.quote).
std::string quote(std::string_view text, std::string_view safe = "/");
/// quote() that also turns spaces into '+' (urllib.parse.quote_plus, for form fields).
std::string quote_plus(std::string_view text, std::string_view safe = "");
/// Decodes %XX sequences; a malformed one is kept as it is (urllib.parse.unquote).
std::string unquote(std::string_view text);
/// unquote() that first turns '+' into a space (urllib.parse.unquote_plus).
std::string unquote_plus(std::string_view text);

/// Splits "a=1&b=&c" into ordered pairs, decoding both sides with unquote_plus; blank
/// values are kept and a field without '=' has an empty value (parse_qsl with
/// keep_blank_values=True). Empty fields ("a=1&&b=2") are skipped.
MultiDict parse_qsl(std::string_view query);
/// The inverse of parse_qsl: "a=1&b=x+y" (urllib.parse.urlencode).
std::string urlencode(const MultiDict& fields);

}  // namespace corio::http
