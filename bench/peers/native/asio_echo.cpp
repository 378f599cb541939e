// asio_echo: W5's TCP echo server on Boost.Asio with C++20 coroutines, one io_context
// on one thread: a coroutine per connection doing async_read_some (up to 64 KiB) then
// async_write of what it read (Asio's own echo example, with TCP_NODELAY as asyncio and
// corio set it). Driven by bench/macro/w05_echo_client.
// usage: asio_echo PORT        (0: any free port)
// Prints "asio_echo: port=P pid=N" once listening, then serves until killed.
#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange (see asio_switch.cpp)

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace asio = boost::asio;
using asio::ip::tcp;

static asio::awaitable<void> echo(tcp::socket s) {
  s.set_option(tcp::no_delay(true));
  char data[65536];
  try {
    for (;;) {
      std::size_t n = co_await s.async_read_some(asio::buffer(data), asio::use_awaitable);
      co_await asio::async_write(s, asio::buffer(data, n), asio::use_awaitable);
    }
  } catch (const std::exception&) {
  }
}

static asio::awaitable<void> listener(tcp::acceptor& acceptor) {
  auto ex = co_await asio::this_coro::executor;
  for (;;) {
    tcp::socket s = co_await acceptor.async_accept(asio::use_awaitable);
    asio::co_spawn(ex, echo(std::move(s)), asio::detached);
  }
}

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
  if (port < 0 || port > 65535) {
    std::fprintf(stderr, "usage: asio_echo PORT\n");
    return 2;
  }
  asio::io_context io(1);
  tcp::acceptor acceptor(io);
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port));
  acceptor.open(ep.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(ep);
  acceptor.listen(1024);
  std::printf("asio_echo: port=%u pid=%d\n", acceptor.local_endpoint().port(), static_cast<int>(::getpid()));
  std::fflush(stdout);
  asio::co_spawn(io, listener(acceptor), asio::detached);
  io.run();
  return 0;
}
