// HttpConnection: serializing and sending responses (see connection.hpp).
#include <fcntl.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <ctime>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/tasks/sleep.hpp"
#include "corio/web/exceptions.hpp"
#include "corio/web/file_response.hpp"
#include "web/connection.hpp"
#include "web/file_conditions.hpp"

namespace corio::web::detail {

namespace {
// Bodies up to this size are copied behind the head (one send for the batch); larger
// ones go out with writev from the Response itself.
constexpr std::size_t kCopyBody = 16 * 1024;

// "Date: <IMF-fixdate>\r\n", formatted once a second per thread.
std::string_view date_line() noexcept {
  thread_local std::time_t last = 0;
  thread_local char buf[64];
  thread_local std::size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    len = std::strftime(buf, sizeof buf, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
  }
  return {buf, len};
}

void append_uint(std::string& out, std::uint64_t v, int base = 10) {
  char tmp[24];
  auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v, base);
  out.append(tmp, static_cast<std::size_t>(end - tmp));
}

bool is_framing_header(std::string_view name) noexcept {
  return http::iequals(name, "Content-Length") || http::iequals(name, "Transfer-Encoding") ||
         http::iequals(name, "Connection");
}
}  // namespace

void HttpConnection::append_head(const StreamResponse& r, std::uint64_t length, bool chunked) {
  std::string& out = wbuf_;
  if (r.status_ == 200 && r.reason_.empty()) {
    out += "HTTP/1.1 200 OK\r\n";
  } else {
    out += "HTTP/1.1 ";
    append_uint(out, static_cast<std::uint64_t>(r.status_));
    out += ' ';
    out += r.reason();
    out += "\r\n";
  }
  bool has_type = false;
  for (const auto& [k, v] : r.headers_) {
    if (is_framing_header(k)) continue;
    if (http::iequals(k, "Content-Type")) has_type = true;
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (!has_type && !r.content_type_.empty()) {
    out += "Content-Type: ";
    out += r.content_type_;
    if (!r.charset_.empty()) {
      out += "; charset=";
      out += r.charset_;
    }
    out += "\r\n";
  }
  if (chunked) {
    out += "Transfer-Encoding: chunked\r\n";
  } else if (length != ~std::uint64_t{0}) {
    out += "Content-Length: ";
    append_uint(out, length);
    out += "\r\n";
  }
  out += date_line();
  out += "Server: corio\r\n";
  if (!keep_alive_) {
    out += "Connection: close\r\n";
  } else if (req_.version_.minor == 0) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
}

void HttpConnection::append_error(int status, std::string_view text) {
  keep_alive_ = false;
  Response r(std::string(text), status);
  append_head(r, text.size(), false);
  wbuf_ += text;
}

bool HttpConnection::try_flush() noexcept {
  // True: all of wbuf_ is sent (or the connection broke); false: the socket is full.
  if (tls_) return tls_try_flush();
  while (woff_ < wbuf_.size()) {
    ssize_t n = ::send(fd_, wbuf_.data() + woff_, wbuf_.size() - woff_, MSG_NOSIGNAL);
    if (n > 0) {
      woff_ += static_cast<std::size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return false;
    } else {
      broken_ = true;
      break;
    }
  }
  wbuf_.clear();
  woff_ = 0;
  return true;
}

Coro<void> HttpConnection::wait_writable() {
  corio::detail::IoAwait a;
  a.op.kind = corio::detail::OpKind::Poll;
  a.op.fd = fd_;
  a.op.poll_mask = POLLOUT;
  co_await a;
}

Coro<void> HttpConnection::flush(std::string_view extra, std::string_view tail) {
  if (tls_) {
    co_await tls_flush(extra, tail);
  } else if (extra.empty() && tail.empty()) {
    while (!try_flush()) co_await wait_writable();
  } else {
    // writev of the buffered head, the body and its tail, without copying the body.
    std::size_t sent_extra = 0, sent_tail = 0;
    while (!broken_) {
      iovec iov[3];
      int cnt = 0;
      if (woff_ < wbuf_.size()) iov[cnt++] = {wbuf_.data() + woff_, wbuf_.size() - woff_};
      if (sent_extra < extra.size())
        iov[cnt++] = {const_cast<char*>(extra.data()) + sent_extra, extra.size() - sent_extra};
      if (sent_tail < tail.size()) iov[cnt++] = {const_cast<char*>(tail.data()) + sent_tail, tail.size() - sent_tail};
      if (cnt == 0) break;
      msghdr msg{};
      msg.msg_iov = iov;
      msg.msg_iovlen = static_cast<std::size_t>(cnt);
      ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          co_await wait_writable();
          continue;
        }
        broken_ = true;
        break;
      }
      auto left = static_cast<std::size_t>(n);
      std::size_t w = std::min(left, wbuf_.size() - woff_);
      woff_ += w;
      left -= w;
      std::size_t e = std::min(left, extra.size() - sent_extra);
      sent_extra += e;
      left -= e;
      sent_tail += left;
    }
    wbuf_.clear();
    woff_ = 0;
  }
  if (broken_) throw ConnectionResetError(ECONNRESET, "Connection lost while sending a response");
}

