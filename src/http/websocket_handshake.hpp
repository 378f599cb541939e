// The opening handshake's keys (RFC 6455 §4): shared by the server and the client.
#pragma once

#include <string>
#include <string_view>

namespace corio::http::detail {

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC's GUID)).
std::string websocket_accept(std::string_view key);
/// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
std::string new_websocket_key();
/// True when `key` is the base64 of 16 bytes (22 characters of the alphabet and "==").
bool valid_websocket_key(std::string_view key) noexcept;
/// True when the comma-separated header value lists `token`, case-insensitively.
bool header_has_token(std::string_view value, std::string_view token) noexcept;

}  // namespace corio::http::detail
