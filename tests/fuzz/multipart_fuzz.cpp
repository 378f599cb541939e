// libFuzzer target: the multipart/form-data parser (src/web/multipart_parser.cpp).
//
// The first input byte picks how the body is split into feed() calls (1 to 64 bytes,
// so delimiters and headers straddle feeds) and how much each Data event may take; the
// rest is the body, parsed with the boundary "B0und". Each part's Content-Disposition
// goes through its parser, and the input's first line through multipart_boundary().
// Invariants: nothing crashes, hangs or leaks (ASan/UBSan); malformed input ends in
// HTTPBadRequest and nothing else; events come in a legal order (Data only inside a
// part, Done last); no more data comes out than went in; after feed_eof() the parser
// never asks for more input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "corio/web/exceptions.hpp"
#include "web/multipart_parser.hpp"

using corio::web::detail::MultipartParser;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 64;
  const std::size_t max_data = data[0] / 64 == 0 ? 0 : 1 + data[0] % 7;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  (void)corio::web::detail::multipart_boundary(body.substr(0, body.find('\n')));

  MultipartParser parser("B0und", 256);
  std::size_t fed = 0, out = 0;
  bool in_part = false, done = false;
  std::string chunk;
  if (body.empty()) parser.feed_eof();
  try {
    // Bounded: every event consumes input or changes state, and input is finite.
    for (std::size_t guard = 0; guard < 4 * size + 64 && !done; ++guard) {
      auto event = parser.next(chunk, max_data);
      switch (event) {
        case MultipartParser::Event::NeedInput:
          if (fed == body.size()) std::abort();  // asked for more after feed_eof()
          parser.feed(body.substr(fed, step));
          fed = std::min(body.size(), fed + step);
          if (fed == body.size()) parser.feed_eof();
          break;
        case MultipartParser::Event::Part:
          if (in_part) std::abort();
          in_part = true;
          (void)corio::web::detail::parse_content_disposition(parser.headers().get("Content-Disposition").value_or(""));
          break;
        case MultipartParser::Event::Data:
          if (!in_part || chunk.empty() || (max_data && chunk.size() > max_data)) std::abort();
          out += chunk.size();
          if (out > body.size()) std::abort();
          break;
        case MultipartParser::Event::PartEnd:
          if (!in_part) std::abort();
          in_part = false;
          break;
        case MultipartParser::Event::Done:
          if (in_part) std::abort();
          done = true;
          break;
      }
    }
  } catch (const corio::web::HTTPBadRequest&) {
    return 0;
  }
  // Not done and not an error: only possible when input remains (the guard ran out).
  if (!done && fed == body.size()) std::abort();
  return 0;
}
