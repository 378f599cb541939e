// StreamReader's reads: each loops "is the buffer enough? else wait for more data",
// where waiting is one receive into the buffer (socket) or a parked waiter (fed reader).
#include "corio/net/stream_reader.hpp"

#include <algorithm>
#include <cerrno>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/socket.hpp"
#include "corio/sync/exceptions.hpp"
#include "net/stream_state.hpp"

namespace corio {

IncompleteReadError::IncompleteReadError(std::string p, std::optional<std::size_t> e)
    : Error(std::to_string(p.size()) + " bytes read on a total of " +
            (e ? std::to_string(*e) : std::string("undefined")) + " expected bytes"),
      partial(std::move(p)),
      expected(e) {}

LimitOverrunError::LimitOverrunError(const std::string& message, std::size_t c) : Error(message), consumed(c) {}

namespace detail {

void stream_add_handle(StreamState* s) noexcept { s->new_handle(); }
void stream_drop_handle(StreamState* s) noexcept { s->drop_handle(); }
void stream_add_ref(StreamState* s) noexcept { s->add_ref(); }
void stream_release(StreamState* s) noexcept { s->release(); }

namespace {

// Waits until more data, EOF or an error is recorded in the state. A socket reader
// receives into the buffer's free tail (at least `min_free` bytes offered).
//
// A receive that completes at once (epoll tries it before waiting) does not suspend;
// after kReadyBudget of those in a row the task yields once anyway, so a peer that
// always has data ready cannot starve the loop's other tasks. A cancellation pending
// on the task is raised here, before anything is received.
class MoreData : public Waiter {
 public:
  static constexpr std::uint8_t kReadyBudget = 16;

  MoreData(StreamState& s, std::size_t min_free) noexcept : s_(s), min_free_(min_free) {}
  MoreData(const MoreData&) = delete;
  MoreData& operator=(const MoreData&) = delete;
  // Runs before io_'s destructor, which drains the op if the loop can still run it.
  ~MoreData() {
    if (list) s_.waiting = false;  // parked on a fed reader
    s_.receive_abandoned(&io_.op);
  }

  bool await_ready() {
    if (s_.waiting) throw RuntimeError("read called while another coroutine is already waiting for incoming data");
    if (TaskBase* t = tls_current_task) t->throw_if_cancel_requested();
    if (!s_.has_socket) return false;
    s_.prepare_space(std::max(min_free_, s_.chunk));
    prepare_recv(io_, s_.fd, s_.rbuf.get() + s_.rtail, std::min<std::size_t>(s_.rcap - s_.rtail, 1u << 30));
    if (!io_.await_ready()) return false;
    s_.on_received(io_.op.result, io_.op.len);
    if (++s_.ready_streak < kReadyBudget) return true;
    yield_ = true;  // the data is in; let the other tasks run before using it
    return false;
  }

  void await_suspend(std::coroutine_handle<> h) {
    s_.ready_streak = 0;
    if (yield_) {
      TaskBase* t = tls_current_task;
      if (!t) throw RuntimeError("stream reads must be awaited inside a running task");
      t->park(h, nullptr);
      t->wake();
      return;
    }
    if (!s_.has_socket) {
      s_.data_waiters.park(this, h);
    } else {
      io_.await_suspend(h);
      s_.recv_op = &io_.op;
      s_.recv_cancelled = false;
    }
    s_.waiting = true;
  }

  void await_resume() {
    if (yield_) {
      tls_current_task->throw_if_cancel_requested();  // the bytes stay buffered
      return;
    }
    if (!s_.waiting) return;  // completed in await_ready
    s_.waiting = false;
    if (!s_.has_socket) {
      if (state == State::Woken && !cancelled_after_wake(*this)) return;
      raise_cancelled(*this);
    }
    s_.recv_op = nullptr;
    std::int32_t r;
    try {
      r = io_.await_resume();  // CancelledError if the task was cancelled and nothing came
    } catch (...) {
      s_.after_receive();
      throw;
    }
    s_.on_received(r, io_.op.len);  // bytes that came despite a cancellation are kept
    s_.after_receive();
  }

 private:
  StreamState& s_;
  std::size_t min_free_;
  IoAwait io_;
  bool yield_ = false;
};

// One look at the buffer for readuntil (asyncio's algorithm, same messages): the
// length to take (separator included), or why not, or that more data is needed.
struct Until {
  enum Kind { Found, NeedMore, Incomplete, Overrun } kind = NeedMore;
  std::size_t n = 0;  // Found: bytes to take; Overrun: consumed
  const char* message = "";
  std::size_t offset = 0;  // where the next look starts

