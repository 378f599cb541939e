// MultipartReader and BodyPartReader: the incremental parser fed from the request body.
#include "corio/web/multipart.hpp"

#include <utility>

#include "corio/web/request.hpp"
#include "web/multipart_parser.hpp"

namespace corio::web {

// Shared by the reader and its parts; heap-allocated so parts survive moving the reader.
struct BodyPartReader::State {
  State(Request& r, std::string_view boundary) : request(r), parser(boundary) {}

  // Feeds the parser one more piece of the body (the end when there is none).
  Coro<void> fill() {
    std::string chunk = co_await request.content().readany();
    if (chunk.empty()) {
      parser.feed_eof();
    } else {
      parser.feed(chunk);
    }
  }

  Request& request;
  detail::MultipartParser parser;
  std::uint64_t index = 0;  // of the current part; parts with another index read nothing
  bool in_part = false;
  bool done = false;
};

BodyPartReader::BodyPartReader(State* state, std::uint64_t index, http::Headers headers)
    : state_(state), index_(index), headers_(std::move(headers)) {
  if (auto cd = headers_.get("Content-Disposition")) {
    detail::ContentDisposition d = detail::parse_content_disposition(*cd);
    name_ = std::move(d.name);
    filename_ = std::move(d.filename);
  }
}

bool BodyPartReader::at_eof() const noexcept { return !(state_->index == index_ && state_->in_part); }

Coro<std::string> BodyPartReader::read_chunk(std::size_t size) {
  std::string data;
  if (size == 0) co_return data;
  while (!at_eof()) {
    auto event = state_->parser.next(data, size);
    if (event == detail::MultipartParser::Event::Data) co_return data;
    if (event == detail::MultipartParser::Event::NeedInput) {
      co_await state_->fill();
    } else {
      state_->in_part = false;  // PartEnd: Part and Done cannot come inside a part
    }
  }
  data.clear();
  co_return data;
}

Coro<std::string> BodyPartReader::read() {
  std::string out;
  while (true) {
    std::string chunk = co_await read_chunk(64 * 1024);
    if (chunk.empty()) break;
    out += chunk;
  }
  co_return out;
}

Coro<std::string> BodyPartReader::text() { co_return co_await read(); }

MultipartReader::MultipartReader(Request& request, std::string_view boundary)
    : state_(std::make_unique<BodyPartReader::State>(request, boundary)) {}
MultipartReader::MultipartReader(MultipartReader&&) noexcept = default;
MultipartReader& MultipartReader::operator=(MultipartReader&&) noexcept = default;
MultipartReader::~MultipartReader() = default;

bool MultipartReader::at_eof() const noexcept { return state_->done; }

Coro<std::optional<BodyPartReader>> MultipartReader::next() {
  BodyPartReader::State& s = *state_;
  std::string skipped;
  while (!s.done) {
    auto event = s.parser.next(skipped, 64 * 1024);
    switch (event) {
      case detail::MultipartParser::Event::NeedInput:
        co_await s.fill();
        break;
      case detail::MultipartParser::Event::Data:
        break;  // the rest of a part the handler did not read
      case detail::MultipartParser::Event::PartEnd:
        s.in_part = false;
        break;
      case detail::MultipartParser::Event::Part: {
        ++s.index;
        s.in_part = true;
        BodyPartReader part(&s, s.index, s.parser.headers());
        co_return std::optional<BodyPartReader>(std::move(part));
      }
      case detail::MultipartParser::Event::Done:
        s.done = true;
        s.in_part = false;
        break;
    }
  }
  co_return std::nullopt;
}

}  // namespace corio::web
