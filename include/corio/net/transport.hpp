// Transports: what a protocol writes to (asyncio.BaseTransport, asyncio.Transport,
// asyncio.DatagramTransport). Made by create_connection, create_server and
// create_datagram_endpoint (create_connection.hpp); a protocol receives its transport
// in connection_made.
//
// A stream Transport reads in the background and hands the bytes to the protocol;
// write() behaves as StreamWriter::write (sends at once when nothing is buffered,
// buffers the rest) and the protocol's pause_writing()/resume_writing() are called at
// the water marks (64 KiB / 16 KiB). close() flushes, then closes; abort() closes at
// once. Both end with protocol.connection_lost.
//
// Transports are owned by shared_ptr: the loop keeps an open transport alive by itself,
// and drops it after connection_lost, so holding the pointer is optional.
#pragma once

#include <any>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "corio/net/socket_address.hpp"

namespace corio {

/// What every transport has (asyncio.BaseTransport).
class BaseTransport {
 public:
  virtual ~BaseTransport() = default;
  /// "peername", "sockname" (SocketAddress), "socket" (the int fd; -1 once closed);
  /// `default_value` for other names.
  virtual std::any get_extra_info(std::string_view name, std::any default_value = {}) const = 0;
  /// True once closing (close(), abort() or a fatal error).
  virtual bool is_closing() const noexcept = 0;
  /// Closes after the buffered data is sent; then protocol.connection_lost(nullptr).
  virtual void close() noexcept = 0;
};

/// A stream transport (asyncio.Transport: ReadTransport + WriteTransport).
class Transport : public BaseTransport {
 public:
  /// Writes `data` (never blocks; see the file comment). RuntimeError after write_eof();
  /// dropped after close(), as in asyncio.
  virtual void write(std::string_view data) = 0;
  /// Writes every piece, in order.
  virtual void writelines(std::span<const std::string_view> lines) = 0;
  /// Half-closes after the buffer is flushed.
  virtual void write_eof() = 0;
  /// True for sockets.
  virtual bool can_write_eof() const noexcept = 0;
  /// Closes at once, dropping buffered data; then protocol.connection_lost(nullptr).
  virtual void abort() noexcept = 0;
  /// Stops calling data_received until resume_reading() (no-op if paused or closing).
  virtual void pause_reading() = 0;
  /// Resumes data_received (no-op if not paused).
  virtual void resume_reading() = 0;
  /// False while paused or closing.
  virtual bool is_reading() const noexcept = 0;
  /// The water marks; `low` defaults to high / 4. ValueError unless high >= low.
  virtual void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt) = 0;
  /// Bytes waiting in the write buffer.
  virtual std::size_t get_write_buffer_size() const noexcept = 0;
};

/// A datagram transport (asyncio.DatagramTransport).
class DatagramTransport : public BaseTransport {
 public:
  /// Sends one datagram to `addr` (nullopt: the connected remote address). Never
  /// blocks: when the socket is full, datagrams queue and go out in order. Errors go to
  /// protocol.error_received.
  virtual void sendto(std::string_view data, std::optional<SocketAddress> addr = std::nullopt) = 0;
  /// Closes at once, dropping queued datagrams.
  virtual void abort() noexcept = 0;
  /// Bytes of datagrams waiting to be sent.
  virtual std::size_t get_write_buffer_size() const noexcept = 0;
};

}  // namespace corio
