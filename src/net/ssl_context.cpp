// SSLContext (an SSL_CTX and Python's settings beside it), create_default_context, and
// the SSLError family built from OpenSSL's error queue.
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "corio/sync/exceptions.hpp"
#include "net/ssl_impl.hpp"

namespace corio {

// ---- errors ----

SSLError::SSLError(std::string lib, std::string rsn, const std::string& message, int code)
    : OSError(code, message),
      library(std::move(lib)),
      reason(std::move(rsn)),
      message_(std::make_shared<const std::string>(message)) {}

SSLCertVerificationError::SSLCertVerificationError(long code, std::string message)
    : SSLError("SSL", "CERTIFICATE_VERIFY_FAILED",
               "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: " + message),
      verify_code(code),
      verify_message(std::move(message)) {}

namespace detail {

namespace {
// Python names a reason by its mnemonic (WRONG_VERSION_NUMBER); OpenSSL 3 only gives
// the text ("wrong version number"), from which the mnemonic is derived.
std::string mnemonic(const char* text) {
  std::string m;
  for (const char* p = text; *p; ++p) {
    m += *p == ' ' || *p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return m;
}

std::string library_name(unsigned long e) {
  switch (ERR_GET_LIB(e)) {
    case ERR_LIB_SSL: return "SSL";
    case ERR_LIB_X509: return "X509";
    case ERR_LIB_PEM: return "PEM";
    case ERR_LIB_EVP: return "EVP";
    case ERR_LIB_ASN1: return "ASN1";
    case ERR_LIB_SYS: return "SYS";
    default: {
      const char* l = ERR_lib_error_string(e);
      return l ? l : "SSL";
    }
  }
}
}  // namespace

SSLError ssl_error_from_queue(const std::string& fallback, int code) {
  // The last error is the most specific one (the first is often a generic wrapper).
  unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (e == 0) return SSLError("SSL", "", fallback, code);
  std::string lib = library_name(e);
  const char* text = ERR_reason_error_string(e);
  std::string reason = text ? mnemonic(text) : "UNKNOWN_" + std::to_string(ERR_GET_REASON(e));
  std::string message = "[" + lib + ": " + reason + "] " + (text ? text : fallback.c_str());
  return SSLError(std::move(lib), std::move(reason), message, code);
}

void throw_ssl_error(const std::string& fallback) { throw ssl_error_from_queue(fallback); }

}  // namespace detail

// ---- SSLContext ----

namespace {

int to_proto_version(TLSVersion v) {
  switch (v) {
    case TLSVersion::MINIMUM_SUPPORTED:
    case TLSVersion::MAXIMUM_SUPPORTED: return 0;  // OpenSSL's "no bound"
    case TLSVersion::SSLv3: return SSL3_VERSION;
    case TLSVersion::TLSv1: return TLS1_VERSION;
    case TLSVersion::TLSv1_1: return TLS1_1_VERSION;
    case TLSVersion::TLSv1_2: return TLS1_2_VERSION;
    case TLSVersion::TLSv1_3: return TLS1_3_VERSION;
  }
  throw ValueError("unknown TLSVersion");
}

TLSVersion from_proto_version(long v, TLSVersion none) {
  switch (v) {
    case SSL3_VERSION: return TLSVersion::SSLv3;
    case TLS1_VERSION: return TLSVersion::TLSv1;
    case TLS1_1_VERSION: return TLSVersion::TLSv1_1;
    case TLS1_2_VERSION: return TLSVersion::TLSv1_2;
    case TLS1_3_VERSION: return TLSVersion::TLSv1_3;
    default: return none;
  }
}

// A server picks the first of its protocols that the client offers (Python's
// _selectALPN_cb); no overlap continues without ALPN rather than failing.
int select_alpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in, unsigned int inlen,
                void* arg) {
  auto* impl = static_cast<SSLContext::Impl*>(arg);
  if (impl->alpn_wire.empty()) return SSL_TLSEXT_ERR_NOACK;
  unsigned char* sel = nullptr;
  const auto* server = reinterpret_cast<const unsigned char*>(impl->alpn_wire.data());
  if (SSL_select_next_proto(&sel, outlen, server, static_cast<unsigned>(impl->alpn_wire.size()), in, inlen) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = sel;
  return SSL_TLSEXT_ERR_OK;
}

int password_cb(char* buf, int size, int, void* arg) {
  const std::string& pw = static_cast<SSLContext::Impl*>(arg)->password;
  if (pw.size() > static_cast<std::size_t>(size)) return -1;
  std::memcpy(buf, pw.data(), pw.size());
  return static_cast<int>(pw.size());
}

// Python reports a missing or unreadable file as the OSError of open(), not as an
// OpenSSL error.
void check_readable(const std::string& path) {
  if (::access(path.c_str(), R_OK) != 0) throw_os_error(errno, path);
}

}  // namespace

SSLContext::Impl::Impl(SSLMethod m) : method(m) {
  ctx = SSL_CTX_new(m == SSLMethod::PROTOCOL_TLS_CLIENT ? TLS_client_method() : TLS_server_method());
  if (!ctx) detail::throw_ssl_error("SSL_CTX_new failed");
  SSL_CTX_set_options(ctx, SSL_OP_ALL | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE | SSL_OP_SINGLE_ECDH_USE);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(ctx), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  SSL_CTX_set_alpn_select_cb(ctx, &select_alpn, this);
  if (m == SSLMethod::PROTOCOL_TLS_CLIENT) {
    check_hostname = true;
    verify_mode = VerifyMode::CERT_REQUIRED;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
}

SSLContext::Impl::~Impl() { SSL_CTX_free(ctx); }

SSLContext::SSLContext(SSLMethod protocol) : impl_(std::make_shared<Impl>(protocol)) {}

SSLMethod SSLContext::protocol() const noexcept { return impl_->method; }

void SSLContext::load_cert_chain(const std::string& certfile, const std::string& keyfile,
                                 const std::string& password) {
  const std::string& key = keyfile.empty() ? certfile : keyfile;
  check_readable(certfile);
  check_readable(key);
  SSL_CTX* c = impl_->ctx;
  ERR_clear_error();
  impl_->password = password;
  SSL_CTX_set_default_passwd_cb(c, &password_cb);
  SSL_CTX_set_default_passwd_cb_userdata(c, impl_.get());
  struct Reset {
    Impl* impl;
    ~Reset() {
      SSL_CTX_set_default_passwd_cb(impl->ctx, nullptr);
      SSL_CTX_set_default_passwd_cb_userdata(impl->ctx, nullptr);
      impl->password.clear();
    }
  } reset{impl_.get()};
  if (SSL_CTX_use_certificate_chain_file(c, certfile.c_str()) != 1) detail::throw_ssl_error("cannot load " + certfile);
  if (SSL_CTX_use_PrivateKey_file(c, key.c_str(), SSL_FILETYPE_PEM) != 1) detail::throw_ssl_error("cannot load " + key);
  if (SSL_CTX_check_private_key(c) != 1) detail::throw_ssl_error("key values mismatch");
}

void SSLContext::load_verify_locations(const std::string& cafile, const std::string& capath, std::string_view cadata) {
  if (cafile.empty() && capath.empty() && cadata.empty()) {
    throw ValueError("cafile, capath and cadata cannot be all omitted");
  }
  ERR_clear_error();
  if (!cafile.empty()) check_readable(cafile);
  if (!cafile.empty() || !capath.empty()) {
    if (SSL_CTX_load_verify_locations(impl_->ctx, cafile.empty() ? nullptr : cafile.c_str(),
                                      capath.empty() ? nullptr : capath.c_str()) != 1) {
      detail::throw_ssl_error("cannot load the CA certificates");
    }
  }
  if (!cadata.empty()) {
    BIO* bio = BIO_new_mem_buf(cadata.data(), static_cast<int>(cadata.size()));
    if (!bio) detail::throw_ssl_error("BIO_new_mem_buf failed");
    X509_STORE* store = SSL_CTX_get_cert_store(impl_->ctx);
    int loaded = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
      int ok = X509_STORE_add_cert(store, cert);
      X509_free(cert);
      if (!ok) {
        BIO_free(bio);
        detail::throw_ssl_error("cannot add a CA certificate");
      }
      ++loaded;
    }
    BIO_free(bio);
    ERR_clear_error();  // the read past the last certificate always "fails"
    if (loaded == 0) throw SSLError("X509", "NO_CERTIFICATE_OR_CRL_FOUND", "[X509: NO_CERTIFICATE_OR_CRL_FOUND] no certificate or crl found");
  }
}

void SSLContext::set_default_verify_paths() {
  ERR_clear_error();
  if (SSL_CTX_set_default_verify_paths(impl_->ctx) != 1) detail::throw_ssl_error("cannot load the system CAs");
}

void SSLContext::load_default_certs(Purpose) { set_default_verify_paths(); }

void SSLContext::set_alpn_protocols(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) throw ValueError("ALPN protocols must be 1 to 255 in length");
    wire += static_cast<char>(p.size());
    wire += p;
  }
  // Returns 0 on success, unlike the rest of OpenSSL.
  if (SSL_CTX_set_alpn_protos(impl_->ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                              static_cast<unsigned>(wire.size())) != 0) {
    detail::throw_ssl_error("cannot set the ALPN protocols");
  }
  impl_->alpn_wire = std::move(wire);
}

