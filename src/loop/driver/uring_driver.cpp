// io_uring backend: every op is an SQE whose user_data is the IoOp; submission is
// batched into the single io_uring_submit_and_wait of each loop iteration.
#include <liburing.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <system_error>

#include "loop/driver/driver.hpp"

#if defined(__SANITIZE_THREAD__)
#define CORIO_URING_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CORIO_URING_TSAN 1
#endif
#endif
#ifdef CORIO_URING_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace corio::detail {
namespace {

constexpr unsigned kEntries = 4096;

// liburing maps and unmaps the rings with raw system calls, which ThreadSanitizer does
// not see: a ring mapped at the address of one that another thread's loop has just
// released looks like it races with that thread's last accesses. A release when a ring
// goes and an acquire when one comes, keyed by the mapped addresses, tell it that the
// kernel handed the memory over.
void ring_memory_released([[maybe_unused]] const io_uring& r) noexcept {
#ifdef CORIO_URING_TSAN
  __tsan_release(r.sq.ring_ptr);
  __tsan_release(r.cq.ring_ptr);
  __tsan_release(r.sq.sqes);
#endif
}
void ring_memory_acquired([[maybe_unused]] const io_uring& r) noexcept {
#ifdef CORIO_URING_TSAN
  __tsan_acquire(r.sq.ring_ptr);
  __tsan_acquire(r.cq.ring_ptr);
  __tsan_acquire(r.sq.sqes);
#endif
}

class UringDriver final : public Driver {
 public:
  explicit UringDriver(io_uring ring) : ring_(ring) {}
  ~UringDriver() override {
    ring_memory_released(ring_);
    io_uring_queue_exit(&ring_);
  }

  const char* name() const noexcept override { return "uring"; }

  bool try_now(IoOp*) override { return false; }

  void submit(IoOp* op) override {
    io_uring_sqe* sqe = sqe_or_flush();
    switch (op->kind) {
      case OpKind::Poll:
        io_uring_prep_poll_add(sqe, op->fd, op->poll_mask);
        break;
      case OpKind::Read:
        io_uring_prep_read(sqe, op->fd, op->buf, op->len, op->offset);  // ~0: file position
        break;
      case OpKind::Write:
        io_uring_prep_write(sqe, op->fd, op->buf, op->len, op->offset);
        break;
      case OpKind::Recv:
        io_uring_prep_recv(sqe, op->fd, op->buf, op->len, op->flags);
        break;
      case OpKind::Send:
        io_uring_prep_send(sqe, op->fd, op->buf, op->len, op->flags | MSG_NOSIGNAL);
        break;
      case OpKind::Accept:
        io_uring_prep_accept(sqe, op->fd, op->addr, op->addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
      case OpKind::Connect:
        io_uring_prep_connect(sqe, op->fd, op->addr, *op->addrlen);
        break;
      case OpKind::RecvMsg:
        io_uring_prep_recvmsg(sqe, op->fd, op->msg, static_cast<unsigned>(op->flags));
        break;
      case OpKind::SendMsg:
        io_uring_prep_sendmsg(sqe, op->fd, op->msg, static_cast<unsigned>(op->flags | MSG_NOSIGNAL));
        break;
    }
    io_uring_sqe_set_data(sqe, op);
    op->pending = true;
  }

  void cancel(IoOp* op) noexcept override {
    if (!op->pending) return;
    io_uring_sqe* sqe;
    try {
      sqe = sqe_or_flush();
    } catch (...) {
      return;
    }
    io_uring_prep_cancel(sqe, op, 0);
    io_uring_sqe_set_data(sqe, nullptr);  // the cancel's own completion is ignored
  }

  void wait(std::int64_t timeout_ns) override {
    io_uring_cqe* cqe = nullptr;
    int rc;
    if (timeout_ns == 0) {
      rc = io_uring_submit(&ring_);
    } else if (timeout_ns < 0) {
      rc = io_uring_submit_and_wait(&ring_, 1);
    } else {
      __kernel_timespec ts{timeout_ns / 1'000'000'000, timeout_ns % 1'000'000'000};
      rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    }
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) fail("io_uring_submit_and_wait", rc);
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      auto* op = static_cast<IoOp*>(io_uring_cqe_get_data(cqe));
      std::int32_t res = cqe->res;
      // Mark seen before running: the completion may submit and flush new work.
      io_uring_cqe_seen(&ring_, cqe);
      if (!op) continue;
      op->result = res;
      op->pending = false;
      op->on_complete(op);
    }
  }

 private:
  io_uring_sqe* sqe_or_flush() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {
      int rc = io_uring_submit(&ring_);
      if (rc < 0) fail("io_uring_submit", rc);
      sqe = io_uring_get_sqe(&ring_);
      if (!sqe) throw std::system_error(EBUSY, std::generic_category(), "io_uring submission queue full");
    }
    return sqe;
  }

  [[noreturn]] static void fail(const char* what, int rc) {
    if (rc == -EEXIST) {  // IORING_SETUP_SINGLE_ISSUER: the ring belongs to another thread
      throw std::system_error(EEXIST, std::generic_category(),
                              "io_uring: a loop made with LoopOptions::single_thread runs on another thread");
    }
    throw std::system_error(-rc, std::generic_category(), what);
  }

  io_uring ring_;
};

}  // namespace

std::unique_ptr<Driver> make_uring_driver(bool single_thread) {
  io_uring ring;
  constexpr unsigned kBase = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN;
  // A ring only its loop's thread uses: completion work (a receive whose data came
  // after its first attempt, a poll that fired) runs in the loop's own io_uring_enter,
  // all of it at once, instead of on the way out of whichever system call the thread
  // makes next (the sends, mostly); TASKRUN_FLAG makes a non-blocking wait enter the
  // kernel while such work is pending.
  constexpr unsigned kBound = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
  // Each try drops what an older kernel refuses: DEFER_TASKRUN (6.1), then
  // SUBMIT_ALL and COOP_TASKRUN (5.18, 5.19).
  const unsigned tries[] = {single_thread ? kBase | kBound : kBase, kBase, 0};
  int rc = -EINVAL;
  for (unsigned flags : tries) {
    io_uring_params params{};
    params.flags = flags;
    rc = io_uring_queue_init_params(kEntries, &ring, &params);
    if (rc != -EINVAL) break;
  }
  if (rc < 0) return nullptr;
  ring_memory_acquired(ring);
  return std::make_unique<UringDriver>(ring);
}

}  // namespace corio::detail
