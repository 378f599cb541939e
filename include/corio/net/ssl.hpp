// TLS: Python's ssl module, the part asyncio uses (SSLContext, create_default_context,
// SSLObject, SSLError), for open_connection(..., {.ssl = &ctx}), start_server(...,
// {.ssl = &ctx}) and StreamWriter::start_tls.
//
//   corio::SSLContext ctx = corio::create_default_context();   // system CAs, verifies
//   ctx.set_alpn_protocols({"h2", "http/1.1"});
//   auto [reader, writer] = co_await corio::open_connection("example.com", 443, {.ssl = &ctx});
//   std::optional<corio::SSLObject> tls = writer.ssl_object();  // version(), getpeercert()
//
//   corio::SSLContext server_ctx(corio::PROTOCOL_TLS_SERVER);
//   server_ctx.load_cert_chain("cert.pem", "key.pem");
//   corio::Server s = co_await corio::start_server(cb, "0.0.0.0", 8443, {.ssl = &server_ctx});
//
// Design: an SSLContext is a cheap handle to one shared OpenSSL SSL_CTX (copies share
// it, as Python's context objects are shared by reference); its settings apply to the
// connections made after they change. OpenSSL stays out of this header (pimpl), so
// including it costs nothing and consumers need no OpenSSL headers. The TLS engine runs
// on memory BIOs above the socket (asyncio's sslproto), so it behaves the same on both
// I/O drivers; see src/net/tls_session.hpp.
//
// Defaults are Python's: PROTOCOL_TLS_CLIENT verifies the peer (CERT_REQUIRED) and
// checks the host name, but trusts no CA until load_verify_locations() or
// set_default_verify_paths() (create_default_context() does the latter);
// PROTOCOL_TLS_SERVER asks for no client certificate. TLS 1.2 is the minimum version;
// compression and renegotiation are off.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "corio/net/errors.hpp"

namespace corio {

namespace detail {
class TlsSession;
}

/// The side a context is for (Python's ssl.PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER).
enum class SSLMethod { PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER };
inline constexpr SSLMethod PROTOCOL_TLS_CLIENT = SSLMethod::PROTOCOL_TLS_CLIENT;
inline constexpr SSLMethod PROTOCOL_TLS_SERVER = SSLMethod::PROTOCOL_TLS_SERVER;

/// Whether and how the peer's certificate is verified (ssl.VerifyMode). On a client,
/// CERT_OPTIONAL behaves as CERT_REQUIRED (as in Python); on a server, CERT_OPTIONAL asks
/// for a client certificate and verifies it if one is sent.
enum class VerifyMode { CERT_NONE, CERT_OPTIONAL, CERT_REQUIRED };
inline constexpr VerifyMode CERT_NONE = VerifyMode::CERT_NONE;
inline constexpr VerifyMode CERT_OPTIONAL = VerifyMode::CERT_OPTIONAL;
inline constexpr VerifyMode CERT_REQUIRED = VerifyMode::CERT_REQUIRED;

/// Protocol versions for minimum_version / maximum_version (ssl.TLSVersion).
enum class TLSVersion { MINIMUM_SUPPORTED, SSLv3, TLSv1, TLSv1_1, TLSv1_2, TLSv1_3, MAXIMUM_SUPPORTED };

/// What create_default_context makes a context for (ssl.Purpose): SERVER_AUTH is a
/// client authenticating servers, CLIENT_AUTH a server (authenticating clients).
enum class Purpose { SERVER_AUTH, CLIENT_AUTH };

/// A TLS failure (ssl.SSLError, an OSError). `library` and `reason` are OpenSSL's
/// ("SSL", "WRONG_VERSION_NUMBER"); what() is Python's "[SSL: REASON] reason text".
/// errno_value() is the SSL_get_error code (1 for a protocol error), as Python's errno.
class SSLError : public OSError {
 public:
  SSLError(std::string library, std::string reason, const std::string& message, int code = 1);
  const char* what() const noexcept override { return message_->c_str(); }
  std::string library;
  std::string reason;

 private:
  std::shared_ptr<const std::string> message_;  // shared: copying stays cheap and nothrow
};

/// The peer's certificate failed verification (ssl.SSLCertVerificationError, which in
/// Python is also a ValueError). what() says why: "[SSL: CERTIFICATE_VERIFY_FAILED]
/// certificate verify failed: self-signed certificate", "... Hostname mismatch,
/// certificate is not valid for 'example.com'.".
class SSLCertVerificationError : public SSLError {
 public:
  SSLCertVerificationError(long code, std::string message);
  /// OpenSSL's X509_V_ERR_* code (e.g. 62 for a hostname mismatch).
  long verify_code;
  /// The reason alone ("self-signed certificate").
  std::string verify_message;
};

/// TLS settings and credentials shared by many connections (ssl.SSLContext). A cheap
/// handle: copies share the same context.
class SSLContext {
 public:
  /// A new context for one side, with Python's defaults (see the file comment).
  /// SSLError if OpenSSL cannot make one.
  explicit SSLContext(SSLMethod protocol);

  /// The side given at construction.
  SSLMethod protocol() const noexcept;

