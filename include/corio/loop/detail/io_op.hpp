// IoOp: one kernel operation in flight, the unit of the I/O drivers' interface.
//
// Public only because awaiters embed it (no allocation per operation). The driver sets
// `result` (>= 0, or -errno) and calls `on_complete` from inside the loop's wait. A
// cancelled op still completes exactly once (with -ECANCELED, or with its real result
// if the kernel finished first), and until then its memory and buffers must stay alive.
#pragma once

#include <sys/socket.h>

#include <cstdint>

namespace corio::detail {

enum class OpKind : std::uint8_t {
  Poll,     // wait for poll_mask readiness; result = revents
  Read,     // read(fd, buf, len), or pread at `offset` when it is not kCurrentOffset
  Write,    // write(fd, buf, len), or pwrite at `offset` when it is not kCurrentOffset
  Recv,     // recv(fd, buf, len, flags)
  Send,     // send(fd, buf, len, flags | MSG_NOSIGNAL)
  Accept,   // accept4(fd, addr, addrlen, SOCK_NONBLOCK | SOCK_CLOEXEC); result = new fd
  Connect,  // connect(fd, addr, *addrlen); result = 0
  RecvMsg,  // recvmsg(fd, msg, flags)
  SendMsg,  // sendmsg(fd, msg, flags | MSG_NOSIGNAL)
};

/// IoOp::offset of a Read/Write that uses (and moves) the file position: sockets, pipes.
inline constexpr std::uint64_t kCurrentOffset = ~std::uint64_t{0};

struct IoOp {
  using CompleteFn = void (*)(IoOp*) noexcept;
  OpKind kind = OpKind::Poll;
  bool pending = false;         // between submit and completion
  bool started = false;         // epoll: a Connect's connect() has been issued
  int fd = -1;
  std::uint32_t poll_mask = 0;  // POLLIN / POLLOUT / ... for OpKind::Poll
  int flags = 0;                // recv/send/recvmsg/sendmsg flags
  std::int32_t result = 0;      // revents for Poll, bytes, new fd, 0, or -errno
  void* buf = nullptr;          // Read/Write/Recv/Send
  std::uint32_t len = 0;
  std::uint64_t offset = kCurrentOffset;  // Read/Write: file offset (positional I/O)
  sockaddr* addr = nullptr;     // Accept (out) / Connect (in)
  socklen_t* addrlen = nullptr;
  msghdr* msg = nullptr;        // RecvMsg/SendMsg
  CompleteFn on_complete = nullptr;
  void* owner = nullptr;        // for on_complete: the object this op belongs to
  IoOp* next = nullptr;         // driver-private link
  IoOp* prev = nullptr;         // driver-private link
};

}  // namespace corio::detail
