// Seed 003, example 20, the other end: the seed's wget() is an asyncio streams client;
// this is the server side it talks to, with asyncio's streams on both ends: the TCP
// echo server and client of the asyncio documentation, three clients at once. The seed
// says "if asyncio.sleep() is replaced by real I/O, many coroutines can be run
// concurrently by one thread": here one thread serves three connections and runs the
// three clients, all on one loop.
//
//   async def handle_echo(reader, writer):
//       data = await reader.read(100)
//       message = data.decode()
//       addr = writer.get_extra_info('peername')
//       print(f"Received {message!r} from {addr!r}")
//       print(f"Send: {message!r}")
//       writer.write(data)
//       await writer.drain()
//       print("Close the connection")
//       writer.close()
//       await writer.wait_closed()
//
//   async def tcp_echo_client(message):
//       reader, writer = await asyncio.open_connection('127.0.0.1', 8888)
//       print(f'Send: {message!r}')
//       writer.write(message.encode())
//       await writer.drain()
//       data = await reader.read(100)
//       print(f'Received: {data.decode()!r}')
//       writer.close()
//       await writer.wait_closed()
//
//   server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//
// Port 0 instead of 8888 (any free port), and the server's messages are prefixed with
// "server" so that its lines and the clients' can be told apart.
#include <corio/corio.hpp>
#include <corio/net/server.hpp>
#include <corio/net/streams.hpp>

#include <cstdio>
#include <string>

#include "tour.hpp"

namespace seed003 {
namespace {

corio::Coro<void> handle_echo(corio::StreamReader reader, corio::StreamWriter writer) {
  std::string data = co_await reader.read(100);
  auto addr = std::any_cast<corio::SocketAddress>(writer.get_extra_info("peername"));
  std::printf("server: Received '%s' from %s\n", data.c_str(), addr.to_string().c_str());
  std::printf("server: Send: '%s'\n", data.c_str());
  writer.write(data);
  co_await writer.drain();
  std::printf("server: Close the connection\n");
  writer.close();
  co_await writer.wait_closed();
}

corio::Coro<void> tcp_echo_client(std::string message, std::uint16_t port) {
  auto [reader, writer] = co_await corio::open_connection("127.0.0.1", port);
  std::printf("Send: '%s'\n", message.c_str());
  writer.write(message);
  co_await writer.drain();
  std::string data = co_await reader.read(100);
  std::printf("Received: '%s'\n", data.c_str());
  writer.close();
  co_await writer.wait_closed();
}

corio::Coro<void> main_coro() {
  corio::Server server = co_await corio::start_server(handle_echo, "127.0.0.1", 0);
  std::uint16_t port = server.sockets()[0].getsockname().port();
  std::printf("Serving on 127.0.0.1:%u\n", static_cast<unsigned>(port));
  co_await corio::gather(tcp_echo_client("Hello World! 1", port), tcp_echo_client("Hello World! 2", port),
                         tcp_echo_client("Hello World! 3", port));
  server.close();
  co_await server.wait_closed();
  std::printf("Server closed\n");
}

}  // namespace

int echo_server_main() {
  corio::run(main_coro());
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 20,
    .name = "echo_server",
    .title = "the server end of 003.20: asyncio's streams echo server and three clients on one loop",
    .python = "server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888); "
              "reader, writer = await asyncio.open_connection('127.0.0.1', 8888); writer.write(...); "
              "data = await reader.read(100)",
    .shows = "start_server runs a task per connection; one thread serves three clients and runs them too",
    .run = &seed003::echo_server_main,
    .check =
        [](corio::tour::Check& c) {
          c.expect(c.count(R"(Serving on 127\.0\.0\.1:\d+)") == 1, "the server says where it listens");
          for (const char* n : {"1", "2", "3"}) {
            std::string m = std::string("Hello World! ") + n;
            c.expect(c.count("Send: '" + m + "'") == 1, "client " + std::string(n) + " sends once");
            c.expect(c.count("Received: '" + m + "'") == 1, "client " + std::string(n) + " gets its echo");
            c.expect(c.count(R"(server: Received ')" + m + R"(' from 127\.0\.0\.1:\d+)") == 1,
                     "the server receives message " + std::string(n) + " from a loopback port");
            c.expect(c.count("server: Send: '" + m + "'") == 1, "the server echoes message " + std::string(n));
          }
          c.expect(c.count("server: Close the connection") == 3, "the server closes each connection");
          const auto& out = c.transcript().out;
          c.expect(!out.empty() && out.back().text == "Server closed", "the server closes last");
          c.expect(out.size() == 17, "17 lines");
        },
});
