// TLS servers under misbehaving clients (garbage instead of a ClientHello, a client that
// never speaks, a missing client certificate), the handshake timeouts of both sides on
// the virtual clock, and interoperation with the openssl command (s_server, s_client).
#include <sys/socket.h>

#include "corio/net/subprocess.hpp"
#include "ssl_test_util.hpp"

namespace corio::test {
namespace {

using SSLServerTest = NetTest;
using corio::subprocess::DEVNULL;
using corio::subprocess::PIPE;
using corio::subprocess::Process;

// A TLS round trip that proves the server is still serving.
Coro<void> expect_tls_echo(std::uint16_t port) {
  SSLContext client = client_context();
  auto [reader, writer] = co_await open_connection("127.0.0.1", port, {.ssl = &client});
  writer.write("alive\n");
  EXPECT_EQ(co_await reader.readline(), "alive\n");
  writer.close();
  co_await writer.wait_closed();
}

// Reads until EOF and never answers.
Coro<void> swallow(StreamReader r, StreamWriter) { co_await r.read(); }

// Reads what the server sends until it closes (an alert, then EOF; or a reset).
Coro<std::string> read_until_closed(StreamReader r) {
  try {
    co_return co_await r.read();
  } catch (const ConnectionResetError&) {
    co_return std::string("<reset>");
  }
}

TEST_F(SSLServerTest, GarbageInsteadOfAClientHelloIsDroppedQuietly) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write("GET / HTTP/1.0\r\n\r\n");
    std::string answer = co_await read_until_closed(reader);
    EXPECT_EQ(answer.find("HTTP"), std::string::npos) << "no plaintext reply, only an alert or nothing";
    writer.close();
    co_await expect_tls_echo(port_of(server));  // the server goes on, and reported nothing
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLServerTest, InDebugModeAFailedHandshakeIsReported) {
  loop.set_debug(true);
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write(std::string(64, '\x16'));  // a handshake record type, then nonsense
    co_await read_until_closed(reader);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
  // (Debug mode may also report slow steps, e.g. key generation under a sanitizer.)
  int handshake_reports = 0;
  for (const ExceptionContext& r : errors.take()) {
    if (r.message.rfind("SSL handshake failed with 127.0.0.1:", 0) == 0) {
      ++handshake_reports;
      EXPECT_TRUE(r.exception != nullptr);
    }
  }
  EXPECT_EQ(handshake_reports, 1);
}

TEST_F(SSLServerTest, AServerThatRequiresClientCertificatesRefusesClientsWithout) {
  run([]() -> Coro<void> {
    SSLContext server_ctx = create_default_context(Purpose::CLIENT_AUTH, test_certs().ca_cert);
    server_ctx.load_cert_chain(test_certs().server_cert, test_certs().server_key);
    server_ctx.set_verify_mode(CERT_REQUIRED);
    Server server = co_await start_server(describe_then_echo, "127.0.0.1", 0, {.ssl = &server_ctx});

    // TLS 1.3: the client's handshake ends before the server checks its certificate,
    // so the refusal arrives as an alert on the first read.
    SSLContext anonymous = client_context();
    auto [r1, w1] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &anonymous});
    CORIO_EXPECT_THROW_MSG(co_await r1.readline(), SSLError, "CERTIFICATE_REQUIRED");
    w1.close();

    SSLContext with_cert = client_context();
    with_cert.load_cert_chain(test_certs().client_cert, test_certs().client_key);
    auto [r2, w2] = co_await open_connection("127.0.0.1", port_of(server), {.ssl = &with_cert});
    EXPECT_EQ(co_await r2.readline(), "server_side=1 version=TLSv1.3 alpn=none\n");
    w2.close();
    server.close();
    co_await server.wait_closed();
  }());
}

// Virtual time: the loop jumps to the next timer as soon as nothing is ready, so the
// 60 s limits pass at once while the sockets stay real.
using SSLTimeoutTest = VirtualLoopTest;

