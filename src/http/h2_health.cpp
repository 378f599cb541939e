// H2Core's connection health: PINGs after a read-idle spell, failing a connection
// whose server stopped answering, and closing a connection that carried no stream for
// idle_timeout (see H2Settings).
//
// One timer serves all three; it is re-armed for the earliest of: the next PING
// (last_received_ + ping_interval), the deadline of the PING in flight
// (ping_sent_at_ + ping_timeout) and, while no slot is held, the idle close
// (idle_since_ + idle_timeout). Anything received counts as an answer to a PING: a
// server busy sending DATA is alive even if its PING ACK is queued behind it. The
// server's own PINGs are answered by nghttp2 (auto PING ACK).
#include <algorithm>
#include <limits>
#include <string>

#include "corio/loop/event_loop.hpp"
#include "h2_core.hpp"

namespace corio::http::detail {

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

std::string seconds_text(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", seconds(d));
  return buf;
}

}  // namespace

void H2Core::note_received() noexcept {
  last_received_ = loop_->time();
  if (ping_outstanding_) {
    // The server is alive: the timer moves from the PING's deadline to the next PING.
    ping_outstanding_ = false;
    arm_health();
  }
}

void H2Core::note_idle() noexcept {
  if (closed_ || settings_.idle_timeout.count() <= 0) return;
  idle_since_ = loop_->time();
  arm_health();
}

void H2Core::arm_health() noexcept {
  health_timer_.cancel();
  if (closed_ || loop_ == nullptr || loop_->is_closed()) return;
  double next = std::numeric_limits<double>::infinity();
  if (settings_.ping_interval.count() > 0) {
    next = ping_outstanding_ ? ping_sent_at_ + seconds(settings_.ping_timeout)
                             : last_received_ + seconds(settings_.ping_interval);
  }
  if (settings_.idle_timeout.count() > 0 && active_ == 0) {
    next = std::min(next, idle_since_ + seconds(settings_.idle_timeout));
  }
  if (next == std::numeric_limits<double>::infinity()) return;
  std::weak_ptr<H2Core> weak = weak_from_this();
  try {
    health_timer_ = loop_->call_later(std::max(0.0, next - loop_->time()), [weak] {
      if (auto self = weak.lock()) self->check_health();
    });
  } catch (...) {
    // No timer (out of memory): the connection goes on without health checks.
  }
}

void H2Core::check_health() noexcept {
  if (closed_) return;
  double now = loop_->time();
  if (settings_.idle_timeout.count() > 0 && active_ == 0 && waiting_.empty() &&
      now - idle_since_ >= seconds(settings_.idle_timeout)) {
    // Retryable: a request racing with the close was not sent on this connection.
    fail(connection_error("was closed after " + seconds_text(settings_.idle_timeout) + " s without a request",
                          NGHTTP2_NO_ERROR, true),
         true);
    return;
  }
  if (settings_.ping_interval.count() > 0) {
    if (ping_outstanding_ && now - ping_sent_at_ >= seconds(settings_.ping_timeout)) {
      // Not retryable: the server may have processed the streams that were open.
      fail(connection_error("failed: no answer to PING within " + seconds_text(settings_.ping_timeout) + " s", 0,
                            false),
           false);
      return;
    }
    if (!ping_outstanding_ && now - last_received_ >= seconds(settings_.ping_interval)) {
      if (nghttp2_submit_ping(session_, NGHTTP2_FLAG_NONE, nullptr) == 0) {
        ping_outstanding_ = true;
        ping_sent_at_ = now;
        ++pings_sent_;
        send_soon();
      }
    }
  }
  arm_health();
}

}  // namespace corio::http::detail
