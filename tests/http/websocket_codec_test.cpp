// The WebSocket frame codec (src/http/websocket_codec.hpp) on its own: lengths of
// every width, input in pieces of any size, the close codes of each violation.
#include <gtest/gtest.h>

#include <string>

#include "http/websocket_codec.hpp"

namespace corio::test {
namespace {

using http::detail::is_valid_utf8;
using http::detail::write_ws_frame;
using http::detail::WsFrameParser;
using http::detail::WsOpcode;
using Status = WsFrameParser::Status;

std::string frame(WsOpcode op, std::string_view payload, bool fin = true, std::uint32_t key = 0x11223344u) {
  std::string out;
  write_ws_frame(out, op, payload, fin, key);
  return out;
}

/// Feeds `wire` `piece` bytes at a time; returns the first non-NeedMore status.
Status feed_in_pieces(WsFrameParser& p, std::string_view wire, std::size_t piece) {
  while (!wire.empty()) {
    std::string_view in = wire.substr(0, piece);
    wire.remove_prefix(in.size());
    Status s = p.feed(in);
    if (s != Status::NeedMore) return s;
  }
  return Status::NeedMore;
}

TEST(WebSocketCodec, LengthsOfEveryWidthRoundTripInAnyPieces) {
  for (std::size_t n : {0u, 1u, 125u, 126u, 65535u, 65536u, 200000u}) {
    std::string payload(n, 'x');
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<char>(i * 7);
    const std::string wire = frame(WsOpcode::Binary, payload);
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, wire.size()}) {
      if (piece == 1 && n > 70000) continue;
      WsFrameParser p(true, 0);
      ASSERT_EQ(feed_in_pieces(p, wire, piece), Status::Message) << n << " " << piece;
      EXPECT_EQ(p.opcode(), WsOpcode::Binary);
      EXPECT_TRUE(p.payload() == payload);
    }
  }
}

TEST(WebSocketCodec, WriterUsesTheMinimalLengthEncoding) {
  EXPECT_EQ(frame(WsOpcode::Text, std::string(125, 'a'), true, 0).size(), 2u + 125);
  EXPECT_EQ(frame(WsOpcode::Text, std::string(126, 'a'), true, 0).size(), 4u + 126);
  EXPECT_EQ(frame(WsOpcode::Text, std::string(65536, 'a'), true, 0).size(), 10u + 65536);
  EXPECT_EQ(frame(WsOpcode::Text, "hi", true, 0x01020304u).size(), 2u + 4 + 2);
}

TEST(WebSocketCodec, ControlFramesInterleaveWithFragments) {
  const std::string wire = frame(WsOpcode::Text, "ab", false) + frame(WsOpcode::Ping, "p") +
                           frame(WsOpcode::Continuation, "cd", false) + frame(WsOpcode::Continuation, "e");
  WsFrameParser p(true, 0);
  std::string_view in = wire;
  ASSERT_EQ(p.feed(in), Status::Message);
  EXPECT_EQ(p.opcode(), WsOpcode::Ping);
  EXPECT_EQ(p.payload(), "p");
  ASSERT_EQ(p.feed(in), Status::Message);
  EXPECT_EQ(p.opcode(), WsOpcode::Text);
  EXPECT_EQ(p.payload(), "abcde");
  EXPECT_TRUE(in.empty());
}

void expect_error(bool server, std::string_view wire, std::uint16_t code, std::size_t max = 0) {
  WsFrameParser p(server, max);
  std::string_view in = wire;
  Status s = Status::Message;
  while (s == Status::Message) s = p.feed(in);
  EXPECT_EQ(s, Status::Error);
  EXPECT_EQ(p.error_code(), code) << p.error_text();
}

TEST(WebSocketCodec, ViolationsCarryTheirCloseCodes) {
  expect_error(true, frame(WsOpcode::Text, "x", true, 0), 1002);        // unmasked client frame
  expect_error(false, frame(WsOpcode::Text, "x"), 1002);                // masked server frame
  expect_error(true, std::string("\xc1\x80\0\0\0\0", 6), 1002);  // RSV1 without an extension
  expect_error(true, std::string("\x83\x80\0\0\0\0", 6), 1002);  // reserved opcode
  expect_error(true, frame(WsOpcode::Continuation, "x"), 1002);         // nothing to continue
  expect_error(true, frame(WsOpcode::Text, "a", false) + frame(WsOpcode::Binary, "b"), 1002);
  expect_error(true, frame(WsOpcode::Ping, "x", false), 1002);          // fragmented control
  expect_error(true, frame(WsOpcode::Ping, std::string(126, 'x')), 1002);
  expect_error(true, frame(WsOpcode::Close, "\x03"), 1002);              // one-byte close payload
  expect_error(true, frame(WsOpcode::Close, std::string("\x03\xe7", 2)), 1002);  // code 999
  expect_error(true, frame(WsOpcode::Close, std::string("\x03\xe8\xff", 3)), 1007);
  expect_error(true, frame(WsOpcode::Text, "\xed\xa0\x80"), 1007);      // a surrogate
  expect_error(true, frame(WsOpcode::Binary, std::string(11, 'x')), 1009, 10);
  expect_error(true, frame(WsOpcode::Text, "aaaaaa", false) + frame(WsOpcode::Continuation, "aaaaa"), 1009, 10);
  expect_error(true, std::string("\x82\xff\x80\0\0\0\0\0\0\0\0\0\0\0", 14), 1002);  // 64-bit MSB set
}

TEST(WebSocketCodec, Utf8Validation) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text, long enough for the word loop"));
  EXPECT_TRUE(is_valid_utf8("\xc2\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xe2\x82"));          // cut short
  EXPECT_FALSE(is_valid_utf8("\x80"));
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace corio::test
