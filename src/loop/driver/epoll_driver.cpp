// epoll backend: ops wait on per-fd lists; the fd is registered (level-triggered) for
// the union of its ops' interests and unregistered when no op is left.
//
// A retained fd (Driver::retain) is instead registered once, edge-triggered, for input
// and output, and its state keeps the readiness epoll reported: an op is tried only
// while its direction is known ready, EAGAIN clears the direction until the next edge,
// and so does a short read (the socket was drained: nginx's rule, and tokio's) unless
// the peer has shut its side (EPOLLRDHUP: the EOF after the last bytes brings no new
// edge). A request/response socket then costs one recv and one send per exchange, no
// epoll_ctl and no recv that fails with EAGAIN.
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

#include "loop/driver/driver.hpp"

namespace corio::detail {
namespace {

class EpollDriver final : public Driver {
 public:
  EpollDriver() : ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (ep_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
  }
  ~EpollDriver() override { ::close(ep_); }

  const char* name() const noexcept override { return "epoll"; }

  bool try_now(IoOp* op) override {
    if (op->kind == OpKind::Poll) return false;
    if (op->fd >= 0 && static_cast<std::size_t>(op->fd) < fds_.size() && fds_[op->fd].retained) {
      FdState& st = fds_[op->fd];
      const std::uint32_t dir = poll_mask_of(op);
      if (!(st.ready & dir)) return false;
      return attempt(st, op, dir);
    }
    return perform(op);
  }

  void submit(IoOp* op) override {
    FdState& st = state(op->fd);
    if (st.retained) {
      op->pending = true;
      const std::uint32_t dir = poll_mask_of(op);
      // Known ready (the owner skipped try_now): try at once; no edge would come.
      if (op->kind != OpKind::Poll && (st.ready & dir) && attempt(st, op, dir)) {
        done_.push_back(op);
        return;
      }
      link(st, op);
      return;
    }
    // A connect that try_now did not start is started here; it may finish at once.
    if (op->kind == OpKind::Connect && !op->started && perform(op)) {
      op->pending = true;
      done_.push_back(op);
      return;
    }
    op->pending = true;
    link(st, op);
    update(op->fd, st);
  }

  void retain(int fd) override {
    FdState& st = state(fd);
    if (st.retained) return;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.fd = fd;
    if (::epoll_ctl(ep_, st.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) < 0) {
      throw std::system_error(errno, std::generic_category(), "epoll_ctl");
    }
    st.registered = ev.events;
    st.retained = true;
    st.rdhup = false;
    st.ready = POLLIN | POLLOUT;  // unknown: the first attempt tells
  }

  void release(int fd) noexcept override {
    if (fd < 0 || static_cast<std::size_t>(fd) >= fds_.size() || !fds_[fd].retained) return;
    FdState& st = fds_[fd];
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    st.retained = false;
    st.rdhup = false;
    st.ready = 0;
    st.registered = 0;
    // Ops still linked (a contract violation) go back to the level-triggered scheme.
    if (st.head) {
      try {
        update(fd, st);
      } catch (...) {
      }
    }
  }

  void cancel(IoOp* op) noexcept override {
    if (!op->pending) return;
    FdState& st = fds_[op->fd];
    // Already finished or cancelled, waiting in done_ (a second cancel, e.g. by its
    // owner and then by its task): unlinking again would corrupt the fd's list.
    if (!op->prev && st.head != op) return;
    unlink(st, op);
    try {
      update(op->fd, st);
    } catch (...) {
    }
    op->result = -ECANCELED;
    done_.push_back(op);
  }

  void wait(std::int64_t timeout_ns) override {
    if (!done_.empty()) timeout_ns = 0;
    epoll_event evs[256];
    int n = wait_events(evs, 256, timeout_ns);
    if (n < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category(), "epoll_wait");
    for (int i = 0; i < n; ++i) ready(evs[i].data.fd, evs[i].events);
    // Completions run last, so one may resubmit on the same fd safely.
    std::vector<IoOp*> done;
    done.swap(done_);
    for (IoOp* op : done) {
      op->pending = false;
      op->on_complete(op);
    }
  }

