// What the TLS sources share: SSLContext::Impl (the SSL_CTX and the settings Python keeps
// beside it) and the translation of OpenSSL's error queue into SSLError.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "corio/net/ssl.hpp"

namespace corio {

struct SSLContext::Impl {
  explicit Impl(SSLMethod m);
  ~Impl();
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  SSL_CTX* ctx = nullptr;
  SSLMethod method;
  bool check_hostname = false;
  VerifyMode verify_mode = VerifyMode::CERT_NONE;
  std::string alpn_wire;  // the server's preference list in ALPN's wire format
  std::string password;   // for an encrypted key, read during load_cert_chain only
};

namespace detail {

/// An SSLError built from (and clearing) OpenSSL's error queue; `fallback` is the
/// message when the queue is empty. `code` is the SSL_get_error value.
SSLError ssl_error_from_queue(const std::string& fallback, int code = 1);
/// Throws ssl_error_from_queue(fallback).
[[noreturn]] void throw_ssl_error(const std::string& fallback);

}  // namespace detail
}  // namespace corio
