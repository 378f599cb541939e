// TLS for the protocol API: create_connection / create_server with ssl=, against the
// TLS streams (and each other): the protocol meets the connection only after the
// handshake, data both ways in many records, close_notify, certificate and handshake
// failures, timeouts on the virtual clock, and the options' validation.
#include "corio/net/create_connection.hpp"
#include "corio/sync/exceptions.hpp"
#include "ssl_test_util.hpp"

namespace corio::test {
namespace {

using SSLProtocolTest = NetTest;
using SSLProtocolTimeoutTest = VirtualLoopTest;

// Records the callbacks in order, and what the transport said about TLS when the
// connection was made.
struct Recorder : Protocol {
  std::vector<std::string> events;
  std::string data;
  Transport* transport = nullptr;
  std::string version;   // ssl_object's at connection_made
  bool server_side = false;
  std::exception_ptr lost_exc;
  void connection_made(Transport& t) override {
    transport = &t;
    events.push_back("made");
    std::any tls = t.get_extra_info("ssl_object");
    if (auto* o = std::any_cast<SSLObject>(&tls)) {
      version = o->version();
      server_side = o->server_side();
    }
  }
  void data_received(std::string_view d) override {
    if (events.back() != "data") events.push_back("data");
    data += d;
  }
  bool eof_received() override {
    events.push_back("eof");
    return false;
  }
  void connection_lost(std::exception_ptr e) override {
    events.push_back("lost");
    lost_exc = e;
    transport = nullptr;
  }
};

// Echoes every byte back through the (TLS) transport.
struct Echo : Protocol {
  Transport* transport = nullptr;
  std::shared_ptr<Recorder> seen = std::make_shared<Recorder>();
  void connection_made(Transport& t) override {
    transport = &t;
    seen->connection_made(t);
  }
  void data_received(std::string_view d) override { transport->write(d); }
};

std::string describe(std::exception_ptr e) {
  if (!e) return "none";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  } catch (...) {
    return "?";
  }
}

template <class P>
ProtocolFactory factory_of(const std::shared_ptr<P>& p) {
  return [p] { return p; };
}

// Waits (bounded by the test's limit) until `done()` holds, one loop turn at a time.
template <class F>
Coro<void> until(F done) {
  while (!done()) co_await sleep(std::chrono::milliseconds(1));
}

Coro<void> swallow(StreamReader r, StreamWriter) { co_await r.read(); }

TEST_F(SSLProtocolTest, AClientProtocolTalksTLSToAStreamsServer) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(describe_then_echo, "127.0.0.1", 0, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto rec = std::make_shared<Recorder>();
    ProtocolFactory factory = factory_of(rec);
    ConnectionOptions opts{.ssl = &client, .server_hostname = "localhost"};
    auto [transport, protocol] = co_await create_connection(factory, "127.0.0.1", port_of(server), opts);
    EXPECT_EQ(rec->events, std::vector<std::string>{"made"}) << "connection_made ran once the handshake was done";
    EXPECT_EQ(rec->version, "TLSv1.3");
    EXPECT_FALSE(rec->server_side);
    EXPECT_FALSE(transport->can_write_eof());
    EXPECT_THROW(transport->write_eof(), NotImplementedError);
    transport->write("hello over TLS\n");
    co_await until([&] { return rec->data.find("hello over TLS\n") != std::string::npos; });
    EXPECT_EQ(rec->data.substr(0, rec->data.find('\n')), "server_side=1 version=TLSv1.3 alpn=none");
    transport->close();
    co_await until([&] { return rec->events.back() == "lost"; });
    EXPECT_FALSE(rec->lost_exc);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, AServerProtocolEchoesAMegabyteInManyRecords) {
  run([]() -> Coro<void> {
    auto echo = std::make_shared<Echo>();
    ProtocolFactory factory = factory_of(echo);
    Server server = co_await create_server(factory, "127.0.0.1", 0, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto [reader, writer] = co_await open_connection("localhost", port_of(server), {.ssl = &client});
    const std::string payload = pattern(1 << 20);
    writer.write(payload);
    co_await writer.drain();
    std::string back = co_await reader.readexactly(payload.size());
    EXPECT_TRUE(back == payload) << "the echo differs from what was sent";
    EXPECT_EQ(echo->seen->events, std::vector<std::string>{"made"});
    EXPECT_TRUE(echo->seen->server_side);
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, TheClientsCloseNotifyReachesTheServerProtocolAsEof) {
  run([]() -> Coro<void> {
    auto rec = std::make_shared<Recorder>();
    ProtocolFactory factory = factory_of(rec);
    Server server = co_await create_server(factory, "127.0.0.1", 0, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto [reader, writer] = co_await open_connection("localhost", port_of(server), {.ssl = &client});
    writer.write("last words");
    writer.close();  // close_notify, then FIN
    co_await writer.wait_closed();
    co_await until([&] { return !rec->events.empty() && rec->events.back() == "lost"; });
    EXPECT_EQ(rec->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
    EXPECT_EQ(rec->data, "last words");
    EXPECT_FALSE(rec->lost_exc) << describe(rec->lost_exc);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, AnUntrustedCertificateFailsCreateConnectionAndTheProtocolNeverHearsOfIt) {
  run([]() -> Coro<void> {
    SSLContext bad = self_signed_server_context();
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &bad});
    SSLContext client = client_context();
    auto rec = std::make_shared<Recorder>();
    ProtocolFactory factory = factory_of(rec);
    ConnectionOptions opts{.ssl = &client, .server_hostname = "localhost"};
    EXPECT_THROW(co_await create_connection(factory, "127.0.0.1", port_of(server), opts), SSLCertVerificationError);
    EXPECT_TRUE(rec->events.empty());
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, AServerDropsGarbageWithoutMakingAProtocolConnectionAndGoesOnServing) {
  run([]() -> Coro<void> {
    auto echo = std::make_shared<Echo>();
    ProtocolFactory factory = factory_of(echo);
    Server server = co_await create_server(factory, "127.0.0.1", 0, {.ssl = &server_context()});
    {
      auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
      writer.write("GET / HTTP/1.0\r\n\r\n");
      std::string answer;
      try {
        answer = co_await reader.read();
      } catch (const ConnectionResetError&) {
      }
      EXPECT_EQ(answer.find("HTTP"), std::string::npos);
      writer.close();
    }
    EXPECT_TRUE(echo->seen->events.empty()) << "a connection whose handshake failed reached the protocol";
    SSLContext client = client_context();
    auto [reader, writer] = co_await open_connection("localhost", port_of(server), {.ssl = &client});
    writer.write("alive\n");
    EXPECT_EQ(co_await reader.readline(), "alive\n");
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, PauseReadingHoldsDecryptedDataUntilResumeReading) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto rec = std::make_shared<Recorder>();
    ProtocolFactory factory = factory_of(rec);
    ConnectionOptions opts{.ssl = &client, .server_hostname = "localhost"};
    auto [transport, protocol] = co_await create_connection(factory, "127.0.0.1", port_of(server), opts);
    transport->pause_reading();
    EXPECT_FALSE(transport->is_reading());
    transport->write("held\n");
    for (int i = 0; i < 50; ++i) co_await sleep(0s);  // the echo has every chance to arrive
    EXPECT_EQ(rec->data, "");
    transport->resume_reading();
    co_await until([&] { return rec->data == "held\n"; });
    transport->close();
    co_await until([&] { return rec->events.back() == "lost"; });
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, AUnixServerProtocolSpeaksTLS) {
  run([]() -> Coro<void> {
    std::string path = test_certs().dir + "/tls-protocol.sock";
    auto echo = std::make_shared<Echo>();
    ProtocolFactory factory = factory_of(echo);
    Server server = co_await create_unix_server(factory, path, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto [reader, writer] = co_await open_unix_connection(path, {.ssl = &client, .server_hostname = "localhost"});
    writer.write("unix\n");
    EXPECT_EQ(co_await reader.readline(), "unix\n");
    EXPECT_TRUE(echo->seen->server_side);
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(SSLProtocolTest, AConnectionMadeThatThrowsIsReportedAndCreateConnectionStillReturns) {
  struct Throws : Recorder {
    void connection_made(Transport& t) override {
      Recorder::connection_made(t);
      throw std::runtime_error("cannot start");
    }
  };
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.ssl = &server_context()});
    SSLContext client = client_context();
    auto rec = std::make_shared<Throws>();
    ProtocolFactory factory = factory_of(rec);
    ConnectionOptions opts{.ssl = &client, .server_hostname = "localhost"};
    auto [transport, protocol] = co_await create_connection(factory, "127.0.0.1", port_of(server), opts);
    co_await until([&] { return rec->events.back() == "lost"; });
    EXPECT_TRUE(transport->is_closing());
    server.close();
    co_await server.wait_closed();
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("call failed"), std::string::npos) << reports[0].message;
}

TEST_F(SSLProtocolTest, TheOptionsAreCheckedBeforeConnecting) {
  run([]() -> Coro<void> {
    ProtocolFactory factory = [] { return std::make_shared<Recorder>(); };
    ConnectionOptions server_side{.ssl = &server_context()};
    CORIO_EXPECT_THROW_MSG(co_await create_connection(factory, "127.0.0.1", 9, server_side), ValueError,
                           "create_connection needs a PROTOCOL_TLS_CLIENT context");
    ConnectionOptions name_only{.server_hostname = "localhost"};
    EXPECT_THROW(co_await create_connection(factory, "127.0.0.1", 9, name_only), ValueError);
    SSLContext client = client_context();
    ServerOptions client_side{.ssl = &client};
    CORIO_EXPECT_THROW_MSG(co_await create_server(factory, "127.0.0.1", 0, client_side), ValueError,
                           "create_server needs a PROTOCOL_TLS_SERVER context");
  }());
}

TEST_F(SSLProtocolTimeoutTest, AClientHandshakeTimesOutWithConnectionAbortedError) {
  run([this]() -> Coro<void> {
    Server silent = co_await start_server(swallow, "127.0.0.1", 0);
    SSLContext client = client_context();
    auto rec = std::make_shared<Recorder>();
    ProtocolFactory factory = factory_of(rec);
    ConnectionOptions opts{.ssl = &client, .server_hostname = "localhost", .ssl_handshake_timeout = 5s};
    double t0 = loop.time();
    CORIO_EXPECT_THROW_MSG(co_await create_connection(factory, "127.0.0.1", port_of(silent), opts),
                           ConnectionAbortedError,
                           "SSL handshake is taking longer than 5.0 seconds: aborting the connection");
    EXPECT_GE(loop.time() - t0, 5.0);
    EXPECT_TRUE(rec->events.empty());
    silent.close();
    co_await silent.wait_closed();
  }());
}

TEST_F(SSLProtocolTimeoutTest, AServerDropsAClientThatNeverHandshakesAfterItsTimeout) {
  run([this]() -> Coro<void> {
    auto echo = std::make_shared<Echo>();
    ProtocolFactory factory = factory_of(echo);
    ServerOptions opts{.ssl = &server_context(), .ssl_handshake_timeout = 10s};
    Server server = co_await create_server(factory, "127.0.0.1", 0, opts);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    double t0 = loop.time();
    std::string got = co_await reader.read();
    EXPECT_EQ(got, "");
    EXPECT_GE(loop.time() - t0, 10.0);
    EXPECT_LT(loop.time() - t0, 11.0);
    EXPECT_TRUE(echo->seen->events.empty());
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