TEST_F(SSLTimeoutTest, AClientThatNeverHandshakesIsDroppedAfterSixtySeconds) {
  run([this]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    double t0 = loop.time();
    EXPECT_EQ(co_await read_until_closed(reader), "");  // the server closed without a word
    EXPECT_GE(loop.time() - t0, 60.0);
    EXPECT_LT(loop.time() - t0, 61.0);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLTimeoutTest, AClientHandshakeTimesOutWithConnectionAbortedError) {
  run([this]() -> Coro<void> {
    // A plain server that reads the ClientHello and never answers.
    Server silent = co_await start_server(swallow, "127.0.0.1", 0);
    SSLContext client = client_context();
    double t0 = loop.time();
    CORIO_EXPECT_THROW_MSG(
        co_await open_connection("127.0.0.1", port_of(silent), {.ssl = &client, .ssl_handshake_timeout = 5s}),
        ConnectionAbortedError, "SSL handshake is taking longer than 5.0 seconds: aborting the connection");
    EXPECT_GE(loop.time() - t0, 5.0);
    silent.close();
    co_await silent.wait_closed();
  }());
}

TEST_F(SSLServerTest, CancellingAHandshakeAbortsTheConnection) {
  run([]() -> Coro<void> {
    Server silent = co_await start_server(swallow, "127.0.0.1", 0);
    SSLContext client = client_context();
    Task<StreamPair> connecting = create_task(open_connection("127.0.0.1", port_of(silent), {.ssl = &client}));
    co_await sleep(0s);
    co_await sleep(0s);
    connecting.cancel();
    EXPECT_THROW(co_await connecting, CancelledError);
    silent.close();
    co_await silent.wait_closed();  // the handler saw the connection end
  }());
}

// ---- interoperation with the openssl command ----

TEST_F(SSLServerTest, OpensslSClientTalksToACorioServer) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    std::string connect = "127.0.0.1:" + std::to_string(port_of(server));
    Process p = co_await create_subprocess_exec(
        "openssl",
        {"s_client", "-connect", connect, "-CAfile", test_certs().ca_cert, "-servername", "localhost",
         "-verify_return_error", "-quiet", "-no_ign_eof"},
        {.stdin = PIPE, .stdout = PIPE, .stderr = DEVNULL});
    p.stdin->write("from s_client\n");
    co_await p.stdin->drain();
    EXPECT_EQ(co_await p.stdout->readline(), "from s_client\n");
    p.stdin->close();
    EXPECT_EQ(co_await p.wait(), 0);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLServerTest, ACorioClientTalksToOpensslSServer) {
  run([]() -> Coro<void> {
    // -rev: each line comes back reversed; -naccept 1: exit after one connection.
    Process p = co_await create_subprocess_exec(
        "openssl",
        {"s_server", "-accept", "127.0.0.1:0", "-cert", test_certs().server_cert, "-key", test_certs().server_key,
         "-rev", "-naccept", "1"},
        {.stdin = DEVNULL, .stdout = PIPE, .stderr = DEVNULL});
    std::string line;
    do {
      line = co_await p.stdout->readline();
    } while (!line.empty() && line.rfind("ACCEPT ", 0) != 0);
    EXPECT_FALSE(line.empty()) << "s_server did not start";
    if (line.empty()) co_return;
    auto port = static_cast<std::uint16_t>(std::stoi(line.substr(line.rfind(':') + 1)));
    SSLContext client = client_context();
    auto [reader, writer] = co_await open_connection("127.0.0.1", port, {.ssl = &client, .server_hostname = "localhost"});
    writer.write("corio\n");
    EXPECT_EQ(co_await reader.readline(), "oiroc\n");
    EXPECT_EQ(writer.ssl_object()->getpeercert()->subject_value("commonName"), "localhost");
    writer.close();
    co_await writer.wait_closed();
    EXPECT_EQ(co_await p.wait(), 0);
  }());
}

}  // namespace
}  // namespace corio::test
