// The WebSocket frame codec (see websocket_codec.hpp).
#include "http/websocket_codec.hpp"

#include <algorithm>
#include <cstring>

namespace corio::http::detail {

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    // Skip ASCII eight bytes at a time: text is mostly ASCII.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n;
    unsigned lo = 0x80, hi = 0xbf;  // the valid range of the second byte
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c == 0xe0) lo = 0xa0;       // overlong
      if (c == 0xed) hi = 0x9f;       // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c == 0xf0) lo = 0x90;       // overlong
      if (c == 0xf4) hi = 0x8f;       // above U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= n; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

WsFrameParser::Status WsFrameParser::fail(std::uint16_t code, const char* text) noexcept {
  error_code_ = code;
  error_text_ = text;
  return Status::Error;
}

WsFrameParser::Status WsFrameParser::feed(std::string_view& in) {
  if (error_code_) return Status::Error;
  while (true) {
    if (!in_payload_) {
      // The header: 2 bytes, then the extended length and the mask key they announce.
      std::size_t need = 2;
      if (hdr_len_ >= 2) {
        unsigned len7 = hdr_[1] & 0x7f;
        need += (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((hdr_[1] & 0x80) ? 4 : 0);
      }
      while (hdr_len_ < need && !in.empty()) {
        hdr_[hdr_len_++] = static_cast<unsigned char>(in.front());
        in.remove_prefix(1);
        if (hdr_len_ == 2) {
          unsigned len7 = hdr_[1] & 0x7f;
          need += (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((hdr_[1] & 0x80) ? 4 : 0);
        }
      }
      if (hdr_len_ < need) return Status::NeedMore;
      Status s = header_done();
      if (s == Status::Error) return s;
    }
    // The payload, unmasked into its target as it arrives.
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, in.size()));
    if (take > 0) {
      std::size_t at = target_->size();
      target_->append(in.data(), take);
      if (masked_) {
        char* d = target_->data() + at;
        for (std::size_t i = 0; i < take; ++i) d[i] = static_cast<char>(d[i] ^ mask_[(mask_pos_ + i) & 3]);
        mask_pos_ += take;
      }
      in.remove_prefix(take);
      remaining_ -= take;
    }
    if (remaining_ > 0) return Status::NeedMore;
    Status s = frame_done();
    if (s != Status::NeedMore) return s;
  }
}

WsFrameParser::Status WsFrameParser::header_done() {
  const unsigned b0 = hdr_[0], b1 = hdr_[1];
  fin_ = (b0 & 0x80) != 0;
  if (b0 & 0x70) return fail(1002, "reserved bits set without an extension");
  const unsigned op = b0 & 0x0f;
  masked_ = (b1 & 0x80) != 0;
  if (masked_ != expect_masked_) {
    return fail(1002, expect_masked_ ? "a client frame is not masked" : "a server frame is masked");
  }
  std::uint64_t len = b1 & 0x7f;
  std::size_t pos = 2;
  if (len == 126) {
    len = (std::uint64_t{hdr_[2]} << 8) | hdr_[3];
    pos = 4;
  } else if (len == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | hdr_[2 + i];
    pos = 10;
    if (len >> 63) return fail(1002, "frame length has its most significant bit set");
  }
  if (masked_) std::memcpy(mask_, hdr_ + pos, 4);
  mask_pos_ = 0;
  remaining_ = len;
  switch (op) {
    case 0x0:
      if (!in_message_) return fail(1002, "continuation frame without a message to continue");
      opcode_ = WsOpcode::Continuation;
      break;
    case 0x1:
    case 0x2:
      if (in_message_) return fail(1002, "a new message began before the fragmented one ended");
      opcode_ = static_cast<WsOpcode>(op);
      msg_opcode_ = opcode_;
      in_message_ = true;
      msg_.clear();
      break;
    case 0x8:
    case 0x9:
    case 0xa:
      if (!fin_) return fail(1002, "fragmented control frame");
      if (len > 125) return fail(1002, "control frame payload above 125 bytes");
      opcode_ = static_cast<WsOpcode>(op);
      control_.clear();
      target_ = &control_;
      in_payload_ = true;
      hdr_len_ = 0;
      return Status::NeedMore;
    default:
      return fail(1002, "unknown opcode");
  }
  if (max_msg_size_ && (len > max_msg_size_ || msg_.size() + len > max_msg_size_)) {
    return fail(1009, "message too big");
  }
  // Reserve for the frame, but never trust a huge announced length up front.
  msg_.reserve(msg_.size() + static_cast<std::size_t>(std::min<std::uint64_t>(len, 1 << 20)));
  target_ = &msg_;
  in_payload_ = true;
  hdr_len_ = 0;
  return Status::NeedMore;
}

