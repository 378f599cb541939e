// Certificates for the TLS tests, made at run time with OpenSSL's API (no key material
// in the tree, nothing expires): a CA, a server certificate it signs for "localhost",
// 127.0.0.1 and ::1, a client certificate it signs, a self-signed "localhost"
// certificate nobody trusts, and a second CA that signed nothing. EC P-256 keys (fast
// to make). The PEM files live in a temporary directory removed at exit.
#pragma once

#include <string>

namespace corio::test {

struct TestCerts {
  std::string dir;
  std::string ca_cert;                  // the trusted CA
  std::string ca_pem;                   // its PEM text (for cadata=)
  std::string server_cert, server_key;  // signed by the CA: localhost, 127.0.0.1, ::1
  std::string client_cert, client_key;  // signed by the CA, for client authentication
  std::string self_signed_cert, self_signed_key;  // "localhost", signed by itself
  std::string other_ca_cert;            // a CA that signed none of these
};

/// The certificates, made on first use (once per process).
const TestCerts& test_certs();

}  // namespace corio::test
