// TLS streams: open_connection and start_server with ssl=, over loopback with
// certificates made at run time. Echo both ways, what the session tells (version,
// certificate, ALPN), several megabytes each way under back-pressure, close_notify and
// EOF without it, the certificate checks that must fail, and start_tls.
#include <sys/socket.h>

#include "ssl_test_util.hpp"

namespace corio::test {
namespace {

using SSLTest = NetTest;

constexpr std::size_t kBig = 6 << 20;

TEST_F(SSLTest, EchoOverTLSWithAVerifiedCertificate) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    writer.write("hello\n");
    co_await writer.drain();
    EXPECT_EQ(co_await reader.readline(), "hello\n");
    writer.writelines({"a", "", "b", "c\n"});
    EXPECT_EQ(co_await reader.readline(), "abc\n");
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, TheWriterDescribesTheSessionAndThePeerCertificate) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(describe_then_echo, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    EXPECT_EQ(co_await reader.readline(), "server_side=1 version=TLSv1.3 alpn=none\n");
    std::optional<SSLObject> tls = writer.ssl_object();
    EXPECT_TRUE(tls.has_value());
    if (!tls) co_return;
    EXPECT_EQ(tls->version(), "TLSv1.3");
    EXPECT_FALSE(tls->server_side());
    EXPECT_EQ(tls->server_hostname(), "127.0.0.1");  // the host, by default
    EXPECT_EQ(tls->selected_alpn_protocol(), std::nullopt);
    EXPECT_TRUE(tls->cipher().has_value());
    std::optional<PeerCertificate> cert = tls->getpeercert();
    EXPECT_TRUE(cert.has_value());
    if (!cert) co_return;
    EXPECT_EQ(cert->subject_value("commonName"), "localhost");
    EXPECT_EQ(cert->version, 3);
    EXPECT_FALSE(cert->der.empty());
    EXPECT_NE(std::find(cert->subjectAltName.begin(), cert->subjectAltName.end(),
                        std::pair<std::string, std::string>("IP Address", "127.0.0.1")),
              cert->subjectAltName.end());
    // The same through asyncio's get_extra_info names.
    EXPECT_EQ(std::any_cast<SSLObject>(writer.get_extra_info("ssl_object")).version(), "TLSv1.3");
    auto peercert = std::any_cast<std::optional<PeerCertificate>>(writer.get_extra_info("peercert"));
    EXPECT_EQ(peercert.value().subject_value("commonName"), "localhost");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, ServerHostnameIsSentInSNIAndVerified) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server),
                                                     {.ssl = &client, .server_hostname = "localhost"});
    EXPECT_EQ(writer.ssl_object()->server_hostname(), "localhost");
    writer.write("sni\n");
    EXPECT_EQ(co_await reader.readline(), "sni\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, APlainConnectionHasNoSSLObject) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_FALSE(writer.ssl_object().has_value());
    EXPECT_FALSE(writer.get_extra_info("ssl_object").has_value());
    writer.close();
    server.close();
  }());
}