WsFrameParser::Status WsFrameParser::frame_done() {
  in_payload_ = false;
  if (opcode_ == WsOpcode::Close || opcode_ == WsOpcode::Ping || opcode_ == WsOpcode::Pong) {
    if (opcode_ == WsOpcode::Close) {
      std::uint16_t code = 0, err = 0;
      std::string_view reason;
      if (!parse_ws_close(control_, code, reason, err)) {
        return fail(err, err == 1007 ? "close reason is not UTF-8" : "invalid close frame");
      }
    }
    out_opcode_ = opcode_;
    out_.swap(control_);
    return Status::Message;
  }
  if (!fin_) return Status::NeedMore;
  in_message_ = false;
  if (msg_opcode_ == WsOpcode::Text && !is_valid_utf8(msg_)) return fail(1007, "text message is not UTF-8");
  out_opcode_ = msg_opcode_;
  out_.swap(msg_);
  msg_.clear();
  return Status::Message;
}

void write_ws_frame(std::string& out, WsOpcode opcode, std::string_view payload, bool fin,
                    std::uint32_t mask_key) {
  const std::size_t n = payload.size();
  char hdr[14];
  std::size_t h = 0;
  hdr[h++] = static_cast<char>((fin ? 0x80 : 0) | static_cast<unsigned>(opcode));
  const unsigned mbit = mask_key ? 0x80 : 0;
  if (n < 126) {
    hdr[h++] = static_cast<char>(mbit | n);
  } else if (n <= 0xffff) {
    hdr[h++] = static_cast<char>(mbit | 126);
    hdr[h++] = static_cast<char>(n >> 8);
    hdr[h++] = static_cast<char>(n);
  } else {
    hdr[h++] = static_cast<char>(mbit | 127);
    for (int i = 7; i >= 0; --i) hdr[h++] = static_cast<char>(static_cast<std::uint64_t>(n) >> (8 * i));
  }
  unsigned char key[4] = {static_cast<unsigned char>(mask_key >> 24), static_cast<unsigned char>(mask_key >> 16),
                          static_cast<unsigned char>(mask_key >> 8), static_cast<unsigned char>(mask_key)};
  if (mask_key) {
    std::memcpy(hdr + h, key, 4);
    h += 4;
  }
  out.append(hdr, h);
  std::size_t at = out.size();
  out.append(payload);
  if (mask_key) {
    char* d = out.data() + at;
    for (std::size_t i = 0; i < n; ++i) d[i] = static_cast<char>(d[i] ^ key[i & 3]);
  }
}

std::string ws_close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  reason = reason.substr(0, 123);
  // Do not cut a UTF-8 sequence in half.
  while (!reason.empty() && !is_valid_utf8(reason)) reason.remove_suffix(1);
  p += reason;
  return p;
}

bool parse_ws_close(std::string_view payload, std::uint16_t& code, std::string_view& reason,
                    std::uint16_t& error) noexcept {
  if (payload.empty()) {
    code = 1005;
    reason = {};
    return true;
  }
  if (payload.size() == 1) {
    error = 1002;
    return false;
  }
  code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                    static_cast<unsigned char>(payload[1]));
  // The codes a peer may send (RFC 6455 §7.4; 1012-1014 registered since).
  const bool valid = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                     (code >= 3000 && code <= 4999);
  if (!valid) {
    error = 1002;
    return false;
  }
  reason = payload.substr(2);
  if (!is_valid_utf8(reason)) {
    error = 1007;
    return false;
  }
  return true;
}

}  // namespace corio::http::detail
