// WriteSide: the write half of a stream socket, shared by StreamWriter's state and the
// protocol Transport (asyncio's _SelectorSocketTransport.write and its write buffer).
//
// write() with nothing buffered sends at once (one non-blocking send, or one sendmsg
// for several pieces); what the kernel does not take is copied into `buf_` and a writer
// watch (EventLoop::add_writer) flushes it in order as the socket becomes writable.
// Crossing the high-water mark pauses (Hooks::on_pause), draining to the low-water mark
// resumes (on_resume), as asyncio's _maybe_pause_protocol / _maybe_resume_protocol.
// The watch's callback comes from the owner (Hooks::watch) and holds a reference to it,
// so the loop can drop the watch at close without anything dangling.
//
// Invariant: watching() <=> buffered() > 0.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace corio {
class EventLoop;
}

namespace corio::detail {

class WriteSide {
 public:
  class Hooks {
   public:
    virtual void on_pause() noexcept {}
    virtual void on_resume() noexcept {}
    /// A send failed with `err`; the buffer has been dropped.
    virtual void on_write_error(int err) noexcept = 0;
    /// The buffer became empty after having waited for the socket.
    virtual void on_flushed() noexcept = 0;
    /// The writer watch's callback: must call on_writable() and hold a reference.
    virtual std::function<void()> make_watch() = 0;

   protected:
    ~Hooks() = default;
  };

  explicit WriteSide(Hooks& hooks) noexcept : hooks_(hooks) {}

  /// Sends or buffers `d` (errors go to on_write_error).
  void write(EventLoop* loop, int fd, std::string_view d);
  /// Sends or buffers every piece, in order.
  void writev(EventLoop* loop, int fd, const std::string_view* parts, std::size_t n);
  /// The watch fired: sends as much as the socket takes.
  void on_writable(EventLoop* loop, int fd) noexcept;
  /// Drops the buffer (abort); no hook is called.
  void drop(EventLoop* loop, int fd) noexcept;
  /// Sets the water marks (ValueError unless high >= low) and pauses or resumes.
  void set_limits(std::size_t high, std::size_t low);

  std::size_t buffered() const noexcept { return buf_.size() - off_; }
  bool watching() const noexcept { return watching_; }
  bool paused() const noexcept { return paused_; }
  std::size_t high() const noexcept { return high_; }
  std::size_t low() const noexcept { return low_; }

 private:
  void buffer_rest(EventLoop* loop, int fd);
  void stop_watch(EventLoop* loop, int fd) noexcept;
  void fail(EventLoop* loop, int fd, int err) noexcept;
  void maybe_pause() noexcept;
  void maybe_resume() noexcept;

  Hooks& hooks_;
  std::string buf_;
  std::size_t off_ = 0;
  std::size_t high_ = 64 * 1024;
  std::size_t low_ = 16 * 1024;
  bool watching_ = false;
  bool paused_ = false;
};

}  // namespace corio::detail
