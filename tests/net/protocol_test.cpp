// The transports-and-protocols API: create_connection / create_server with Protocol
// and Transport, create_datagram_endpoint with DatagramProtocol (UDP echo).
#include <sys/socket.h>

#include "corio/sync/exceptions.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using ProtocolTest = NetTest;

// Records every callback in order.
struct Recorder : Protocol {
  std::vector<std::string> events;
  std::string data;
  std::exception_ptr lost_exc;
  Transport* transport = nullptr;
  bool keep_open_on_eof = false;
  int pauses = 0, resumes = 0;
  void connection_made(Transport& t) override {
    transport = &t;
    events.push_back("made");
  }
  void data_received(std::string_view d) override {
    if (events.back() != "data") events.push_back("data");
    data += d;
  }
  bool eof_received() override {
    events.push_back("eof");
    return keep_open_on_eof;
  }
  void connection_lost(std::exception_ptr e) override {
    events.push_back("lost");
    lost_exc = e;
    transport = nullptr;
  }
  void pause_writing() override { ++pauses; }
  void resume_writing() override { ++resumes; }
  bool lost() const { return !events.empty() && events.back() == "lost"; }
};

struct EchoProtocol : Protocol {
  Transport* transport = nullptr;
  void connection_made(Transport& t) override { transport = &t; }
  void data_received(std::string_view d) override { transport->write(d); }
};

// Factories are named variables, never lambda temporaries inside a co_await: g++ 12
// destroys a class temporary bound to a reference in a co_await expression twice, which
// would release a captured shared_ptr once too often.
template <class P>
ProtocolFactory factory_of(const std::shared_ptr<P>& p) {
  return [p] { return p; };
}
template <class P>
DatagramProtocolFactory datagram_factory_of(const std::shared_ptr<P>& p) {
  return [p] { return p; };
}

ProtocolFactory echo_factory() {
  return [] { return std::make_shared<EchoProtocol>(); };
}