 private:
  // epoll_pwait2 takes a nanosecond timeout (Linux 5.11); epoll_wait only milliseconds,
  // which would round every short sleep up to 1 ms.
  int wait_events(epoll_event* evs, int max, std::int64_t timeout_ns) {
    if (has_pwait2_) {
      timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000), static_cast<long>(timeout_ns % 1'000'000'000)};
      int n = ::epoll_pwait2(ep_, evs, max, timeout_ns < 0 ? nullptr : &ts, nullptr);
      if (n >= 0 || errno != ENOSYS) return n;
      has_pwait2_ = false;
    }
    int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999'999) / 1'000'000);
    return ::epoll_wait(ep_, evs, max, ms);
  }

  struct FdState {
    IoOp* head = nullptr;
    IoOp* tail = nullptr;
    std::uint32_t registered = 0;  // 0: not in the epoll set
    bool retained = false;         // Driver::retain: registered edge-triggered until release
    std::uint32_t ready = 0;       // retained: POLLIN/POLLOUT known ready
    bool rdhup = false;            // retained: the peer shut its side (reads never block again)
  };

  static void link(FdState& st, IoOp* op) noexcept {
    op->prev = st.tail;
    op->next = nullptr;
    if (st.tail) st.tail->next = op; else st.head = op;
    st.tail = op;
  }

  // A retained fd's op, its direction known ready: runs it and updates the readiness.
  static bool attempt(FdState& st, IoOp* op, std::uint32_t dir) noexcept {
    if (!perform(op)) {
      if (errno != EINTR) st.ready &= ~dir;  // EAGAIN: wait for the next edge
      return false;
    }
    const bool reads = op->kind == OpKind::Recv || op->kind == OpKind::Read;
    if (reads && !st.rdhup && op->result > 0 && static_cast<std::uint32_t>(op->result) < op->len) {
      st.ready &= ~POLLIN;
    }
    return true;
  }

  FdState& state(int fd) {
    if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "submit on a bad fd");
    if (static_cast<std::size_t>(fd) >= fds_.size()) fds_.resize(fd + 64);
    return fds_[fd];
  }

  static void unlink(FdState& st, IoOp* op) noexcept {
    if (op->prev) op->prev->next = op->next; else st.head = op->next;
    if (op->next) op->next->prev = op->prev; else st.tail = op->prev;
    op->next = op->prev = nullptr;
  }

  static std::uint32_t poll_mask_of(const IoOp* op) noexcept {
    switch (op->kind) {
      case OpKind::Poll: return op->poll_mask;
      case OpKind::Read:
      case OpKind::Recv:
      case OpKind::Accept:
      case OpKind::RecvMsg: return POLLIN;
      case OpKind::Write:
      case OpKind::Send:
      case OpKind::Connect:
      case OpKind::SendMsg: return POLLOUT;
    }
    return 0;
  }

  static std::uint32_t interest(const IoOp* op) noexcept {
    std::uint32_t mask = poll_mask_of(op);
    std::uint32_t ev = 0;
    if (mask & POLLIN) ev |= EPOLLIN;
    if (mask & POLLOUT) ev |= EPOLLOUT;
    if (mask & POLLPRI) ev |= EPOLLPRI;
    return ev;
  }

