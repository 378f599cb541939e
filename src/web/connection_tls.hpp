// HttpConnection::Tls: a TLS connection's engine and ciphertext buffer (see
// connection.hpp); private to the connection's sources.
#pragma once

#include <cstddef>
#include <memory>

#include "net/tls_session.hpp"
#include "web/connection.hpp"

namespace corio::web::detail {

struct HttpConnection::Tls {
  explicit Tls(const SSLContext& ctx) : session(ctx, true, std::string()) {}

  /// Room for a full TLS record (16 KiB of data plus its header and tag) and then some:
  /// one receive usually brings a request whole.
  static constexpr std::size_t kCipherBuffer = 32 * 1024;

  corio::detail::TlsSession session;
  std::unique_ptr<char[]> cipher{new char[kCipherBuffer]};
  std::size_t out_off = 0;  // session.output()[..out_off] is sent
};

}  // namespace corio::web::detail
