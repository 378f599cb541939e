// The WebSocket frame codec of RFC 6455, without I/O: shared by the server
// (web::WebSocketResponse) and the client.
//
// WsFrameParser is fed the bytes of the stream in pieces of any size and yields whole
// messages: data frames are unmasked straight into the message being assembled (a
// fragmented message is reassembled across its continuation frames), control frames
// (ping, pong, close) may arrive between the fragments and are yielded on their own.
// Only a frame header (at most 14 bytes) is ever buffered apart. A violation stops the
// parser for good with the close code the peer must be sent: 1002 for a framing error,
// 1007 for text that is not UTF-8, 1009 for a message above max_msg_size.
//
// No extensions are negotiated, so a frame with RSV bits set is a protocol error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace corio::http::detail {

enum class WsOpcode : std::uint8_t { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 };

/// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points
/// above U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

class WsFrameParser {
 public:
  enum class Status : std::uint8_t { NeedMore, Message, Error };

  /// `expect_masked`: a server's parser (client frames must be masked); a client's
  /// parser rejects masked frames. `max_msg_size` 0: no limit.
  WsFrameParser(bool expect_masked, std::size_t max_msg_size) noexcept
      : expect_masked_(expect_masked), max_msg_size_(max_msg_size) {}

  /// Consumes bytes from the front of `in` until a message is complete (Message: see
  /// opcode()/payload(); the rest of `in` is left for the next call), `in` is used up
  /// (NeedMore), or the stream is invalid (Error: see error_code()/error_text()).
  Status feed(std::string_view& in);

  /// The complete message: Text, Binary, Close, Ping or Pong.
  WsOpcode opcode() const noexcept { return out_opcode_; }
  /// Its payload; moved from by the caller if it likes (valid until the next feed()).
  std::string& payload() noexcept { return out_; }

  std::uint16_t error_code() const noexcept { return error_code_; }
  std::string_view error_text() const noexcept { return error_text_; }

 private:
  Status fail(std::uint16_t code, const char* text) noexcept;
  Status header_done();
  Status frame_done();

  bool expect_masked_;
  std::size_t max_msg_size_;
  // the frame header being read
  unsigned char hdr_[14];
  std::size_t hdr_len_ = 0;
  // the frame whose payload is being read
  bool in_payload_ = false;
  bool fin_ = false;
  WsOpcode opcode_ = WsOpcode::Continuation;
  bool masked_ = false;
  unsigned char mask_[4] = {};
  std::uint64_t remaining_ = 0;
  std::uint64_t mask_pos_ = 0;
  std::string* target_ = nullptr;
  // the data message being assembled, and a control frame's payload
  bool in_message_ = false;
  WsOpcode msg_opcode_ = WsOpcode::Text;
  std::string msg_;
  std::string control_;
  // what feed() yields
  WsOpcode out_opcode_ = WsOpcode::Text;
  std::string out_;
  std::uint16_t error_code_ = 0;
  const char* error_text_ = "";
};

/// Appends one frame to `out`. `mask_key` non-zero masks the payload with it (a
/// client's frames); 0 sends it unmasked (a server's).
void write_ws_frame(std::string& out, WsOpcode opcode, std::string_view payload, bool fin = true,
                    std::uint32_t mask_key = 0);

/// A close frame's payload: the code (big-endian) and the reason (cut to fit 125 bytes).
std::string ws_close_payload(std::uint16_t code, std::string_view reason);

/// Checks a received close payload: true and sets code/reason when valid (an empty
/// payload is code 1005, "no status"); false with the code to answer (1002 or 1007).
bool parse_ws_close(std::string_view payload, std::uint16_t& code, std::string_view& reason,
                    std::uint16_t& error) noexcept;

}  // namespace corio::http::detail
