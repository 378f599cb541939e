#include "corio/net/stream_writer.hpp"

#include "corio/sync/exceptions.hpp"
#include "net/stream_state.hpp"

namespace corio {

namespace {
// Parks on the state's close waiters until the socket is closed.
struct CloseWait : detail::Waiter {
  detail::StreamState& s;
  explicit CloseWait(detail::StreamState& st) noexcept : s(st) {}
  bool await_ready() const noexcept { return s.closed; }
  void await_suspend(std::coroutine_handle<> h) { s.close_waiters.park(this, h); }
  void await_resume() {
    if (state == State::Idle) return;
    if (state == State::Woken && !detail::cancelled_after_wake(*this)) return;
    detail::raise_cancelled(*this);
  }
};

Coro<void> wait_closed_impl(detail::StreamRef s) {
  co_await CloseWait(*s);
  if (s->close_error) std::rethrow_exception(s->close_error);
}
}  // namespace

bool StreamWriter::DrainAwaiter::await_ready() {
  s_->check_drain(true);
  return !s_->out.paused();
}

void StreamWriter::DrainAwaiter::await_suspend(std::coroutine_handle<> h) { s_->drain_waiters.park(this, h); }

void StreamWriter::DrainAwaiter::await_resume() {
  if (state == State::Idle) return;
  if (state == State::Woken && !detail::cancelled_after_wake(*this)) {
    s_->check_drain(false);
    return;
  }
  detail::raise_cancelled(*this);
}

void StreamWriter::write(std::string_view data) { s_->write(data); }

void StreamWriter::writelines(std::span<const std::string_view> lines) { s_->writev(lines.data(), lines.size()); }

void StreamWriter::write_eof() { s_->write_eof(); }
bool StreamWriter::can_write_eof() const noexcept { return true; }
void StreamWriter::close() noexcept { s_->close(); }
void StreamWriter::abort() noexcept { s_->abort(); }
bool StreamWriter::is_closing() const noexcept { return s_->closing || s_->write_error; }

Coro<void> StreamWriter::wait_closed() { return wait_closed_impl(detail::StreamRef(s_)); }

std::any StreamWriter::get_extra_info(std::string_view name, std::any default_value) const {
  if (name == "peername") return s_->peer;
  if (name == "sockname") return s_->local;
  if (name == "socket") return s_->fd;
  if (s_->tls) {
    SSLObject tls(s_->tls);
    if (name == "ssl_object") return tls;
    if (name == "sslcontext") return tls.context();
    if (name == "peercert") return tls.getpeercert();
    if (name == "cipher") return tls.cipher();
  }
  return default_value;
}

std::size_t StreamWriter::get_write_buffer_size() const noexcept { return s_->buffered(); }

void StreamWriter::set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low) {
  s_->out.set_limits(high, low ? *low : high / 4);
}

}  // namespace corio
