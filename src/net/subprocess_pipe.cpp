// PipeReader and PipeWriter (see corio/net/detail/pipe_stream.hpp).
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "corio/loop/event_loop.hpp"
#include "corio/net/detail/io_await.hpp"
#include "corio/net/detail/pipe_stream.hpp"
#include "corio/net/errors.hpp"
#include "net/subprocess_state.hpp"

namespace corio::detail {

namespace {

void set_nonblocking(int fd) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0 || ::fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
    int err = errno;
    ::close(fd);
    throw_os_error(err, "fcntl(O_NONBLOCK) on a pipe");
  }
}

/// One receive into the reader's buffer (0 bytes and eof at the end of the data).
Coro<void> fill(std::shared_ptr<PipeReaderState> s) {
  if (s->reading) throw RuntimeError("read() called while another coroutine is already waiting for incoming data");
  s->reading = true;
  struct Done {
    PipeReaderState* s;
    ~Done() { s->reading = false; }
  } done{s.get()};
  if (!s->chunk) s->chunk = std::make_unique<char[]>(PipeReaderState::kChunk);
  for (;;) {
    std::int32_t r;
    {
      IoAwait a;
      a.op.kind = OpKind::Read;
      a.op.fd = s->fd;
      a.op.buf = s->chunk.get();
      a.op.len = static_cast<std::uint32_t>(PipeReaderState::kChunk);
      r = co_await a;
    }
    if (r == -EAGAIN || r == -EINTR) {  // io_uring of older kernels on an empty pipe
      IoAwait p;
      p.op.kind = OpKind::Poll;
      p.op.fd = s->fd;
      p.op.poll_mask = POLLIN;
      co_await p;
      continue;
    }
    if (r < 0) throw_os_error(-r, "read from a pipe");
    if (r == 0) {
      s->eof = true;
    } else {
      if (s->pos == s->buf.size()) {
        s->buf.clear();
        s->pos = 0;
      }
      s->buf.append(s->chunk.get(), static_cast<std::size_t>(r));
    }
    co_return;
  }
}

Coro<std::string> pipe_read(std::shared_ptr<PipeReaderState> s, std::ptrdiff_t n) {
  if (n == 0) co_return std::string();
  if (n < 0) {
    while (!s->eof) co_await fill(s);
    co_return s->take(s->available());
  }
  if (s->available() == 0 && !s->eof) co_await fill(s);
  co_return s->take(std::min(s->available(), static_cast<std::size_t>(n)));
}

Coro<std::string> pipe_readline(std::shared_ptr<PipeReaderState> s) {
  std::size_t scanned = 0;
  for (;;) {
    std::size_t at = s->buf.find('\n', s->pos + scanned);
    if (at != std::string::npos) co_return s->take(at + 1 - s->pos);
    if (s->eof) co_return s->take(s->available());
    scanned = s->available();
    co_await fill(s);
  }
}

Coro<void> pipe_drain(std::shared_ptr<PipeWriterState> s) {
  while (!s->drained.is_set()) co_await s->drained.wait();
  if (s->error) std::rethrow_exception(s->error);
}

Coro<void> pipe_wait_closed(std::shared_ptr<PipeWriterState> s) {
  if (!s->closed.is_set()) co_await s->closed.wait();
}

}  // namespace

// ---- reader ----

std::string PipeReaderState::take(std::size_t n) {
  if (pos == 0 && n == buf.size()) return std::exchange(buf, std::string());  // read(-1): no copy
  std::string out = buf.substr(pos, n);
  pos += n;
  if (pos == buf.size()) {
    buf.clear();
    pos = 0;
  } else if (pos > kChunk && pos > buf.size() / 2) {
    buf.erase(0, pos);
    pos = 0;
  }
  return out;
}

PipeReader::PipeReader(int fd) {
  set_nonblocking(fd);
  s_ = std::make_shared<PipeReaderState>(fd);
}

Coro<std::string> PipeReader::read(std::ptrdiff_t n) { return pipe_read(s_, n); }
Coro<std::string> PipeReader::readline() { return pipe_readline(s_); }
bool PipeReader::at_eof() const noexcept { return s_->eof && s_->available() == 0; }
int PipeReader::fileno() const noexcept { return s_->fd; }

// ---- writer ----

ssize_t write_no_sigpipe(int fd, const void* data, std::size_t n) noexcept {
  struct sigaction sa{};
  if (::sigaction(SIGPIPE, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) return ::write(fd, data, n);
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigset_t pending;
  sigemptyset(&pending);
  ::sigpending(&pending);
  bool was_pending = sigismember(&pending, SIGPIPE);
  ssize_t r = ::write(fd, data, n);
  int err = errno;
  if (r < 0 && err == EPIPE && !was_pending) {
    timespec zero{};
    while (::sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return r;
}

void PipeWriterState::write(const char* data, std::size_t n) {
  if (closing || error || n == 0) return;
  if (!watching) {
    ssize_t w = write_no_sigpipe(fd, data, n);
    if (w < 0) {
      if (errno != EAGAIN && errno != EINTR) return fail(errno);
      w = 0;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
    if (n == 0) return;
  }
  buf.append(data, n);
  drained.clear();
  if (!watching) start_watch();
}

void PipeWriterState::start_watch() {
  loop = &running_loop_ref();
  loop->add_writer(fd, [self = shared_from_this()] { self->on_writable(); });
  watching = true;
}

void PipeWriterState::stop_watch() noexcept {
  if (!watching) return;
  watching = false;
  loop->remove_writer(fd);
  loop = nullptr;
}

void PipeWriterState::on_writable() noexcept {
  ssize_t w = write_no_sigpipe(fd, buf.data() + pos, buf.size() - pos);
  if (w < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(errno);
    return;
  }
  pos += static_cast<std::size_t>(w);
  if (pos < buf.size()) {
    if (pos > (1u << 20) && pos > buf.size() / 2) {
      buf.erase(0, pos);
      pos = 0;
    }
    return;
  }
  buf.clear();
  pos = 0;
  stop_watch();
  drained.set();
  if (closing) finish_close();
}

void PipeWriterState::fail(int err) noexcept {
  try {
    throw_os_error(err, "write to the child's stdin");
  } catch (...) {
    error = std::current_exception();
  }
  buf.clear();
  pos = 0;
  stop_watch();
  drained.set();
  if (closing) finish_close();
}

void PipeWriterState::close() {
  if (closing) return;
  closing = true;
  if (!watching) finish_close();  // else the flush callback closes once empty
}

void PipeWriterState::finish_close() noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
  closed.set();
}

PipeWriter::PipeWriter(int fd) {
  set_nonblocking(fd);
  s_ = std::make_shared<PipeWriterState>(fd);
}

void PipeWriter::write(std::string_view data) { s_->write(data.data(), data.size()); }
Coro<void> PipeWriter::drain() { return pipe_drain(s_); }
void PipeWriter::close() { s_->close(); }
bool PipeWriter::is_closing() const noexcept { return s_->closing; }
Coro<void> PipeWriter::wait_closed() { return pipe_wait_closed(s_); }
std::size_t PipeWriter::buffered() const noexcept { return s_->buf.size() - s_->pos; }
int PipeWriter::fileno() const noexcept { return s_->fd; }

}  // namespace corio::detail