Coro<void> write_from(StreamWriter w, const std::string* data) {
  for (std::size_t off = 0; off < data->size(); off += 100'000) {
    w.write(std::string_view(*data).substr(off, 100'000));
    co_await w.drain();
  }
}

TEST_F(SSLTest, SeveralMegabytesEchoWhileBothSidesApplyBackPressure) {
  run(
      []() -> Coro<void> {
        SSLContext client = client_context();
        Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
        auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
        const std::string payload = pattern(kBig);
        Task<void> sending = create_task(write_from(writer, &payload));
        std::string echoed = co_await reader.readexactly(payload.size());
        co_await sending;
        EXPECT_EQ(echoed.size(), payload.size());
        EXPECT_TRUE(echoed == payload) << "the echoed bytes differ";
        writer.close();
        server.close();
        co_await server.wait_closed();
      }(),
      60s);
}

Coro<void> send_big_then_close(StreamReader, StreamWriter w) {
  w.write(pattern(kBig));  // one write: the buffer takes it all, drain() waits it out
  co_await w.drain();
  w.close();
}

TEST_F(SSLTest, ABigDownloadEndsWithCloseNotifyAsEOF) {
  run(
      []() -> Coro<void> {
        SSLContext client = client_context();
        Server server = co_await start_server(send_big_then_close, "127.0.0.1", 0, {.ssl = &server_context()});
        auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
        std::string all = co_await reader.read();
        EXPECT_EQ(all.size(), kBig);
        EXPECT_TRUE(all == pattern(kBig));
        EXPECT_TRUE(reader.at_eof());
        writer.close();
        server.close();
        co_await server.wait_closed();
      }(),
      60s);
}

// Reads until EOF (the client's close_notify), then answers with the size and closes.
Coro<void> count_until_eof(StreamReader r, StreamWriter w) {
  std::string all = co_await r.read();
  w.write(std::to_string(all.size()) + (all == pattern(all.size()) ? " intact\n" : " corrupt\n"));
  co_await w.drain();
  w.close();
}

TEST_F(SSLTest, WriteEOFSendsCloseNotifyAndTheOtherDirectionStaysOpen) {
  run(
      []() -> Coro<void> {
        SSLContext client = client_context();
        Server server = co_await start_server(count_until_eof, "127.0.0.1", 0, {.ssl = &server_context()});
        auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
        EXPECT_TRUE(writer.can_write_eof());
        writer.write(pattern(kBig));
        writer.write_eof();
        EXPECT_EQ(co_await reader.read(), std::to_string(kBig) + " intact\n");
        EXPECT_TRUE(reader.at_eof());
        writer.close();
        co_await writer.wait_closed();
        server.close();
        co_await server.wait_closed();
      }(),
      60s);
}

Coro<void> reply_then_abort(StreamReader r, StreamWriter w) {
  co_await r.readline();
  w.write("bye\n");
  w.abort();  // no close_notify: the TCP connection just ends
}

TEST_F(SSLTest, EOFWithoutCloseNotifyReadsAsEOFAsInAsyncio) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(reply_then_abort, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    writer.write("hi\n");
    EXPECT_EQ(co_await reader.readline(), "bye\n");
    EXPECT_EQ(co_await reader.read(), "");
    EXPECT_TRUE(reader.at_eof());
    EXPECT_EQ(reader.exception(), nullptr);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

// Sends "hello", then "world\n" once the client says "go".
Coro<void> hello_go_world(StreamReader r, StreamWriter w) {
  w.write("hello");
  // Not `if (co_await r.readline() == ...)`: built by g++ 12 -O3, that form trapped
  // (ud2 on the frame's cold path) when the read ended with an exception.
  std::string line = co_await r.readline();
  if (line == "go\n") w.write("world\n");
  co_await r.read();
}

TEST_F(SSLTest, ACancelledReadLosesNoDecryptedByte) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(hello_go_world, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    Task<std::string> line = create_task(reader.readline());
    EXPECT_TRUE(co_await until([&] { return reader.buffered() == 5; })) << "the read decrypted \"hello\"";
    line.cancel();
    EXPECT_THROW(co_await line, CancelledError);
    writer.write("go\n");
    EXPECT_EQ(co_await reader.readline(), "helloworld\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, AnUntrustedCAFailsVerificationAndTheServerGoesOn) {
  run([]() -> Coro<void> {
    SSLContext wrong = create_default_context(Purpose::SERVER_AUTH, test_certs().other_ca_cert);
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    CORIO_EXPECT_THROW_MSG(co_await open_connection("127.0.0.1", port_of(server), {.ssl = &wrong}),
                           SSLCertVerificationError, "certificate verify failed: unable to get local issuer");
    SSLContext right = client_context();
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &right});
    writer.write("still serving\n");
    EXPECT_EQ(co_await reader.readline(), "still serving\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, ASelfSignedCertificateFailsVerification) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    SSLContext self_signed = self_signed_server_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &self_signed});
    bool raised = false;
    try {
      co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    } catch (const SSLCertVerificationError& e) {
      raised = true;
      EXPECT_STREQ(e.what(), "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate");
      EXPECT_EQ(e.verify_message, "self-signed certificate");
      EXPECT_EQ(e.reason, "CERTIFICATE_VERIFY_FAILED");
    }
    EXPECT_TRUE(raised);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, AHostnameMismatchFailsVerification) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    bool raised = false;
    try {
      co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client, .server_hostname = "example.com"});
    } catch (const SSLCertVerificationError& e) {
      raised = true;
      EXPECT_STREQ(e.what(),
                   "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is "
                   "not valid for 'example.com'.");
      EXPECT_EQ(e.verify_code, 62);  // X509_V_ERR_HOSTNAME_MISMATCH
    }
    EXPECT_TRUE(raised);
    CORIO_EXPECT_THROW_MSG(
        co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client, .server_hostname = "127.0.0.2"}),
        SSLCertVerificationError, "IP address mismatch, certificate is not valid for '127.0.0.2'.");
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, CertNoneAcceptsAnyCertificateButDoesNotDecodeIt) {
  run([]() -> Coro<void> {
    SSLContext client(PROTOCOL_TLS_CLIENT);
    client.set_check_hostname(false);
    client.set_verify_mode(CERT_NONE);
    SSLContext self_signed = self_signed_server_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &self_signed});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server),
                                                     {.ssl = &client, .server_hostname = "example.com"});
    writer.write("unverified\n");
    EXPECT_EQ(co_await reader.readline(), "unverified\n");
    std::optional<PeerCertificate> cert = writer.ssl_object()->getpeercert();
    EXPECT_TRUE(cert.has_value() && !cert->der.empty() && cert->subject.empty());
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, ALPNChoosesTheServersPreferredCommonProtocol) {
  run([]() -> Coro<void> {
    SSLContext server_ctx(PROTOCOL_TLS_SERVER);
    server_ctx.load_cert_chain(test_certs().server_cert, test_certs().server_key);
    server_ctx.set_alpn_protocols({"h2", "http/1.1"});
    SSLContext client = client_context();
    client.set_alpn_protocols({"http/1.1", "h2"});
    Server server = co_await start_server(describe_then_echo, "127.0.0.1", 0, {.ssl = &server_ctx});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    EXPECT_EQ(co_await reader.readline(), "server_side=1 version=TLSv1.3 alpn=h2\n");
    EXPECT_EQ(writer.ssl_object()->selected_alpn_protocol(), "h2");
    writer.close();

    SSLContext other = client_context();
    other.set_alpn_protocols({"spdy/3"});  // nothing in common: no ALPN, no failure
    auto [r2, w2] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &other});
    EXPECT_EQ(co_await r2.readline(), "server_side=1 version=TLSv1.3 alpn=none\n");
    EXPECT_EQ(w2.ssl_object()->selected_alpn_protocol(), std::nullopt);
    w2.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, TLS12IsNegotiatedWhenTheServerCapsTheVersion) {
  run([]() -> Coro<void> {
    SSLContext server_ctx(PROTOCOL_TLS_SERVER);
    server_ctx.load_cert_chain(test_certs().server_cert, test_certs().server_key);
    server_ctx.set_maximum_version(TLSVersion::TLSv1_2);
    SSLContext client = client_context();
    Server server = co_await start_server(describe_then_echo, "127.0.0.1", 0, {.ssl = &server_ctx});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client});
    EXPECT_EQ(co_await reader.readline(), "server_side=1 version=TLSv1.2 alpn=none\n");
    writer.write(pattern(300'000));
    EXPECT_TRUE(co_await reader.readexactly(300'000) == pattern(300'000));
    writer.close();

    client.set_minimum_version(TLSVersion::TLSv1_3);  // now nothing in common
    EXPECT_THROW(co_await open_connection("127.0.0.1", port_of(server), {.ssl = &client}), SSLError);
    server.close();
    co_await server.wait_closed();
  }());
}

