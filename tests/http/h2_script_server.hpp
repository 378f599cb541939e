// A scripted HTTP/2 server for the connection-health tests: a corio start_server
// handler that speaks just enough HTTP/2 frames by hand (no HPACK beyond the static
// ":status: 200") to do what a test needs — answer or ignore PINGs, PING the client,
// answer requests after some PINGs, or send GOAWAY instead of an answer — and records
// what the client sent. Every record sets `changed`, so tests wait for events, not time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "corio/net/errors.hpp"
#include "corio/net/server.hpp"
#include "corio/net/streams.hpp"
#include "corio/sync/event.hpp"

namespace corio::test {

/// One HTTP/2 frame: a 9-byte header and the payload.
inline std::string h2_frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream, const std::string& payload) {
  std::string f;
  std::size_t n = payload.size();
  f += static_cast<char>((n >> 16) & 0xff);
  f += static_cast<char>((n >> 8) & 0xff);
  f += static_cast<char>(n & 0xff);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>((stream >> 24) & 0x7f);
  f += static_cast<char>((stream >> 16) & 0xff);
  f += static_cast<char>((stream >> 8) & 0xff);
  f += static_cast<char>(stream & 0xff);
  f += payload;
  return f;
}

struct ScriptedH2Server {
  static constexpr std::uint8_t kHeaders = 1, kSettings = 4, kPing = 6, kGoaway = 7;
  static constexpr std::uint8_t kAck = 1, kEndStream = 1, kEndHeaders = 4;

  // The script.
  bool answer_pings = true;
  int respond_after_pings = 0;        // a request is answered once this many PINGs were answered
  bool goaway_on_first_connection = false;  // GOAWAY (last stream 0) instead of the first answer
  bool ping_client = false;           // PING the client right after SETTINGS

  // What happened.
  int connections = 0;
  int connections_closed = 0;
  int pings_received = 0;
  int requests = 0;
  int goaways_received = 0;
  bool ping_ack_received = false;  // the client answered our PING with its payload
  Event changed;

  /// Waits (bounded by the test's run limit) until `done()` holds.
  Coro<void> wait_until(std::function<bool()> done) {
    while (!done()) {
      changed.clear();
      co_await changed.wait();
    }
  }

  ClientConnectedCallback handler() {
    return [this](StreamReader r, StreamWriter w) -> Coro<void> {
      try {
        co_await serve(r, w);
      } catch (const IncompleteReadError&) {
      } catch (const OSError&) {
      }
      ++connections_closed;
      changed.set();
    };
  }

 private:
  Coro<void> serve(StreamReader& r, StreamWriter& w) {
    co_await r.readexactly(24);  // the client preface
    int connection = ++connections;
    w.write(h2_frame(kSettings, 0, 0, ""));
    if (ping_client) w.write(h2_frame(kPing, 0, 0, "corio-h2"));
    co_await w.drain();
    std::vector<std::uint32_t> pending;
    int pings_answered = 0;
    for (;;) {
      std::string head = co_await r.readexactly(9);
      std::size_t length = (static_cast<unsigned char>(head[0]) << 16) | (static_cast<unsigned char>(head[1]) << 8) |
                           static_cast<unsigned char>(head[2]);
      auto type = static_cast<std::uint8_t>(head[3]);
      auto flags = static_cast<std::uint8_t>(head[4]);
      std::uint32_t stream = ((static_cast<unsigned char>(head[5]) & 0x7fu) << 24) |
                             (static_cast<unsigned char>(head[6]) << 16) | (static_cast<unsigned char>(head[7]) << 8) |
                             static_cast<unsigned char>(head[8]);
      std::string payload;
      if (length > 0) payload = co_await r.readexactly(length);
      if (type == kSettings && !(flags & kAck)) w.write(h2_frame(kSettings, kAck, 0, ""));
      if (type == kPing && (flags & kAck)) ping_ack_received = payload == "corio-h2";
      if (type == kPing && !(flags & kAck)) {
        ++pings_received;
        if (answer_pings) {
          w.write(h2_frame(kPing, kAck, 0, payload));
          ++pings_answered;
        }
      }
      if (type == kGoaway) ++goaways_received;
      if (type == kHeaders) {
        ++requests;
        if (goaway_on_first_connection && connection == 1) {
          w.write(h2_frame(kGoaway, 0, 0, std::string(8, '\0')));  // last stream 0, NO_ERROR
        } else {
          pending.push_back(stream);
        }
      }
      if (pings_answered >= respond_after_pings) {
        for (std::uint32_t id : pending) w.write(h2_frame(kHeaders, kEndStream | kEndHeaders, id, "\x88"));
        pending.clear();
      }
      co_await w.drain();
      changed.set();
    }
  }
};

}  // namespace corio::test