  void scan(const StreamState& s, std::string_view sep) {
    std::string_view buf = s.data();
    if (buf.size() - offset >= sep.size()) {
      std::size_t isep = buf.find(sep, offset);
      if (isep != std::string_view::npos) {
        if (isep > s.limit) return set(Overrun, isep, "Separator is found, but chunk is longer than limit");
        return set(Found, isep + sep.size(), "");
      }
      offset = buf.size() + 1 - sep.size();
      if (offset > s.limit) return set(Overrun, offset, "Separator is not found, and chunk exceed the limit");
    }
    kind = s.eof ? Incomplete : NeedMore;
  }
  void set(Kind k, std::size_t len, const char* msg) {
    kind = k;
    n = len;
    message = msg;
  }
};

Coro<std::string> read_impl(StreamRef s, std::ptrdiff_t n) {
  s->check_read_error();
  if (n == 0) co_return std::string();
  if (n < 0) {
    while (!s->eof) {
      co_await MoreData(*s, 0);
      s->check_read_error();
    }
    co_return s->take(s->avail());
  }
  while (s->avail() == 0 && !s->eof) {
    co_await MoreData(*s, 0);
    s->check_read_error();
  }
  co_return s->take(std::min(s->avail(), static_cast<std::size_t>(n)));
}

Coro<std::string> readexactly_impl(StreamRef s, std::size_t n) {
  s->check_read_error();
  while (s->avail() < n) {
    if (s->eof) throw IncompleteReadError(s->take(s->avail()), n);
    co_await MoreData(*s, n - s->avail());
    s->check_read_error();
  }
  co_return s->take(n);
}

Coro<std::string> readuntil_impl(StreamRef s, std::string sep) {
  if (sep.empty()) throw ValueError("Separator should be at least one-byte string");
  s->check_read_error();
  Until u;
  for (u.scan(*s, sep); u.kind == Until::NeedMore; u.scan(*s, sep)) {
    co_await MoreData(*s, 0);
    s->check_read_error();
  }
  if (u.kind == Until::Incomplete) throw IncompleteReadError(s->take(s->avail()), std::nullopt);
  if (u.kind == Until::Overrun) throw LimitOverrunError(u.message, u.n);
  co_return s->take(u.n);
}

Coro<std::string> readline_impl(StreamRef s) {
  s->check_read_error();
  Until u;
  for (u.scan(*s, "\n"); u.kind == Until::NeedMore; u.scan(*s, "\n")) {
    co_await MoreData(*s, 0);
    s->check_read_error();
  }
  if (u.kind == Until::Found) co_return s->take(u.n);
  if (u.kind == Until::Incomplete) co_return s->take(s->avail());
  // As asyncio: drop the over-long line (through its '\n' if that is buffered).
  std::string_view buf = s->data();
  if (u.n < buf.size() && buf[u.n] == '\n') s->consume(u.n + 1); else s->consume(buf.size());
  throw ValueError(u.message);
}

}  // namespace
}  // namespace detail

namespace detail {
Coro<void> receive_more(StreamRef s) {
  co_await MoreData(*s, 0);
  s->check_read_error();
}

void check_limit(std::size_t limit) {
  if (limit == 0) throw ValueError("Limit cannot be <= 0");
}
}  // namespace detail

StreamReader::StreamReader(std::size_t limit) {
  detail::check_limit(limit);
  s_ = (new detail::StreamState(limit))->new_handle();
}

Coro<std::string> StreamReader::read(std::ptrdiff_t n) { return detail::read_impl(detail::StreamRef(s_), n); }
Coro<std::string> StreamReader::readline() { return detail::readline_impl(detail::StreamRef(s_)); }
Coro<std::string> StreamReader::readuntil(std::string separator) {
  return detail::readuntil_impl(detail::StreamRef(s_), std::move(separator));
}
Coro<std::string> StreamReader::readexactly(std::size_t n) {
  return detail::readexactly_impl(detail::StreamRef(s_), n);
}

bool StreamReader::at_eof() const noexcept { return s_->eof && s_->avail() == 0; }
void StreamReader::feed_eof() noexcept { s_->feed_eof(); }
void StreamReader::feed_data(std::string_view data) { s_->feed_data(data); }
void StreamReader::set_exception(std::exception_ptr exc) noexcept { s_->set_read_exception(std::move(exc)); }
std::exception_ptr StreamReader::exception() const noexcept { return s_->read_error; }
std::size_t StreamReader::limit() const noexcept { return s_->limit; }
std::size_t StreamReader::buffered() const noexcept { return s_->avail(); }

}  // namespace corio
