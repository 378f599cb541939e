#include "net/write_side.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>

#include "corio/loop/event_loop.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio::detail {

namespace {
constexpr std::size_t kMaxIov = 64;
constexpr int kSendFlags = MSG_DONTWAIT | MSG_NOSIGNAL;

bool would_block(int err) noexcept { return err == EAGAIN || err == EWOULDBLOCK || err == EINTR; }
}  // namespace

void WriteSide::write(EventLoop* loop, int fd, std::string_view d) {
  if (d.empty()) return;
  if (watching_) {
    buf_.append(d);
  } else {
    ssize_t r = ::send(fd, d.data(), d.size(), kSendFlags);
    if (r < 0) {
      if (!would_block(errno)) return fail(loop, fd, errno);
      r = 0;
    }
    if (static_cast<std::size_t>(r) == d.size()) return;
    d.remove_prefix(static_cast<std::size_t>(r));
    buf_.assign(d);
    off_ = 0;
    buffer_rest(loop, fd);
  }
  maybe_pause();
}

void WriteSide::writev(EventLoop* loop, int fd, const std::string_view* parts, std::size_t n) {
  std::size_t i = 0;
  if (!watching_) {
    // One sendmsg for as many pieces as fit; whatever it does not take is buffered.
    iovec iov[kMaxIov];
    std::size_t cnt = 0;
    for (std::size_t j = 0; j < n && cnt < kMaxIov; ++j) {
      if (!parts[j].empty()) iov[cnt++] = iovec{const_cast<char*>(parts[j].data()), parts[j].size()};
    }
    ssize_t r = 0;
    if (cnt > 0) {
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = cnt;
      r = ::sendmsg(fd, &msg, kSendFlags);
      if (r < 0) {
        if (!would_block(errno)) return fail(loop, fd, errno);
        r = 0;
      }
    }
    auto sent = static_cast<std::size_t>(r);
    for (; i < n && sent >= parts[i].size(); ++i) sent -= parts[i].size();
    if (i == n) return;
    buf_.assign(parts[i].substr(sent));
    off_ = 0;
    ++i;
  }
  for (; i < n; ++i) buf_.append(parts[i]);
  if (!watching_) buffer_rest(loop, fd);
  maybe_pause();
}

void WriteSide::buffer_rest(EventLoop* loop, int fd) {
  loop->add_writer(fd, hooks_.make_watch());
  watching_ = true;
}

void WriteSide::on_writable(EventLoop* loop, int fd) noexcept {
  if (!watching_) return;
  ssize_t r = ::send(fd, buf_.data() + off_, buf_.size() - off_, kSendFlags);
  if (r < 0) {
    if (!would_block(errno)) fail(loop, fd, errno);
    return;
  }
  off_ += static_cast<std::size_t>(r);
  if (off_ == buf_.size()) {
    buf_.clear();
    off_ = 0;
    stop_watch(loop, fd);
  } else if (off_ >= 64 * 1024 && off_ * 2 >= buf_.size()) {
    buf_.erase(0, off_);
    off_ = 0;
  }
  maybe_resume();
  if (!watching_) hooks_.on_flushed();
}

void WriteSide::drop(EventLoop* loop, int fd) noexcept {
  buf_.clear();
  off_ = 0;
  if (watching_) stop_watch(loop, fd);
  paused_ = false;
}

void WriteSide::set_limits(std::size_t high, std::size_t low) {
  if (high < low) {
    throw ValueError("high (" + std::to_string(high) + ") must be >= low (" + std::to_string(low) + ")");
  }
  high_ = high;
  low_ = low;
  maybe_pause();
  maybe_resume();
}

void WriteSide::stop_watch(EventLoop* loop, int fd) noexcept {
  watching_ = false;
  loop->remove_writer(fd);
}

void WriteSide::fail(EventLoop* loop, int fd, int err) noexcept {
  drop(loop, fd);
  hooks_.on_write_error(err);
}

void WriteSide::maybe_pause() noexcept {
  if (!paused_ && buffered() > high_) {
    paused_ = true;
    hooks_.on_pause();
  }
}

void WriteSide::maybe_resume() noexcept {
  if (paused_ && buffered() <= low_) {
    paused_ = false;
    hooks_.on_resume();
  }
}

}  // namespace corio::detail