void SSLContext::set_ciphers(const std::string& ciphers) {
  ERR_clear_error();
  if (SSL_CTX_set_cipher_list(impl_->ctx, ciphers.c_str()) != 1) {
    ERR_clear_error();
    throw SSLError("SSL", "NO_CIPHER_MATCH", "No cipher can be selected.");
  }
}

bool SSLContext::check_hostname() const noexcept { return impl_->check_hostname; }

void SSLContext::set_check_hostname(bool value) {
  if (value && impl_->verify_mode == VerifyMode::CERT_NONE) set_verify_mode(VerifyMode::CERT_REQUIRED);
  impl_->check_hostname = value;
}

VerifyMode SSLContext::verify_mode() const noexcept { return impl_->verify_mode; }

void SSLContext::set_verify_mode(VerifyMode mode) {
  if (mode == VerifyMode::CERT_NONE && impl_->check_hostname) {
    throw ValueError("Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  }
  int flags = SSL_VERIFY_NONE;
  if (mode == VerifyMode::CERT_OPTIONAL) flags = SSL_VERIFY_PEER;
  if (mode == VerifyMode::CERT_REQUIRED) flags = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(impl_->ctx, flags, nullptr);
  impl_->verify_mode = mode;
}

TLSVersion SSLContext::minimum_version() const noexcept {
  return from_proto_version(SSL_CTX_get_min_proto_version(impl_->ctx), TLSVersion::MINIMUM_SUPPORTED);
}

void SSLContext::set_minimum_version(TLSVersion version) {
  if (SSL_CTX_set_min_proto_version(impl_->ctx, to_proto_version(version)) != 1) {
    ERR_clear_error();
    throw ValueError("Unsupported TLS/SSL version");
  }
}

TLSVersion SSLContext::maximum_version() const noexcept {
  return from_proto_version(SSL_CTX_get_max_proto_version(impl_->ctx), TLSVersion::MAXIMUM_SUPPORTED);
}

void SSLContext::set_maximum_version(TLSVersion version) {
  if (SSL_CTX_set_max_proto_version(impl_->ctx, to_proto_version(version)) != 1) {
    ERR_clear_error();
    throw ValueError("Unsupported TLS/SSL version");
  }
}

void* SSLContext::native_handle() const noexcept { return impl_->ctx; }

SSLContext create_default_context(Purpose purpose, const std::string& cafile, const std::string& capath,
                                  std::string_view cadata) {
  SSLContext ctx(purpose == Purpose::SERVER_AUTH ? PROTOCOL_TLS_CLIENT : PROTOCOL_TLS_SERVER);
  // Python 3.13's stricter chain checks: a trusted intermediate is an anchor, and
  // certificates must be well-formed X.509 v3.
  X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(ctx.impl()->ctx), X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT);
  if (!cafile.empty() || !capath.empty() || !cadata.empty()) {
    ctx.load_verify_locations(cafile, capath, cadata);
  } else if (ctx.verify_mode() != CERT_NONE) {
    ctx.load_default_certs(purpose);
  }
  return ctx;
}

}  // namespace corio