// A line protocol that upgrades on "STARTTLS": "OK", then TLS, then echo.
Coro<void> starttls_handler(StreamReader r, StreamWriter w) {
  std::string line = co_await r.readline();
  if (line != "STARTTLS\n") co_return;
  w.write("OK\n");
  co_await w.drain();
  try {
    co_await w.start_tls(server_context());
  } catch (const OSError&) {
    co_return;  // the client gave up (a test of the client side)
  }
  co_await echo_handler(std::move(r), std::move(w));
}

TEST_F(SSLTest, StartTLSUpgradesAnOpenConnectionOnBothSides) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(starttls_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write("STARTTLS\n");
    EXPECT_EQ(co_await reader.readline(), "OK\n");
    EXPECT_FALSE(writer.ssl_object().has_value());
    co_await writer.start_tls(client, {.server_hostname = "localhost"});
    EXPECT_EQ(writer.ssl_object()->version(), "TLSv1.3");
    writer.write("secret\n");
    EXPECT_EQ(co_await reader.readline(), "secret\n");
    EXPECT_THROW(co_await writer.start_tls(client, {.server_hostname = "localhost"}), RuntimeError);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, StartTLSWithoutAServerNameFailsWhenTheContextChecksNames) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    Server server = co_await start_server(starttls_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_THROW(co_await writer.start_tls(client), ValueError);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, OptionsOfTheWrongSideAreValueErrors) {
  run([]() -> Coro<void> {
    SSLContext client = client_context();
    EXPECT_THROW(co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &client}), ValueError);
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    EXPECT_THROW(co_await open_connection("127.0.0.1", port_of(server), {.ssl = &server_context()}), ValueError);
    EXPECT_THROW(co_await open_connection("127.0.0.1", port_of(server), {.server_hostname = "localhost"}), ValueError);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTest, TLSWorksOverUnixSockets) {
  run([]() -> Coro<void> {
    std::string path = test_certs().dir + "/tls.sock";
    SSLContext client = client_context();
    Server server = co_await start_unix_server(echo_handler, path, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_unix_connection(path, {.ssl = &client, .server_hostname = "localhost"});
    writer.write("unix\n");
    EXPECT_EQ(co_await reader.readline(), "unix\n");
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
