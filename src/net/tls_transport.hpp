// TlsTransport: TLS between a socket transport and the user's protocol (see
// tls_transport.cpp), used by create_connection / create_server with ssl=.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "corio/core/future.hpp"
#include "corio/loop/handle.hpp"
#include "corio/net/protocol.hpp"
#include "corio/net/transport.hpp"
#include "net/tls_streams.hpp"

namespace corio {
class EventLoop;
}

namespace corio::detail {

class TlsSession;

class TlsTransport final : public Transport, public Protocol, public std::enable_shared_from_this<TlsTransport> {
 public:
  /// Install as the protocol of a socket transport: the handshake starts with its
  /// connection_made, and `app` gets connection_made once it completes.
  TlsTransport(EventLoop* loop, std::shared_ptr<Protocol> app, const TlsParams& params, bool server_side);
  ~TlsTransport() override;

  /// Completes when the handshake does; fails with its error (SSLError,
  /// SSLCertVerificationError, ConnectionResetError, ConnectionAbortedError on timeout).
  Future<void> handshake() const { return handshake_; }

  // Protocol, for the socket transport.
  void connection_made(Transport& transport) override;
  void data_received(std::string_view data) override;
  bool eof_received() override;
  void connection_lost(std::exception_ptr exc) override;
  void pause_writing() override;
  void resume_writing() override;

  // Transport, for the user's protocol.
  std::any get_extra_info(std::string_view name, std::any default_value = {}) const override;
  bool is_closing() const noexcept override;
  void close() noexcept override;
  void write(std::string_view data) override;
  void writelines(std::span<const std::string_view> lines) override;
  void write_eof() override;
  bool can_write_eof() const noexcept override { return false; }
  void abort() noexcept override;
  void pause_reading() override;
  void resume_reading() override;
  bool is_reading() const noexcept override;
  void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt) override;
  std::size_t get_write_buffer_size() const noexcept override;

 private:
  void advance_handshake();
  void handshake_timed_out();
  void fail_handshake(std::exception_ptr exc);
  void deliver();
  void flush();
  std::string peer_text() const;

  bool server_side_;
  EventLoop* loop_;
  std::shared_ptr<Protocol> app_;
  std::shared_ptr<TlsSession> session_;
  std::chrono::nanoseconds handshake_timeout_;
  Future<void> handshake_;
  TimerHandle timer_;
  Transport* inner_ = nullptr;           // the socket transport, until its connection_lost
  std::shared_ptr<TlsTransport> self_;  // ... which is how long this lives at least
  bool app_connected_ = false;          // app_->connection_made ran and connection_lost did not
  bool eof_delivered_ = false;
  bool closing_ = false;
  bool paused_ = false;
  bool delivering_ = false;
};

}  // namespace corio::detail
