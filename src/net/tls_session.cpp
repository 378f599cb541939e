#include "net/tls_session.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <new>

#include "corio/sync/exceptions.hpp"
#include "net/ssl_impl.hpp"

namespace corio::detail {

namespace {

// The output sink: a BIO whose writes append to the std::string in its data pointer.
int sink_write(BIO* b, const char* data, std::size_t n, std::size_t* written) {
  try {
    static_cast<std::string*>(BIO_get_data(b))->append(data, n);
  } catch (const std::bad_alloc&) {
    return 0;  // OpenSSL reports a write failure; the session fails with SSLError
  }
  *written = n;
  return 1;
}

long sink_ctrl(BIO*, int cmd, long, void*) {
  // SSL flushes after each flight; the other controls (pending sizes, kTLS) are "no".
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int sink_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

BIO_METHOD* sink_method() {
  // Made once per process and never freed, as OpenSSL's own methods are static.
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "corio TLS output");
    if (!m) throw std::bad_alloc();
    BIO_meth_set_write_ex(m, &sink_write);
    BIO_meth_set_ctrl(m, &sink_ctrl);
    BIO_meth_set_create(m, &sink_create);
    return m;
  }();
  return method;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1 || ::inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsSession::TlsSession(const SSLContext& ctx, bool server_side, std::string server_hostname)
    : ctx_(ctx), server_side_(server_side), hostname_(std::move(server_hostname)) {
  const bool check = !server_side_ && ctx_.check_hostname();
  if (check && hostname_.empty()) throw ValueError("check_hostname requires server_hostname");
  ERR_clear_error();
  ssl_ = SSL_new(ctx_.impl()->ctx);
  if (!ssl_) throw_ssl_error("SSL_new failed");
  rbio_ = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(sink_method());
  if (!rbio_ || !wbio) {
    BIO_free(rbio_);
    BIO_free(wbio);
    SSL_free(ssl_);
    throw_ssl_error("BIO_new failed");
  }
  BIO_set_mem_eof_return(rbio_, -1);  // empty input: "want read", never EOF
  BIO_set_data(wbio, &out_);
  SSL_set_bio(ssl_, rbio_, wbio);  // ssl_ owns both from here
  if (server_side_) {
    SSL_set_accept_state(ssl_);
    return;
  }
  SSL_set_connect_state(ssl_);
  if (hostname_.empty()) return;
  const bool ip = is_ip_address(hostname_);
  // SNI carries names only (RFC 6066); an IP address is matched against IP SANs.
  if (!ip && SSL_set_tlsext_host_name(ssl_, hostname_.c_str()) != 1) {
    SSL_free(ssl_);
    throw_ssl_error("invalid server_hostname '" + hostname_ + "'");
  }
  if (check) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, hostname_.c_str())
                : X509_VERIFY_PARAM_set1_host(param, hostname_.c_str(), hostname_.size());
    if (ok != 1) {
      SSL_free(ssl_);
      throw_ssl_error("invalid server_hostname '" + hostname_ + "'");
    }
  }
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

bool TlsSession::do_handshake() {
  if (established_) return true;
  ERR_clear_error();
  int r = SSL_do_handshake(ssl_);
  if (r == 1) {
    established_ = true;
    return true;
  }
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ) return false;
  failed_ = true;
  raise_handshake_error(err);
}

void TlsSession::raise_handshake_error(int err) {
  long v = SSL_get_verify_result(ssl_);
  unsigned long e = ERR_peek_last_error();
  if (v != X509_V_OK && ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    ERR_clear_error();
    // Python's wording for the two mismatches; OpenSSL's text for everything else.
    if (v == X509_V_ERR_HOSTNAME_MISMATCH) {
      throw SSLCertVerificationError(v, "Hostname mismatch, certificate is not valid for '" + hostname_ + "'.");
    }
    if (v == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      throw SSLCertVerificationError(v, "IP address mismatch, certificate is not valid for '" + hostname_ + "'.");
    }
    throw SSLCertVerificationError(v, X509_verify_cert_error_string(v));
  }
  if (err == SSL_ERROR_SYSCALL && e == 0) {
    throw SSLError("SSL", "UNEXPECTED_EOF_WHILE_READING", "EOF occurred in violation of protocol", err);
  }
  throw ssl_error_from_queue("the SSL handshake failed", err);
}

void TlsSession::feed(const char* data, std::size_t n) {
  while (n > 0) {
    int chunk = static_cast<int>(std::min<std::size_t>(n, 1u << 30));
    if (BIO_write(rbio_, data, chunk) != chunk) throw std::bad_alloc();
    data += chunk;
    n -= static_cast<std::size_t>(chunk);
  }
}

std::size_t TlsSession::read(char* dst, std::size_t cap, ReadStatus& status) {
  if (close_notify_received_) {
    status = ReadStatus::CloseNotify;
    return 0;
  }
  ERR_clear_error();
  std::size_t got = 0;
  if (SSL_read_ex(ssl_, dst, cap, &got) == 1) {
    status = ReadStatus::Data;
    return got;
  }
  int err = SSL_get_error(ssl_, 0);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      status = ReadStatus::NeedMore;
      return 0;
    case SSL_ERROR_ZERO_RETURN:
      close_notify_received_ = true;
      status = ReadStatus::CloseNotify;
      return 0;
    default:
      failed_ = true;
      throw ssl_error_from_queue("SSL read failed", err);
  }
}

void TlsSession::write(std::string_view plain) {
  if (failed_) throw SSLError("SSL", "", "write on a failed SSL connection");
  ERR_clear_error();
  while (!plain.empty()) {
    std::size_t written = 0;
    if (SSL_write_ex(ssl_, plain.data(), plain.size(), &written) != 1) {
      int err = SSL_get_error(ssl_, 0);
      failed_ = true;
      throw ssl_error_from_queue("SSL write failed", err);
    }
    plain.remove_prefix(written);
  }
}

void TlsSession::shutdown() noexcept {
  if (close_notify_sent_ || !established_ || failed_) return;
  close_notify_sent_ = true;
  ERR_clear_error();
  (void)SSL_shutdown(ssl_);  // 0: sent, the peer's not received yet (not waited for)
  ERR_clear_error();
}

}  // namespace corio::detail
