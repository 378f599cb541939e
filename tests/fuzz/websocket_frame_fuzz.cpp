// Fuzzes the WebSocket frame parser (src/http/websocket_codec.cpp): the input is fed
// in pieces whose sizes come from the input itself, as server (masked) and as client,
// and every message it yields is checked against the rules the parser promises:
// text is UTF-8, control payloads fit 125 bytes, nothing exceeds max_msg_size. Each
// message is re-encoded and parsed back to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/websocket_codec.hpp"

using corio::http::detail::WsFrameParser;
using corio::http::detail::WsOpcode;

namespace {
constexpr std::size_t kMaxMsg = 2048;

void check_roundtrip(WsOpcode op, const std::string& payload, bool server) {
  std::string wire;
  // A server parser expects a client's masked frames, and the other way round.
  corio::http::detail::write_ws_frame(wire, op, payload, true, server ? 0x1234abcdu : 0);
  WsFrameParser p(server, kMaxMsg);
  std::string_view in = wire;
  if (p.feed(in) != WsFrameParser::Status::Message || p.opcode() != op || p.payload() != payload || !in.empty()) {
    std::abort();
  }
}

void run(const std::uint8_t* data, std::size_t size, bool server) {
  if (size == 0) return;
  const std::size_t piece = 1 + data[0] % 17;
  std::string_view all(reinterpret_cast<const char*>(data) + 1, size - 1);
  WsFrameParser p(server, kMaxMsg);
  while (!all.empty()) {
    std::string_view in = all.substr(0, piece);
    all.remove_prefix(in.size());
    while (true) {
      const std::size_t before = in.size();
      WsFrameParser::Status s = p.feed(in);
      if (s == WsFrameParser::Status::Error) {
        const auto c = p.error_code();
        if (c != 1002 && c != 1007 && c != 1009) std::abort();
        return;
      }
      if (s == WsFrameParser::Status::NeedMore) {
        if (!in.empty()) std::abort();  // NeedMore means everything was consumed
        break;
      }
      const std::string& m = p.payload();
      if (m.size() > kMaxMsg) std::abort();
      if (p.opcode() == WsOpcode::Text && !corio::http::detail::is_valid_utf8(m)) std::abort();
      const bool control = p.opcode() == WsOpcode::Close || p.opcode() == WsOpcode::Ping ||
                           p.opcode() == WsOpcode::Pong;
      if (control && m.size() > 125) std::abort();
      check_roundtrip(p.opcode(), m, server);
      if (in.empty() && before == 0) break;
    }
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run(data, size, true);
  run(data, size, false);
  return 0;
}