bool HttpConnection::append_response(Response& r) {
  if (!r.head_only_ && r.body_.size() > kCopyBody) return false;
  append_head(r, r.body_.size(), false);
  if (!r.head_only_) wbuf_ += r.body_;
  return true;
}

Coro<void> HttpConnection::send_response(Response& r) {
  if (append_response(r)) {
    if (unsent() > kHighWater) co_await flush();
    co_return;
  }
  append_head(r, r.body_.size(), false);
  co_await flush(r.body_);
}

Coro<void> HttpConnection::send_file(StreamResponse& r) {
  int ffd = ::open(r.file_path_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st{};
  if (ffd < 0 || ::fstat(ffd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int err = ffd < 0 ? errno : (S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
    if (ffd >= 0) ::close(ffd);
    Response e(std::string(err == ENOENT || err == ENOTDIR ? "404: Not Found" : "403: Forbidden"),
               err == ENOENT || err == ENOTDIR ? 404 : 403);
    co_await send_response(e);
    co_return;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{ffd};
  if (r.content_type_.empty()) r.content_type_ = std::string(guess_content_type(r.file_path_));
  const FileSlice slice = select_file_slice(req_, r, st);  // 200, 206, 304, 412 or 416
  append_head(r, slice.has_body ? slice.length : ~std::uint64_t{0}, false);
  co_await flush();
  if (r.head_only_ || slice.length == 0) co_return;
  auto off = static_cast<off_t>(slice.offset);
  const std::uint64_t size = slice.offset + slice.length;  // where the bytes to send end
  const std::size_t chunk = r.file_chunk_ ? r.file_chunk_ : 256 * 1024;
  bool use_sendfile = !tls_;  // TLS: the file is read and encrypted
  std::string buf;
  while (static_cast<std::uint64_t>(off) < size) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk, size - static_cast<std::uint64_t>(off)));
    if (use_sendfile) {
      ssize_t n = ::sendfile(fd_, ffd, &off, want);
      if (n > 0) {
        co_await corio::sleep(std::chrono::nanoseconds(0));  // let the loop's other tasks run
        continue;
      }
      if (n == 0) break;  // the file shrank: the connection closes below
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        co_await wait_writable();
        continue;
      }
      if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
        use_sendfile = false;
        continue;
      }
      broken_ = true;
      break;
    }
    buf.resize(want);
    ssize_t n = ::pread(ffd, buf.data(), want, off);
    if (n <= 0) break;
    off += n;
    co_await flush(std::string_view(buf.data(), static_cast<std::size_t>(n)));
  }
  if (static_cast<std::uint64_t>(off) < size) keep_alive_ = false;  // the length was a lie
  if (broken_) throw ConnectionResetError(ECONNRESET, "Connection lost while sending a file");
}

// ---- StreamResponse ----

Coro<void> HttpConnection::prepare(StreamResponse& r) {
  if (r.prepared_) co_return;
  r.prepared_ = true;
  r.conn_ = this;
  streaming_ = true;
  r.head_only_ = req_.method_ == std::string_view("HEAD");
  keep_alive_ = req_.keep_alive_ && !closing_ && !r.force_close_ && !state_.shutting_down;
  if (!msg_complete_ && req_.content_length_ && *req_.content_length_ - body_received_ > state_.settings.max_drain) {
    keep_alive_ = false;
  }
  std::uint64_t length = ~std::uint64_t{0};
  if (r.content_length_ && !r.chunked_) {
    length = *r.content_length_;
  } else if (req_.version_ == HttpVersion{1, 1} || r.chunked_) {
    r.send_chunked_ = !r.head_only_ || r.chunked_;
  } else {
    keep_alive_ = false;  // HTTP/1.0 without a length: the end of the body is the close
  }
  append_head(r, length, r.send_chunked_);
  co_await flush();
}

Coro<void> HttpConnection::write(StreamResponse& r, std::string_view data) {
  if (data.empty() || r.head_only_) co_return;
  if (r.send_chunked_) {
    append_uint(wbuf_, data.size(), 16);
    wbuf_ += "\r\n";
  }
  if (data.size() <= kCopyBody) {
    wbuf_ += data;
    if (r.send_chunked_) wbuf_ += "\r\n";
    if (!try_flush()) {
      if (unsent() > kHighWater) co_await flush();
    }
    if (broken_) throw ConnectionResetError(ECONNRESET, "Connection lost while sending a response");
  } else {
    co_await flush(data, r.send_chunked_ ? std::string_view("\r\n") : std::string_view());
  }
}

Coro<void> HttpConnection::write_eof(StreamResponse& r, std::string_view data) {
  if (r.eof_sent_) co_return;
  if (!data.empty()) co_await write(r, data);
  r.eof_sent_ = true;
  if (r.send_chunked_ && !r.head_only_) wbuf_ += "0\r\n\r\n";
  co_await flush();
}

}  // namespace corio::web::detail
