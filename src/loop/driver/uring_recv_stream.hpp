// RecvStreams: the receive side of the io_uring driver's retained sockets.
//
// A retained socket gets one multishot recv (IORING_RECV_MULTISHOT) that picks its
// buffers from a ring the driver provides (IOSQE_BUFFER_SELECT): the kernel keeps the
// socket's poll armed and receives whenever data comes, so a keep-alive exchange
// costs no new request, no poll arming and no first attempt that fails with EAGAIN.
// Each completion's bytes are queued on the socket's stream until a Recv op takes
// them: at once if one is waiting (the bytes are copied into the op's buffer and the
// ring buffer is handed back to the kernel), else at that op's try_now or submit.
//
// The multishot ends by itself at EOF or an error (delivered to the reader in order),
// when the ring ran dry (ENOBUFS) and when this side cancels it: after release(fd),
// or when a stream's reader lets more than `max_held` buffers pile up (the socket is
// then left to TCP's flow control until the reader comes back, and one stream cannot
// take the whole ring). A reader that finds the stream idle re-arms it; while the ring
// is low, the read is a plain recv into the op's own buffer instead.
//
// Lifetime: the kernel names a stream in its completions until the multishot's last
// one (no IORING_CQE_F_MORE), so a released stream is cancelled and freed only when
// that last completion arrives; the fd may be closed and reused meanwhile (the stream
// belongs to the driver, not to the fd number). Before the ring goes, every multishot
// is cancelled and waited for, so the kernel never writes into freed buffers.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <vector>

#include "corio/loop/detail/io_op.hpp"

namespace corio::detail {

/// The provided-buffer ring of each io_uring driver, read when the driver retains its
/// first socket. Tests shrink it to reach ring exhaustion.
struct RecvBufferConfig {
  unsigned count = 256;     // buffers in the ring: a power of two, at most 32768
  unsigned size = 4096;     // bytes each
  unsigned max_held = 8;    // buffers a stream may hold before its multishot is cancelled
  unsigned low_water = 16;  // below this many free buffers a read is a plain recv
};
RecvBufferConfig& recv_buffer_config() noexcept;

/// What the streams of the loops on this thread did (for tests).
struct RecvStreamCounters {
  std::uint64_t arms = 0;       // multishot recvs started
  std::uint64_t enobufs = 0;    // multishots ended because the ring was empty
  std::uint64_t plain = 0;      // reads done as a plain recv (ring low, or no multishot)
  std::uint64_t held_cancels = 0;  // multishots cancelled for holding max_held buffers
};
RecvStreamCounters& recv_stream_counters() noexcept;

class RecvStreams {
 public:
  /// What the streams need from their driver.
  class Host {
   public:
    virtual io_uring_sqe* sqe_or_flush() = 0;
    /// Submits `op` as its own SQE (a plain recv).
    virtual void submit_plain(IoOp* op) = 0;

   protected:
    ~Host() = default;
  };

  RecvStreams(io_uring& ring, Host& host) noexcept : ring_(ring), host_(host) {}
  ~RecvStreams();
  RecvStreams(const RecvStreams&) = delete;
  RecvStreams& operator=(const RecvStreams&) = delete;

  /// A completion's user_data that names a stream (IoOps are never at odd addresses).
  static bool is_stream(std::uint64_t data) noexcept { return (data & 1) != 0; }

  void retain(int fd);
  void release(int fd) noexcept;
  /// Takes queued bytes for a Recv op on a retained fd; false if there are none.
  bool try_now(IoOp* op) noexcept;
  /// Starts a Recv op on a retained fd; false if `op` is not one (the caller submits it).
  bool submit(IoOp* op);
  /// Cancels a Recv op waiting on a stream; false if `op` is not one.
  bool cancel(IoOp* op) noexcept;
  void on_cqe(std::uint64_t data, std::int32_t res, std::uint32_t flags);
  bool has_done() const noexcept { return !done_.empty(); }
  /// Completes the ops that finished outside a CQE (served from a queue, cancelled).
  void run_done();
  /// Ends every multishot and waits for its last completion (before the ring goes).
  void shutdown() noexcept;

 private:
  static constexpr std::uint16_t kGroup = 0x0c01;
  static constexpr std::uint32_t kNoBuffer = ~std::uint32_t{0};

  // Bytes of one completion not yet read, or (bid == kNoBuffer) the EOF (len 0) or
  // error (len -errno) that ended the multishot.
  struct Piece {
    std::int32_t len;
    std::uint32_t bid;
    std::uint32_t off;
  };
  struct Stream {
    int fd = -1;
    bool armed = false;       // a multishot is in the kernel (its last CQE not seen)
    bool cancelling = false;  // this side asked the kernel to end it
    bool released = false;    // release(fd) ran: freed at the last CQE
    unsigned held = 0;        // ring buffers in `queue`
    IoOp* waiter = nullptr;   // a Recv op waiting for bytes
    std::vector<Piece> queue;
    std::size_t head = 0;     // queue[head..] is unread
    Stream* prev = nullptr;   // every stream of the driver, for shutdown
    Stream* next = nullptr;
    bool empty() const noexcept { return head == queue.size(); }
  };

  bool setup() noexcept;
  Stream* lookup(int fd) const noexcept {
    return fd >= 0 && static_cast<std::size_t>(fd) < by_fd_.size() ? by_fd_[fd] : nullptr;
  }
  void start(Stream* s);
  void request_cancel(Stream* s) noexcept;
  void fill(Stream* s, IoOp* op) noexcept;
  void give_back(std::uint32_t bid) noexcept;
  void drop_queue(Stream* s) noexcept;
  void destroy(Stream* s) noexcept;

  io_uring& ring_;
  Host& host_;
  enum class State : std::uint8_t { Unset, Ready, Off } state_ = State::Unset;
  bool multishot_ok_ = true;   // false once the kernel refused a multishot recv
  io_uring_buf_ring* br_ = nullptr;
  std::size_t br_bytes_ = 0;
  char* bufs_ = nullptr;
  std::size_t bufs_bytes_ = 0;
  unsigned count_ = 0, size_ = 0, mask_ = 0, max_held_ = 0, low_water_ = 0;
  unsigned avail_ = 0;         // buffers the kernel may fill
  std::vector<Stream*> by_fd_;
  Stream* all_ = nullptr;
  std::vector<IoOp*> done_, running_;
};

}  // namespace corio::detail
