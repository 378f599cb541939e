// Protocols: the callback side of asyncio's transports-and-protocols API
// (asyncio.BaseProtocol, asyncio.Protocol, asyncio.DatagramProtocol).
//
//   struct Echo : corio::Protocol {
//     corio::Transport* transport = nullptr;
//     void connection_made(corio::Transport& t) override { transport = &t; }
//     void data_received(std::string_view data) override { transport->write(data); }
//     void connection_lost(std::exception_ptr) override { transport = nullptr; }
//   };
//   corio::Server s = co_await corio::create_server([] { return std::make_shared<Echo>(); },
//                                                   "127.0.0.1", 8888);
//
// Design: virtual classes, as asyncio's are duck-typed interfaces; every callback has an
// empty default. The transport calls them on the loop's thread, never re-entrantly:
// connection_made first, then data_received / eof_received (or datagram_received /
// error_received), then connection_lost exactly once. The Transport passed to
// connection_made stays valid until connection_lost has returned. An exception thrown
// by a callback is reported through the loop's exception handler and the transport is
// aborted (asyncio's "Fatal error: protocol.data_received() call failed.").
#pragma once

#include <exception>
#include <string_view>

#include "corio/net/socket_address.hpp"

namespace corio {

class Transport;
class DatagramTransport;

/// What every protocol has (asyncio.BaseProtocol).
class BaseProtocol {
 public:
  virtual ~BaseProtocol() = default;
  /// The connection ended: `exc` is null for a normal close or EOF, else the error.
  virtual void connection_lost(std::exception_ptr exc) { (void)exc; }
  /// The transport's write buffer went above its high-water mark.
  virtual void pause_writing() {}
  /// The write buffer drained to its low-water mark.
  virtual void resume_writing() {}
};

/// A stream protocol (asyncio.Protocol).
class Protocol : public BaseProtocol {
 public:
  /// The connection is up; `transport` is valid until connection_lost returns.
  virtual void connection_made(Transport& transport) { (void)transport; }
  /// Bytes arrived; the view is valid during the call only.
  virtual void data_received(std::string_view data) { (void)data; }
  /// The peer closed its side. Return true to keep the connection half-open (then the
  /// protocol closes it), false to have the transport close it (the default).
  virtual bool eof_received() { return false; }
};

/// A datagram protocol (asyncio.DatagramProtocol).
class DatagramProtocol : public BaseProtocol {
 public:
  /// The endpoint is ready; `transport` is valid until connection_lost returns.
  virtual void connection_made(DatagramTransport& transport) { (void)transport; }
  /// One datagram from `addr`; the view is valid during the call only.
  virtual void datagram_received(std::string_view data, const SocketAddress& addr) {
    (void)data;
    (void)addr;
  }
  /// A send or receive failed (e.g. ConnectionRefusedError after an ICMP port
  /// unreachable on a connected endpoint); the endpoint stays open.
  virtual void error_received(std::exception_ptr exc) { (void)exc; }
};

}  // namespace corio