  // Runs the op's non-blocking syscall. False if it would block (wait for readiness).
  static bool perform(IoOp* op) noexcept {
    ssize_t r = 0;
    switch (op->kind) {
      case OpKind::Poll: return false;
      case OpKind::Read:
        r = op->offset == kCurrentOffset ? ::read(op->fd, op->buf, op->len)
                                         : ::pread(op->fd, op->buf, op->len, static_cast<off_t>(op->offset));
        break;
      case OpKind::Write:
        r = op->offset == kCurrentOffset ? ::write(op->fd, op->buf, op->len)
                                         : ::pwrite(op->fd, op->buf, op->len, static_cast<off_t>(op->offset));
        break;
      case OpKind::Recv: r = ::recv(op->fd, op->buf, op->len, op->flags | MSG_DONTWAIT); break;
      case OpKind::Send: r = ::send(op->fd, op->buf, op->len, op->flags | MSG_DONTWAIT | MSG_NOSIGNAL); break;
      case OpKind::Accept: r = ::accept4(op->fd, op->addr, op->addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC); break;
      case OpKind::RecvMsg: r = ::recvmsg(op->fd, op->msg, op->flags | MSG_DONTWAIT); break;
      case OpKind::SendMsg: r = ::sendmsg(op->fd, op->msg, op->flags | MSG_DONTWAIT | MSG_NOSIGNAL); break;
      case OpKind::Connect:
        if (!op->started) {
          op->started = true;
          r = ::connect(op->fd, op->addr, *op->addrlen);
          if (r < 0 && (errno == EINPROGRESS || errno == EAGAIN)) return false;
        } else {
          int err = 0;
          socklen_t n = sizeof err;
          if (::getsockopt(op->fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0) err = errno;
          if (err == EINPROGRESS || err == EALREADY) return false;
          op->result = -err;
          return true;
        }
        break;
    }
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
      if (errno == EINTR) return false;
      op->result = -errno;
    } else {
      op->result = static_cast<std::int32_t>(r);
    }
    return true;
  }

  void update(int fd, FdState& st) {
    if (st.retained) return;
    std::uint32_t want = 0;
    for (IoOp* op = st.head; op; op = op->next) want |= interest(op);
    if (want == st.registered) return;
    epoll_event ev{};
    ev.events = want;
    ev.data.fd = fd;
    int rc;
    if (want == 0) rc = ::epoll_ctl(ep_, EPOLL_CTL_DEL, fd, nullptr);
    else if (st.registered == 0) rc = ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    else rc = ::epoll_ctl(ep_, EPOLL_CTL_MOD, fd, &ev);
    if (rc < 0 && !(want == 0 && (errno == EBADF || errno == ENOENT))) {
      int err = errno;
      st.registered = 0;
      throw std::system_error(err, std::generic_category(), "epoll_ctl");
    }
    st.registered = want;
  }

  void ready(int fd, std::uint32_t events) {
    FdState& st = fds_[fd];
    std::uint32_t revents = 0;
    if (events & EPOLLIN) revents |= POLLIN;
    if (events & EPOLLOUT) revents |= POLLOUT;
    if (events & EPOLLPRI) revents |= POLLPRI;
    if (events & EPOLLERR) revents |= POLLERR;
    if (events & EPOLLHUP) revents |= POLLHUP;
    if (st.retained) {
      if (events & EPOLLRDHUP) {
        st.rdhup = true;
        st.ready |= POLLIN;
      }
      st.ready |= revents & (POLLIN | POLLOUT);
      if (revents & (POLLERR | POLLHUP)) st.ready |= POLLIN | POLLOUT;  // the syscall reports it
      for (IoOp* op = st.head; op;) {
        IoOp* next = op->next;
        bool finished = false;
        if (op->kind == OpKind::Poll) {
          std::uint32_t hit = revents & (op->poll_mask | POLLERR | POLLHUP);
          if (hit) {
            op->result = static_cast<std::int32_t>(hit);
            finished = true;
          }
        } else if (const std::uint32_t dir = poll_mask_of(op); st.ready & dir) {
          finished = attempt(st, op, dir);
        }
        if (finished) {
          unlink(st, op);
          done_.push_back(op);
        }
        op = next;
      }
      return;
    }
    for (IoOp* op = st.head; op;) {
      IoOp* next = op->next;
      std::uint32_t hit = revents & (poll_mask_of(op) | POLLERR | POLLHUP);
      if (hit) {
        bool finished = true;
        if (op->kind == OpKind::Poll) op->result = static_cast<std::int32_t>(hit);
        else finished = perform(op);
        if (finished) {
          unlink(st, op);
          done_.push_back(op);
        }
      }
      op = next;
    }
    update(fd, st);
  }

  int ep_;
  bool has_pwait2_ = true;
  std::vector<FdState> fds_;
  std::vector<IoOp*> done_;
};

}  // namespace

std::unique_ptr<Driver> make_epoll_driver() { return std::make_unique<EpollDriver>(); }

}  // namespace corio::detail
