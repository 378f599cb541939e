// ContentReader: streamed reads of a response body (see content_reader.hpp).
//
// Every co_await here is a statement of its own (`bool more = co_await fill();`): g++ 12
// miscompiles a co_await in a loop or if condition (`while (co_await fill())`,
// `if (!co_await fill())`: the awaited Coro was created but never resumed and the task
// hung), as the fs layer found too.
#include "corio/http/content_reader.hpp"

#include "corio/net/stream_reader.hpp"
#include "response_state.hpp"

namespace corio::http {

namespace {

AsyncGenerator<std::string> chunks_of(std::shared_ptr<detail::ResponseState> s, std::size_t n) {
  for (;;) {
    while (s->buffered() == 0) {
      bool more = co_await s->fill();
      if (!more) break;
    }
    if (s->buffered() == 0) co_return;
    co_yield s->take(n);
  }
}

}  // namespace

Coro<std::string> ContentReader::read(std::ptrdiff_t n) {
  if (n < 0) {
    for (;;) {
      bool more = co_await s_->fill();
      if (!more) break;
    }
    co_return s_->take(s_->buffered());
  }
  while (s_->buffered() == 0) {
    bool more = co_await s_->fill();
    if (!more) break;
  }
  co_return s_->take(static_cast<std::size_t>(n));
}

Coro<std::string> ContentReader::readany() {
  while (s_->buffered() == 0) {
    bool more = co_await s_->fill();
    if (!more) break;
  }
  co_return s_->take(s_->buffered());
}

Coro<std::string> ContentReader::readline() {
  std::size_t scanned = 0;
  for (;;) {
    std::string_view pending(s_->buf.data() + s_->pos, s_->buffered());
    auto nl = pending.find('\n', scanned);
    if (nl != std::string_view::npos) co_return s_->take(nl + 1);
    scanned = pending.size();
    bool more = co_await s_->fill();
    if (!more) co_return s_->take(s_->buffered());
  }
}

Coro<std::string> ContentReader::readexactly(std::size_t n) {
  while (s_->buffered() < n) {
    bool more = co_await s_->fill();
    if (!more) break;
  }
  if (s_->buffered() < n) throw IncompleteReadError(s_->take(s_->buffered()), n);
  co_return s_->take(n);
}

AsyncGenerator<std::string> ContentReader::iter_chunked(std::size_t n) { return chunks_of(s_, n); }
AsyncGenerator<std::string> ContentReader::iter_any() { return chunks_of(s_, static_cast<std::size_t>(-1)); }

bool ContentReader::at_eof() const noexcept { return s_->eof && s_->buffered() == 0; }
std::size_t ContentReader::buffered() const noexcept { return s_->buffered(); }

}  // namespace corio::http
