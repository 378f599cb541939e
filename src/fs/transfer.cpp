#include "fs/transfer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace corio::fs::detail {
namespace {

std::uint64_t offset_for(FileState& s, FileIo::Kind kind) {
  if (!s.seekable) return corio::detail::kCurrentOffset;
  if (kind == FileIo::Write && s.append) return corio::detail::kCurrentOffset;  // O_APPEND
  return static_cast<std::uint64_t>(s.kernel_pos());
}

}  // namespace

Transfer::Transfer(FileState& s, FileIo::Kind kind, char* buf, std::size_t len)
    : s_(s), kind_(kind), io_(s, kind, buf, len, offset_for(s, kind)) {}

std::size_t Transfer::await_resume() {
  std::int64_t r = io_.await_resume();  // CancelledError if the kernel did nothing
  if (r < 0) throw_file_error(static_cast<int>(-r), kind_ == FileIo::Read ? "read from" : "write to", s_);
  if (kind_ == FileIo::Write && r == 0) throw_file_error(EIO, "write to", s_);
  if (s_.seekable) {
    if (kind_ == FileIo::Write && s_.append) s_.pos_stale = true;
    else s_.pos += r;
  }
  return static_cast<std::size_t>(r);
}

Coro<std::size_t> fill(FileState& s) {
  const std::size_t cap = s.bufsize;
  if (s.rbeg == s.rend) {
    s.rbeg = s.rend = 0;
    if (s.rbuf.size() > 4 * cap) s.rbuf = std::string();  // left big by a push_back
  }
  if (s.rbuf.size() < cap) s.rbuf.resize(cap);
  if (s.rbuf.size() - s.rend < cap / 2 + 1) {
    if (s.rbeg > 0) {
      std::memmove(s.rbuf.data(), s.rbuf.data() + s.rbeg, s.rend - s.rbeg);
      s.rend -= s.rbeg;
      s.rbeg = 0;
    }
    if (s.rbuf.size() - s.rend < cap / 2 + 1) s.rbuf.resize(std::max(2 * s.rbuf.size(), s.rend + cap));
  }
  std::size_t n = co_await Transfer(s, FileIo::Read, s.rbuf.data() + s.rend, s.rbuf.size() - s.rend);
  s.rend += n;
  // A cancellation that came while the kernel was reading is raised here, before the
  // caller consumes anything: a task that finished with the bytes despite cancel()
  // would end cancelled anyway (as asyncio's does) and its result, the bytes, be lost.
  raise_if_cancelling();
  co_return n;
}

Coro<void> flush_writes(FileState& s) {
  std::size_t done = 0;
  try {
    while (done < s.wbuf.size()) {
      done += co_await Transfer(s, FileIo::Write, s.wbuf.data() + done, s.wbuf.size() - done);
      if (done < s.wbuf.size()) raise_if_cancelling();
    }
  } catch (...) {
    s.wbuf.erase(0, done);
    throw;
  }
  s.wbuf.clear();
}

std::size_t take(FileState& s, char* dst, std::size_t n) noexcept {
  n = std::min(n, s.buffered());
  if (n) std::memcpy(dst, s.rbuf.data() + s.rbeg, n);
  s.rbeg += n;
  return n;
}

void push_back(FileState& s, std::string data) noexcept {
  s.rend = data.size();
  s.rbeg = 0;
  s.rbuf = std::move(data);
}

}  // namespace corio::fs::detail
