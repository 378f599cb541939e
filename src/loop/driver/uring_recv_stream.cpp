// RecvStreams: multishot receives into provided buffers (see uring_recv_stream.hpp).
#include "loop/driver/uring_recv_stream.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace corio::detail {

RecvBufferConfig& recv_buffer_config() noexcept {
  static RecvBufferConfig config;
  return config;
}

RecvStreamCounters& recv_stream_counters() noexcept {
  thread_local RecvStreamCounters counters;
  return counters;
}

namespace {
std::uint64_t tag(const void* s) noexcept { return reinterpret_cast<std::uintptr_t>(s) | 1; }

std::size_t page_round(std::size_t n) noexcept {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}
}  // namespace

RecvStreams::~RecvStreams() {
  while (all_) {
    Stream* s = all_;
    all_ = s->next;
    delete s;
  }
  if (br_) ::munmap(br_, br_bytes_);
  if (bufs_) ::munmap(bufs_, bufs_bytes_);
}

bool RecvStreams::setup() noexcept {
  if (state_ != State::Unset) return state_ == State::Ready;
  state_ = State::Off;
  const RecvBufferConfig cfg = recv_buffer_config();
  if (cfg.count == 0 || cfg.count > 32768 || (cfg.count & (cfg.count - 1)) != 0 || cfg.size == 0) return false;
  count_ = cfg.count;
  size_ = cfg.size;
  mask_ = count_ - 1;
  max_held_ = std::max(1u, cfg.max_held);
  low_water_ = std::min(cfg.low_water, count_);
  // Anonymous mappings: page-aligned as the kernel wants the ring, and untouched
  // buffers cost no memory.
  br_bytes_ = page_round(count_ * sizeof(io_uring_buf));
  bufs_bytes_ = page_round(static_cast<std::size_t>(count_) * size_);
  void* br = ::mmap(nullptr, br_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (br == MAP_FAILED) return false;
  void* bufs = ::mmap(nullptr, bufs_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bufs == MAP_FAILED) {
    ::munmap(br, br_bytes_);
    return false;
  }
  br_ = static_cast<io_uring_buf_ring*>(br);
  bufs_ = static_cast<char*>(bufs);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uintptr_t>(br_);
  reg.ring_entries = count_;
  reg.bgid = kGroup;
  if (io_uring_register_buf_ring(&ring_, &reg, 0) < 0) {  // before Linux 5.19
    ::munmap(br_, br_bytes_);
    ::munmap(bufs_, bufs_bytes_);
    br_ = nullptr;
    bufs_ = nullptr;
    return false;
  }
  io_uring_buf_ring_init(br_);
  for (unsigned i = 0; i < count_; ++i) {
    io_uring_buf_ring_add(br_, bufs_ + static_cast<std::size_t>(i) * size_, size_, static_cast<unsigned short>(i),
                          static_cast<int>(mask_), static_cast<int>(i));
  }
  io_uring_buf_ring_advance(br_, static_cast<int>(count_));
  avail_ = count_;
  state_ = State::Ready;
  return true;
}

void RecvStreams::retain(int fd) {
  if (fd < 0 || !setup()) return;
  if (static_cast<std::size_t>(fd) >= by_fd_.size()) by_fd_.resize(static_cast<std::size_t>(fd) + 64, nullptr);
  if (by_fd_[fd]) return;
  auto* s = new Stream;
  s->fd = fd;
  s->next = all_;
  if (all_) all_->prev = s;
  all_ = s;
  by_fd_[fd] = s;
}

void RecvStreams::release(int fd) noexcept {
  Stream* s = lookup(fd);
  if (!s) return;
  by_fd_[fd] = nullptr;
  if (IoOp* op = s->waiter) {  // the owner broke the contract: complete it, not leak it
    s->waiter = nullptr;
    op->result = -ECANCELED;
    done_.push_back(op);
  }
  drop_queue(s);
  if (!s->armed) {
    destroy(s);
    return;
  }
  s->released = true;
  // The multishot holds the socket open in the kernel: it must end before the fd's
  // close can take effect, and its last completion frees the stream.
  if (!s->cancelling) request_cancel(s);
}

bool RecvStreams::try_now(IoOp* op) noexcept {
  if (op->kind != OpKind::Recv || op->flags != 0) return false;
  Stream* s = lookup(op->fd);
  if (!s || s->empty() || s->waiter) return false;
  fill(s, op);
  return true;
}

bool RecvStreams::submit(IoOp* op) {
  if (op->flags != 0) return false;
  Stream* s = lookup(op->fd);
  if (!s || s->waiter) return false;
  if (!s->empty()) {
    fill(s, op);
    op->pending = true;
    done_.push_back(op);
    return true;
  }
  s->waiter = op;
  op->pending = true;
  if (!s->armed) {
    try {
      start(s);
    } catch (...) {
      s->waiter = nullptr;
      op->pending = false;
      throw;
    }
  }
  return true;
}

bool RecvStreams::cancel(IoOp* op) noexcept {
  Stream* s = lookup(op->fd);
  if (s && s->waiter == op) {
    // The multishot goes on: what it receives meanwhile waits for the next reader.
    s->waiter = nullptr;
    op->result = -ECANCELED;
    done_.push_back(op);
    return true;
  }
  // Already served and waiting to be completed: nothing of it is in the kernel.
  return std::find(done_.begin(), done_.end(), op) != done_.end();
}

void RecvStreams::start(Stream* s) {
  if (multishot_ok_ && avail_ >= low_water_ && avail_ > 0) {
    io_uring_sqe* sqe = host_.sqe_or_flush();
    io_uring_prep_recv_multishot(sqe, s->fd, nullptr, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = kGroup;
    io_uring_sqe_set_data64(sqe, tag(s));
    s->armed = true;
    ++recv_stream_counters().arms;
    return;
  }
  // Few buffers left (other streams hold them), or no multishot on this kernel: this
  // read goes into the op's own buffer; the next one tries the multishot again.
  IoOp* op = s->waiter;
  s->waiter = nullptr;
  op->pending = false;
  try {
    host_.submit_plain(op);
  } catch (...) {
    s->waiter = op;
    op->pending = true;
    throw;
  }
  ++recv_stream_counters().plain;
}

void RecvStreams::request_cancel(Stream* s) noexcept {
  try {
    io_uring_sqe* sqe = host_.sqe_or_flush();
    io_uring_prep_cancel64(sqe, tag(s), 0);
    io_uring_sqe_set_data64(sqe, 0);  // the cancel's own completion is ignored
    s->cancelling = true;
  } catch (...) {
    // The submission queue cannot be flushed: the ring is broken beyond this stream.
  }
}

void RecvStreams::on_cqe(std::uint64_t data, std::int32_t res, std::uint32_t flags) {
  auto* s = reinterpret_cast<Stream*>(static_cast<std::uintptr_t>(data & ~std::uint64_t{1}));
  const bool more = (flags & IORING_CQE_F_MORE) != 0;
  const bool was_cancelling = s->cancelling;
  if (!more) {
    s->armed = false;
    s->cancelling = false;
  }
  if (flags & IORING_CQE_F_BUFFER) {
    const std::uint32_t bid = flags >> IORING_CQE_BUFFER_SHIFT;
    --avail_;
    if (res > 0 && !s->released) {
      s->queue.push_back(Piece{res, bid, 0});
      ++s->held;
    } else {
      give_back(bid);
    }
  } else if (res == -ENOBUFS) {
    ++recv_stream_counters().enobufs;
  } else if (res == -EINVAL && !more && s->empty() && !s->released) {
    // A kernel without multishot recv (before 6.0) refuses the request outright.
    multishot_ok_ = false;
  } else if (!(res == -ECANCELED && was_cancelling) && res <= 0 && !s->released) {
    s->queue.push_back(Piece{res, kNoBuffer, 0});  // EOF or a socket error, in order
  }
  if (s->released) {
    if (!s->armed) destroy(s);
    return;
  }
  if (IoOp* op = s->waiter; op && !s->empty()) {
    s->waiter = nullptr;
    fill(s, op);
    op->pending = false;
    op->on_complete(op);
  } else if (op && !s->armed) {
    start(s);  // it ended with nothing for the reader: receive again
  } else if (!op && s->armed && !s->cancelling && s->held >= max_held_) {
    ++recv_stream_counters().held_cancels;
    request_cancel(s);
  }
}

void RecvStreams::fill(Stream* s, IoOp* op) noexcept {
  auto* dst = static_cast<char*>(op->buf);
  std::uint32_t room = op->len;
  std::int32_t got = 0;
  while (!s->empty()) {
    Piece& p = s->queue[s->head];
    if (p.bid == kNoBuffer) {
      // The end is reported on its own, after the bytes before it.
      if (got == 0) {
        got = p.len;
        ++s->head;
      }
      break;
    }
    if (room == 0) break;
    const std::uint32_t n = std::min(static_cast<std::uint32_t>(p.len), room);
    std::memcpy(dst + got, bufs_ + static_cast<std::size_t>(p.bid) * size_ + p.off, n);
    got += static_cast<std::int32_t>(n);
    room -= n;
    p.off += n;
    p.len -= static_cast<std::int32_t>(n);
    if (p.len == 0) {
      give_back(p.bid);
      --s->held;
      ++s->head;
    }
  }
  if (s->empty()) {
    s->queue.clear();
    s->head = 0;
  }
  op->result = got;
}

void RecvStreams::give_back(std::uint32_t bid) noexcept {
  io_uring_buf_ring_add(br_, bufs_ + static_cast<std::size_t>(bid) * size_, size_, static_cast<unsigned short>(bid),
                        static_cast<int>(mask_), 0);
  io_uring_buf_ring_advance(br_, 1);
  ++avail_;
}

void RecvStreams::drop_queue(Stream* s) noexcept {
  for (std::size_t i = s->head; i < s->queue.size(); ++i) {
    if (s->queue[i].bid != kNoBuffer) give_back(s->queue[i].bid);
  }
  s->queue.clear();
  s->head = 0;
  s->held = 0;
}

void RecvStreams::destroy(Stream* s) noexcept {
  if (s->prev) s->prev->next = s->next; else all_ = s->next;
  if (s->next) s->next->prev = s->prev;
  delete s;
}

void RecvStreams::run_done() {
  if (done_.empty()) return;
  // Completions may queue more (a reader that finds bytes again): those run next time.
  running_.swap(done_);
  for (IoOp* op : running_) {
    op->pending = false;
    op->on_complete(op);
  }
  running_.clear();
}

void RecvStreams::shutdown() noexcept {
  bool any = false;
  for (Stream* s = all_; s; s = s->next) {
    if (!s->armed) continue;
    any = true;
    if (!s->cancelling) request_cancel(s);
  }
  // Only the streams' completions matter now; every other op's owner is gone.
  for (int round = 0; any && round < 100; ++round) {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec ts{0, 1'000'000};
    io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
      const std::uint64_t data = io_uring_cqe_get_data64(cqe);
      if (is_stream(data) && !(cqe->flags & IORING_CQE_F_MORE)) {
        reinterpret_cast<Stream*>(static_cast<std::uintptr_t>(data & ~std::uint64_t{1}))->armed = false;
      }
      io_uring_cqe_seen(&ring_, cqe);
    }
    any = false;
    for (Stream* s = all_; s; s = s->next) any = any || s->armed;
  }
}

}  // namespace corio::detail