TEST_F(ProtocolTest, EchoRoundTripAndTheCallbacksInOrder) {
  run([]() -> Coro<void> {
    Server server = co_await create_server(echo_factory(), "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    EXPECT_EQ(rec->events, std::vector<std::string>{"made"}) << "connection_made ran before create_connection returned";
    EXPECT_EQ(std::any_cast<SocketAddress>(transport->get_extra_info("peername")).port(), port_of(server));
    transport->write("hello ");
    transport->writelines(std::vector<std::string_view>{"pro", "tocol"});
    EXPECT_TRUE(co_await until([&] { return rec->data == "hello protocol"; }));
    EXPECT_TRUE(transport->is_reading());
    transport->close();
    EXPECT_TRUE(transport->is_closing());
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    EXPECT_EQ(rec->events, (std::vector<std::string>{"made", "data", "lost"}));
    EXPECT_EQ(rec->lost_exc, nullptr);
    server.close();
    co_await server.wait_closed();
  }());
}

// Answers with the size of the request once the request is complete (EOF).
struct CountThenAnswer : Protocol {
  Transport* transport = nullptr;
  std::size_t n = 0;
  void connection_made(Transport& t) override { transport = &t; }
  void data_received(std::string_view d) override { n += d.size(); }
  bool eof_received() override {
    transport->write(std::to_string(n));
    transport->close();
    return true;  // keep the transport open: the reply still has to go out
  }
};

TEST_F(ProtocolTest, HalfCloseWithWriteEofAndAKeptOpenServerSide) {
  run([]() -> Coro<void> {
    Server server = co_await create_server([] { return std::make_shared<CountThenAnswer>(); }, "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    EXPECT_TRUE(transport->can_write_eof());
    transport->write(std::string(300000, 'r'));
    transport->write_eof();
    EXPECT_THROW(transport->write("x"), RuntimeError);
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    EXPECT_EQ(rec->data, "300000");
    EXPECT_EQ(rec->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ProtocolTest, PauseReadingHoldsTheDataUntilResumeReading) {
  run([]() -> Coro<void> {
    Server server = co_await create_server(echo_factory(), "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    transport->pause_reading();
    EXPECT_FALSE(transport->is_reading());
    transport->write("while paused");
    for (int i = 0; i < 100; ++i) co_await sleep(0s);
    EXPECT_EQ(rec->data, "") << "no data_received while paused";
    transport->resume_reading();
    EXPECT_TRUE(co_await until([&] { return rec->data == "while paused"; }));
    transport->close();
    server.close();
  }());
}

TEST_F(ProtocolTest, PauseWritingAndResumeWritingAtTheWaterMarks) {
  run([]() -> Coro<void> {
    // The server does not read until told to.
    struct Lazy : Protocol {
      Transport* t = nullptr;
      void connection_made(Transport& tr) override {
        t = &tr;
        t->pause_reading();
      }
    };
    auto lazy = std::make_shared<Lazy>();
    Server server = co_await create_server(factory_of(lazy), "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    transport->set_write_buffer_limits(1 << 20);
    EXPECT_THROW(transport->set_write_buffer_limits(1, 2), ValueError);
    transport->write(std::string(24u << 20, 'w'));
    EXPECT_EQ(rec->pauses, 1) << "pause_writing above the high-water mark";
    EXPECT_TRUE(co_await until([&] { return lazy->t != nullptr; }));
    lazy->t->resume_reading();
    EXPECT_TRUE(co_await until([&] { return rec->resumes == 1; }));
    EXPECT_LE(transport->get_write_buffer_size(), 256u * 1024);
    transport->close();
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    server.close();
  }());
}

TEST_F(ProtocolTest, AbortDropsTheBufferAndConnectionLostIsCalledOnce) {
  run([]() -> Coro<void> {
    Server server = co_await create_server(echo_factory(), "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    transport->abort();
    transport->abort();
    transport->close();
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    EXPECT_EQ(std::any_cast<int>(transport->get_extra_info("socket")), -1);
    for (int i = 0; i < 10; ++i) co_await sleep(0s);
    EXPECT_EQ(rec->events, (std::vector<std::string>{"made", "lost"}));
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ProtocolTest, AnExceptionInDataReceivedIsReportedAndAbortsTheTransport) {
  struct Throws : Protocol {
    void data_received(std::string_view) override { throw std::runtime_error("bad data"); }
  };
  run([]() -> Coro<void> {
    Server server = co_await create_server([] { return std::make_shared<Throws>(); }, "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    transport->write("boom");
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    EXPECT_EQ(rec->events, (std::vector<std::string>{"made", "eof", "lost"}));
    server.close();
    co_await server.wait_closed();
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].message, "Fatal error: protocol.data_received() call failed");
}

TEST_F(ProtocolTest, ConnectionLostCarriesTheErrorOfAReset) {
  struct Resetter : Protocol {
    void connection_made(Transport& t) override {
      linger lg{1, 0};
      ::setsockopt(std::any_cast<int>(t.get_extra_info("socket")), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      t.abort();
    }
  };
  run([]() -> Coro<void> {
    Server server = co_await create_server([] { return std::make_shared<Resetter>(); }, "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    EXPECT_TRUE(co_await until([&] { return rec->lost(); }));
    EXPECT_THROW(std::rethrow_exception(rec->lost_exc), ConnectionResetError);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ProtocolTest, CreateConnectionToAClosedPortRaisesConnectionRefusedError) {
  std::uint16_t port = unused_port();
  bool made = false;
  EXPECT_THROW(run(create_connection(
                   [&made] {
                     made = true;
                     return std::make_shared<Protocol>();
                   },
                   "127.0.0.1", port)),
               ConnectionRefusedError);
  EXPECT_FALSE(made) << "no protocol for a failed connection";
}

TEST_F(ProtocolTest, ServerWaitClosedWaitsForProtocolConnections) {
  run([]() -> Coro<void> {
    Server server = co_await create_server(echo_factory(), "127.0.0.1", 0);
    auto rec = std::make_shared<Recorder>();
    auto [transport, protocol] = co_await create_connection(factory_of(rec), "127.0.0.1", port_of(server));
    transport->write("ping");
    EXPECT_TRUE(co_await until([&] { return rec->data == "ping"; }));
    server.close();
    auto waiting = create_task(server.wait_closed());
    for (int i = 0; i < 50; ++i) co_await sleep(0s);
    EXPECT_FALSE(waiting.done());
    transport->close();
    co_await waiting;
  }());
}

// ---- datagrams ----

struct UdpEcho : DatagramProtocol {
  DatagramTransport* transport = nullptr;
  void connection_made(DatagramTransport& t) override { transport = &t; }
  void datagram_received(std::string_view d, const SocketAddress& from) override { transport->sendto(d, from); }
};

struct UdpClient : DatagramProtocol {
  std::vector<std::string> got;
  std::vector<std::exception_ptr> errors;
  int lost = 0;
  void datagram_received(std::string_view d, const SocketAddress&) override { got.emplace_back(d); }
  void error_received(std::exception_ptr e) override { errors.push_back(e); }
  void connection_lost(std::exception_ptr) override { ++lost; }
};

TEST_F(ProtocolTest, UdpEchoThroughCreateDatagramEndpoint) {
  run([]() -> Coro<void> {
    auto [server, sp] = co_await create_datagram_endpoint([] { return std::make_shared<UdpEcho>(); },
                                                          SocketAddress("127.0.0.1", 0));
    auto server_addr = std::any_cast<SocketAddress>(server->get_extra_info("sockname"));
    EXPECT_FALSE(server->get_extra_info("peername").has_value());
    auto client = std::make_shared<UdpClient>();
    auto [transport, cp] = co_await create_datagram_endpoint(datagram_factory_of(client), std::nullopt, server_addr);
    EXPECT_EQ(std::any_cast<SocketAddress>(transport->get_extra_info("peername")), server_addr);
    for (int i = 0; i < 20; ++i) transport->sendto("datagram " + std::to_string(i));
    EXPECT_TRUE(co_await until([&] { return client->got.size() == 20; }));
    for (int i = 0; i < 20; ++i) EXPECT_EQ(client->got[i], "datagram " + std::to_string(i));
    EXPECT_THROW(transport->sendto("x", SocketAddress("127.0.0.1", 9)), ValueError)
        << "a connected endpoint only sends to its remote address";
    transport->close();
    server->close();
    EXPECT_TRUE(co_await until([&] { return client->lost == 1; }));
    EXPECT_TRUE(client->errors.empty());
  }());
}

TEST_F(ProtocolTest, AnUnconnectedEndpointSendsToAnyAddress) {
  run([]() -> Coro<void> {
    auto [server, sp] = co_await create_datagram_endpoint([] { return std::make_shared<UdpEcho>(); },
                                                          SocketAddress("127.0.0.1", 0));
    auto client = std::make_shared<UdpClient>();
    auto [transport, cp] =
        co_await create_datagram_endpoint(datagram_factory_of(client), SocketAddress("127.0.0.1", 0));
    transport->sendto("to", std::any_cast<SocketAddress>(server->get_extra_info("sockname")));
    EXPECT_TRUE(co_await until([&] { return client->got.size() == 1; }));
    EXPECT_EQ(client->got[0], "to");
    transport->abort();
    server->abort();
  }());
}

TEST_F(ProtocolTest, AConnectedEndpointReportsARefusalThroughErrorReceived) {
  run([]() -> Coro<void> {
    // Nothing listens on this UDP port: the ICMP port unreachable comes back as
    // ECONNREFUSED on the connected socket.
    Socket probe(AF_INET, SOCK_DGRAM);
    probe.bind(SocketAddress("127.0.0.1", 0));
    SocketAddress dead = probe.getsockname();
    probe.close();
    auto client = std::make_shared<UdpClient>();
    auto [transport, cp] = co_await create_datagram_endpoint(datagram_factory_of(client), std::nullopt, dead);
    for (int i = 0; i < 1000 && client->errors.empty(); ++i) {
      transport->sendto("anyone?");
      co_await sleep(1ms);
    }
    EXPECT_FALSE(client->errors.empty());
    if (!client->errors.empty()) {
      EXPECT_THROW(std::rethrow_exception(client->errors[0]), ConnectionRefusedError);
    }
    EXPECT_FALSE(transport->is_closing()) << "an error does not close the endpoint";
    transport->close();
  }());
}

}  // namespace
}  // namespace corio::test
