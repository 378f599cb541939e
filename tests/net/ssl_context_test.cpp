// SSLContext without a connection: Python's defaults per side, the rules between
// check_hostname and verify_mode, versions, loading credentials and its errors, and the
// SSLError family.
#include "corio/sync/exceptions.hpp"
#include "ssl_test_util.hpp"

namespace corio::test {
namespace {

TEST(SSLContext, AClientContextVerifiesAndChecksNamesByDefault) {
  SSLContext ctx(PROTOCOL_TLS_CLIENT);
  EXPECT_EQ(ctx.protocol(), PROTOCOL_TLS_CLIENT);
  EXPECT_TRUE(ctx.check_hostname());
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
  EXPECT_EQ(ctx.minimum_version(), TLSVersion::TLSv1_2);
  EXPECT_EQ(ctx.maximum_version(), TLSVersion::MAXIMUM_SUPPORTED);
  EXPECT_NE(ctx.native_handle(), nullptr);
}

TEST(SSLContext, AServerContextAsksForNoClientCertificateByDefault) {
  SSLContext ctx(PROTOCOL_TLS_SERVER);
  EXPECT_FALSE(ctx.check_hostname());
  EXPECT_EQ(ctx.verify_mode(), CERT_NONE);
}

TEST(SSLContext, CreateDefaultContextGivesEachPurposeItsSide) {
  SSLContext client = create_default_context();
  EXPECT_EQ(client.protocol(), PROTOCOL_TLS_CLIENT);
  EXPECT_TRUE(client.check_hostname());
  SSLContext server = create_default_context(Purpose::CLIENT_AUTH);
  EXPECT_EQ(server.protocol(), PROTOCOL_TLS_SERVER);
  EXPECT_EQ(server.verify_mode(), CERT_NONE);
}

TEST(SSLContext, CertNoneIsRefusedWhileHostnamesAreChecked) {
  SSLContext ctx(PROTOCOL_TLS_CLIENT);
  CORIO_EXPECT_THROW_MSG(ctx.set_verify_mode(CERT_NONE), ValueError,
                         "Cannot set verify_mode to CERT_NONE when check_hostname is enabled.");
  ctx.set_check_hostname(false);
  ctx.set_verify_mode(CERT_NONE);
  EXPECT_EQ(ctx.verify_mode(), CERT_NONE);
  ctx.set_check_hostname(true);  // as Python: turns verification back on
  EXPECT_EQ(ctx.verify_mode(), CERT_REQUIRED);
}

TEST(SSLContext, CopiesShareOneContext) {
  SSLContext a(PROTOCOL_TLS_CLIENT);
  SSLContext b = a;
  b.set_minimum_version(TLSVersion::TLSv1_3);
  b.set_check_hostname(false);
  EXPECT_EQ(a.minimum_version(), TLSVersion::TLSv1_3);
  EXPECT_FALSE(a.check_hostname());
  EXPECT_EQ(a.native_handle(), b.native_handle());
}

TEST(SSLContext, LoadCertChainReportsMissingFilesAndMismatchedKeys) {
  SSLContext ctx(PROTOCOL_TLS_SERVER);
  CORIO_EXPECT_THROW_MSG(ctx.load_cert_chain(test_certs().dir + "/missing.pem"), FileNotFoundError, "missing.pem");
  CORIO_EXPECT_THROW_MSG(ctx.load_cert_chain(test_certs().server_cert, test_certs().client_key), SSLError,
                         "KEY_VALUES_MISMATCH");
  CORIO_EXPECT_THROW_MSG(ctx.load_cert_chain(test_certs().server_key, test_certs().server_key), SSLError, "PEM lib");
  ctx.load_cert_chain(test_certs().server_cert, test_certs().server_key);
}

TEST(SSLContext, LoadVerifyLocationsTakesFilesOrPEMText) {
  SSLContext ctx(PROTOCOL_TLS_CLIENT);
  EXPECT_THROW(ctx.load_verify_locations(), ValueError);
  EXPECT_THROW(ctx.load_verify_locations(test_certs().dir + "/missing.pem"), FileNotFoundError);
  CORIO_EXPECT_THROW_MSG(ctx.load_verify_locations({}, {}, "not a certificate"), SSLError,
                         "NO_CERTIFICATE_OR_CRL_FOUND");
  ctx.load_verify_locations({}, {}, test_certs().ca_pem);
  ctx.load_verify_locations(test_certs().ca_cert);
}

TEST_F(NetTest, ACAGivenAsPEMTextIsTrusted) {
  run([]() -> Coro<void> {
    SSLContext client = create_default_context(Purpose::SERVER_AUTH, {}, {}, test_certs().ca_pem);
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    writer.write("cadata\n");
    EXPECT_EQ(co_await reader.readline(), "cadata\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST(SSLContext, ALPNNamesMustBeOneTo255Bytes) {
  SSLContext ctx(PROTOCOL_TLS_CLIENT);
  EXPECT_THROW(ctx.set_alpn_protocols({"h2", ""}), ValueError);
  EXPECT_THROW(ctx.set_alpn_protocols({std::string(256, 'x')}), ValueError);
  ctx.set_alpn_protocols({"h2", "http/1.1"});
}

TEST(SSLContext, SetCiphersRejectsAListThatMatchesNothing) {
  SSLContext ctx(PROTOCOL_TLS_CLIENT);
  CORIO_EXPECT_THROW_MSG(ctx.set_ciphers("NO-SUCH-CIPHER"), SSLError, "No cipher can be selected.");
  ctx.set_ciphers("ECDHE+AESGCM");
}

TEST(SSLError, IsAnOSErrorAndTheVerificationErrorIsAnSSLError) {
  try {
    throw SSLCertVerificationError(18, "self-signed certificate");
  } catch (const OSError& e) {
    EXPECT_STREQ(e.what(), "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate");
    EXPECT_EQ(e.errno_value(), 1);  // Python's SSLError.errno: SSL_ERROR_SSL
    const auto* v = dynamic_cast<const SSLCertVerificationError*>(&e);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->verify_code, 18);
    EXPECT_EQ(v->library, "SSL");
  }
}

}  // namespace
}  // namespace corio::test
