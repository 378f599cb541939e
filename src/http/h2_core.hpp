// H2Core: the engine under H2Connection (see h2_connection.hpp for the design): the
// nghttp2 session, its callbacks, the reader and sender tasks, the stream-slot queue and
// the per-stream state that requests and responses wait on.
//
// Ownership: H2Connection (held by users and responses) owns the core through a
// shared_ptr; the reader and sender tasks hold one too, so the session outlives any
// callback, and drop it when they end: closing the writer ends the reader's read with
// EOF and setting want_write_ wakes the sender, so no task handle is kept. Streams are shared between the
// core's table (until nghttp2 closes them) and the request/response that reads them.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <string>
#include <unordered_map>

#include "corio/loop/handle.hpp"
#include "corio/sync/event.hpp"
#include "h2_connection.hpp"

namespace corio {
class EventLoop;
}

namespace corio::http::detail {

/// One request/response exchange. Written by nghttp2 callbacks, read by request() and
/// H2Response; `changed` is set on every news (head, data, end, error, upload progress).
struct H2Stream {
  std::int32_t id = -1;
  std::string what;  // "GET https://host/path", for messages

  // The response.
  int status = 0;
  Headers headers;
  Headers trailers;
  bool head_done = false;   // the final (non-1xx) head arrived
  bool end_stream = false;  // END_STREAM received: the body is complete
  bool closed = false;      // nghttp2 closed the stream (its slot is free)
  bool abandoned = false;   // nobody reads any more: data is consumed on arrival
  std::string body;         // received, not read; [body_pos, size) is unread
  std::size_t body_pos = 0;
  std::exception_ptr error;  // set once; raised after the buffered bytes
  Event changed;

  // The request body: [out_pos, out.size()) waits for nghttp2 to take it.
  std::string out;
  std::size_t out_pos = 0;
  bool out_done = false;  // no more body will be appended

  std::size_t unread() const noexcept { return body.size() - body_pos; }
};

/// A request waiting for a stream slot.
struct H2SlotTicket {
  Event ready;
  bool granted = false;
  std::exception_ptr error;
};

class H2Core : public std::enable_shared_from_this<H2Core> {
 public:
  H2Core(StreamReader reader, StreamWriter writer, H2Settings settings);
  ~H2Core();
  H2Core(const H2Core&) = delete;
  H2Core& operator=(const H2Core&) = delete;

  /// Creates the session, queues the preface and SETTINGS, starts both tasks.
  void open();
  /// Waits for the server's first SETTINGS frame (or the connection's failure).
  /// Cancellation: only the wait.
  Coro<void> wait_remote_settings();

  /// Takes a stream slot, waiting in FIFO order when the limit is reached. Raises
  /// H2ConnectionError when the connection is closed or going away.
  /// Cancellation: leaves the queue (a slot granted meanwhile is passed on).
  Coro<void> acquire_slot();
  /// Gives a slot back and grants waiting requests.
  void release_slot() noexcept;

  /// Submits the request of `st` (a slot is held); returns the stream id or throws H2Error.
  std::int32_t submit(const H2Request& req, const std::shared_ptr<H2Stream>& st, bool has_body);
  /// Pulls `source` into the stream's upload buffer as nghttp2 takes it.
  /// Cancellation: as the source's and the wait for nghttp2 to take a chunk.
  Coro<void> pump_body(std::shared_ptr<H2Stream> st, H2BodySource source);
  /// The client gives up on `st`: RST_STREAM CANCEL if still open, unread bytes returned
  /// to the connection window.
  void abandon(H2Stream& st) noexcept;
  /// `n` body bytes of stream `id` were handed to the reader: the windows grow again.
  void consume(std::int32_t id, std::size_t n) noexcept;
  /// Wakes the sender: nghttp2 may have frames to send.
  void send_soon() noexcept { want_write_.set(); }

  /// Closes with `exc` as every open stream's and waiting request's error (the first
  /// failure wins). `graceful`: GOAWAY is sent and the writer flushed before closing.
  void fail(std::exception_ptr exc, bool graceful) noexcept;
  Coro<void> wait_closed();

  bool available() const noexcept;
  bool closed() const noexcept { return closed_; }
  H2Statistics statistics() const noexcept;
  const std::string& origin() const noexcept { return origin_; }
  std::uint32_t slot_limit() const noexcept;

  /// Health (h2_health.cpp): bytes arrived from the server now.
  void note_received() noexcept;
  /// Health: the last stream slot was given back (the connection may go idle).
  void note_idle() noexcept;
  /// Health: (re)schedules the timer for the next PING, PING deadline or idle close.
  void arm_health() noexcept;
  /// An H2ConnectionError naming the origin.
  std::exception_ptr connection_error(const std::string& what, std::uint32_t code, bool retryable) const;

 private:
  static Coro<void> reader_loop(std::shared_ptr<H2Core> self);
  static Coro<void> sender_loop(std::shared_ptr<H2Core> self);
  /// Writes what nghttp2 has to send now, without waiting (used when closing).
  void flush_now() noexcept;
  /// Closes the connection once nghttp2 wants neither to read nor to write (GOAWAY
  /// exchanged and the last stream done, or our GOAWAY after a protocol error sent).
  void check_finished() noexcept;
  void grant_slots() noexcept;
  /// The health timer fired: send a PING, fail on an unanswered one, or close when idle.
  void check_health() noexcept;
  void fail_waiters(std::exception_ptr exc) noexcept;
  H2Stream* find(std::int32_t id) const noexcept;

  // nghttp2 callbacks (user_data is the core).
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_header(nghttp2_session*, const nghttp2_frame*, const std::uint8_t*, std::size_t,
                       const std::uint8_t*, std::size_t, std::uint8_t, void*);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t, std::int32_t, const std::uint8_t*, std::size_t,
                                void*);
  static int on_stream_close(nghttp2_session*, std::int32_t, std::uint32_t, void*);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame*, void*);
  static int on_frame_not_send(nghttp2_session*, const nghttp2_frame*, int, void*);
  static int on_error(nghttp2_session*, int, const char*, std::size_t, void*);
  static ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t*, std::size_t, std::uint32_t*,
                           nghttp2_data_source*, void*);

  StreamReader reader_;
  StreamWriter writer_;
  H2Settings settings_;  // its origin view is not used after construction
  std::string origin_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, std::shared_ptr<H2Stream>> streams_;

  std::deque<std::shared_ptr<H2SlotTicket>> waiting_;
  std::size_t active_ = 0;  // slots held: submitted streams not yet closed, plus grants
  std::size_t peak_active_ = 0;
  std::size_t opened_ = 0;

  bool remote_settings_ = false;
  Event remote_settings_event_;
  bool goaway_received_ = false;
  std::int32_t goaway_last_stream_ = 0;
  std::uint32_t goaway_code_ = 0;
  std::string last_error_;  // nghttp2's description of the latest protocol error

  bool closed_ = false;
  std::exception_ptr close_error_;
  std::uint32_t goaway_sent_code_ = 0;  // our GOAWAY's error code (a protocol error if not 0)
  bool goaway_sent_ = false;
  // Health (h2_health.cpp), in loop time.
  EventLoop* loop_ = nullptr;
  TimerHandle health_timer_;
  double last_received_ = 0;
  double idle_since_ = 0;
  double ping_sent_at_ = 0;
  bool ping_outstanding_ = false;
  std::size_t pings_sent_ = 0;
  Event want_write_;
  Event tasks_done_;
  int tasks_running_ = 0;
};

}  // namespace corio::http::detail