  /// Loads this side's certificate chain (PEM, leaf first) and its private key (PEM;
  /// empty `keyfile`: the key is in `certfile`; `password` decrypts an encrypted key).
  /// FileNotFoundError for a missing file, SSLError for a bad file or a key that does
  /// not match the certificate.
  void load_cert_chain(const std::string& certfile, const std::string& keyfile = {},
                       const std::string& password = {});
  /// Trusts the CA certificates in `cafile` (PEM), in the hashed directory `capath`,
  /// and in `cadata` (PEM text). At least one must be given (TypeError in Python; here
  /// ValueError). FileNotFoundError / SSLError as load_cert_chain.
  void load_verify_locations(const std::string& cafile = {}, const std::string& capath = {},
                             std::string_view cadata = {});
  /// Trusts the system's CA certificates (OpenSSL's default paths).
  void set_default_verify_paths();
  /// Trusts the system's CA certificates (Python's load_default_certs; `purpose` is
  /// accepted for the same signature, the system store serves both).
  void load_default_certs(Purpose purpose = Purpose::SERVER_AUTH);
  /// The ALPN protocols to offer (client) or accept (server, in this order of
  /// preference); e.g. {"h2", "http/1.1"}. ValueError for an empty or >255-byte name.
  void set_alpn_protocols(const std::vector<std::string>& protocols);
  /// The TLS 1.2 cipher list in OpenSSL's syntax. SSLError if none matches.
  void set_ciphers(const std::string& ciphers);

  /// Whether the peer certificate must match the server name (client side).
  bool check_hostname() const noexcept;
  /// As Python: enabling it turns CERT_NONE into CERT_REQUIRED.
  void set_check_hostname(bool value);
  VerifyMode verify_mode() const noexcept;
  /// ValueError for CERT_NONE while check_hostname is on (as Python).
  void set_verify_mode(VerifyMode mode);
  TLSVersion minimum_version() const noexcept;
  /// ValueError for a version OpenSSL does not know.
  void set_minimum_version(TLSVersion version);
  TLSVersion maximum_version() const noexcept;
  void set_maximum_version(TLSVersion version);

  /// The underlying SSL_CTX* (for settings this API lacks; still shared by the copies).
  void* native_handle() const noexcept;

  struct Impl;
  const std::shared_ptr<Impl>& impl() const noexcept { return impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

/// A context with secure defaults for `purpose` (ssl.create_default_context): for
/// SERVER_AUTH a client context that verifies certificates and host names, trusting
/// `cafile`/`capath`/`cadata` if given, else the system's CAs; for CLIENT_AUTH a server
/// context trusting the same CAs (for client certificates, once verify_mode asks).
SSLContext create_default_context(Purpose purpose = Purpose::SERVER_AUTH, const std::string& cafile = {},
                                  const std::string& capath = {}, std::string_view cadata = {});

/// The peer's certificate as Python's getpeercert() decodes it. Names are Python's
/// (OpenSSL's long names): subject {"commonName", "localhost"}, subjectAltName
/// {"DNS", "localhost"} / {"IP Address", "127.0.0.1"}.
struct PeerCertificate {
  std::vector<std::pair<std::string, std::string>> subject;
  std::vector<std::pair<std::string, std::string>> issuer;
  std::vector<std::pair<std::string, std::string>> subjectAltName;
  std::string notBefore;     // "Jan  5 09:34:43 2030 GMT"
  std::string notAfter;
  std::string serialNumber;  // upper-case hex
  int version = 0;           // 3 for X.509 v3
  std::string der;           // the certificate itself (getpeercert(binary_form=True))

  /// The first value of `key` in the subject ("commonName"), or empty.
  std::string subject_value(std::string_view key) const;
};

/// The TLS side of a connection (ssl.SSLObject, asyncio's get_extra_info("ssl_object")),
/// from StreamWriter::ssl_object(). A handle that stays valid after the connection
/// closes.
class SSLObject {
 public:
  explicit SSLObject(std::shared_ptr<const detail::TlsSession> session) noexcept : s_(std::move(session)) {}

  /// "TLSv1.3", "TLSv1.2" (empty before the handshake).
  std::string version() const;
  /// (name, protocol version, secret bits) of the negotiated cipher, or nullopt.
  std::optional<std::tuple<std::string, std::string, int>> cipher() const;
  /// The protocol ALPN chose ("h2"), or nullopt if none was agreed.
  std::optional<std::string> selected_alpn_protocol() const;
  /// The peer's certificate, or nullopt if it sent none. As in Python, the decoded
  /// fields are filled only if the certificate was verified (verify_mode other than
  /// CERT_NONE on this side); `der` is always filled.
  std::optional<PeerCertificate> getpeercert() const;
  /// True on the server side of the connection.
  bool server_side() const noexcept;
  /// The name sent in SNI and checked against the certificate (client side), or nullopt.
  std::optional<std::string> server_hostname() const;
  /// True if the handshake resumed an earlier session.
  bool session_reused() const noexcept;
  /// The context the connection was made with.
  SSLContext context() const;

 private:
  std::shared_ptr<const detail::TlsSession> s_;
};

}  // namespace corio
