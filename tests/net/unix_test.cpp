// Unix sockets: open_unix_connection / start_unix_server, the socket file's life,
// the abstract namespace, and the protocol API over a Unix socket.
#include <sys/stat.h>
#include <unistd.h>

#include "stream_test_util.hpp"

namespace corio::test {
namespace {

class UnixTest : public NetTest {
 protected:
  UnixTest() {
    char tmpl[] = "/tmp/corio-unix-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path = dir_ + "/sock";
  }
  ~UnixTest() override {
    ::unlink(path.c_str());
    ::rmdir(dir_.c_str());
  }
  static bool exists(const std::string& p) {
    struct stat st{};
    return ::stat(p.c_str(), &st) == 0;
  }
  std::string dir_;
  std::string path;
};

TEST_F(UnixTest, EchoOverAUnixSocketAndTheFileGoesAtClose) {
  run([this]() -> Coro<void> {
    Server server = co_await start_unix_server(echo_handler, path);
    EXPECT_TRUE(exists(path));
    EXPECT_EQ(server.sockets()[0].getsockname().host(), path);
    auto [reader, writer] = co_await open_unix_connection(path);
    writer.write("over unix\n");
    EXPECT_EQ(co_await reader.readline(), "over unix\n");
    EXPECT_EQ(std::any_cast<SocketAddress>(writer.get_extra_info("peername")).host(), path);
    EXPECT_EQ(std::any_cast<SocketAddress>(writer.get_extra_info("sockname")).family(), AF_UNIX);
    writer.write_eof();
    EXPECT_EQ(co_await reader.read(), "");
    server.close();
    EXPECT_FALSE(exists(path)) << "the socket file is removed at close (Python 3.13)";
    co_await server.wait_closed();
  }());
}

TEST_F(UnixTest, AStaleSocketFileIsReplaced) {
  {
    Socket stale(AF_UNIX, SOCK_STREAM);
    stale.bind(SocketAddress::unix_path(path));
  }  // closed, the file stays behind
  ASSERT_TRUE(exists(path));
  run([this]() -> Coro<void> {
    Server server = co_await start_unix_server(echo_handler, path);
    auto [reader, writer] = co_await open_unix_connection(path);
    writer.write("fresh\n");
    EXPECT_EQ(co_await reader.readline(), "fresh\n");
    server.close();
  }());
}

TEST_F(UnixTest, TheAbstractNamespaceLeavesNoFile) {
  std::string name = "@corio-test-" + std::to_string(::getpid());
  run([&]() -> Coro<void> {
    Server server = co_await start_unix_server(echo_handler, name);
    auto [reader, writer] = co_await open_unix_connection(name);
    writer.write("abstract\n");
    EXPECT_EQ(co_await reader.readline(), "abstract\n");
    EXPECT_EQ(std::any_cast<SocketAddress>(writer.get_extra_info("peername")).host(), name);
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(UnixTest, ConnectingToAMissingPathRaisesFileNotFoundError) {
  EXPECT_THROW(run(open_unix_connection(path)), FileNotFoundError);
}

TEST_F(UnixTest, ConnectingToAClosedServersPathIsRefused) {
  {
    Socket stale(AF_UNIX, SOCK_STREAM);
    stale.bind(SocketAddress::unix_path(path));
  }
  EXPECT_THROW(run(open_unix_connection(path)), ConnectionRefusedError);
}

struct Collect : Protocol {
  std::string data;
  int lost = 0;
  Transport* transport = nullptr;
  void connection_made(Transport& t) override { transport = &t; }
  void data_received(std::string_view d) override { data += d; }
  void connection_lost(std::exception_ptr) override { ++lost; }
};

struct Shout : Protocol {
  Transport* transport = nullptr;
  void connection_made(Transport& t) override { transport = &t; }
  void data_received(std::string_view d) override {
    std::string up(d);
    for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    transport->write(up);
  }
};

TEST_F(UnixTest, ProtocolsOverAUnixSocket) {
  run([this]() -> Coro<void> {
    Server server = co_await create_unix_server([] { return std::make_shared<Shout>(); }, path);
    auto client = std::make_shared<Collect>();
    ProtocolFactory factory = [client] { return client; };  // named: see protocol_test.cpp
    auto [transport, protocol] = co_await create_unix_connection(factory, path);
    EXPECT_EQ(protocol, client);
    transport->write("quiet");
    EXPECT_TRUE(co_await until([&] { return client->data == "QUIET"; }));
    transport->close();
    EXPECT_TRUE(co_await until([&] { return client->lost == 1; }));
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
