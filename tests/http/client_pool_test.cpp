// ClientSession's connection pool and deadlines against scripted loopback servers: the
// limit and limit_per_host counted server-side, the FIFO wait, the pool timeout and a
// total deadline that does not include it, the retry on a kept-alive connection the
// server closed, and sock_read / total timeouts on a virtual clock.
#include "client_test_util.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

/// A server that holds every response until `hold` requests are in progress at once
/// (then answers them all), and records how many connections were ever open at once.
struct Counting {
  int open = 0;
  int peak = 0;
  int connections = 0;
  int in_flight = 0;
  int hold = 0;
  Event enough;
  ClientConnectedCallback handler() {
    return [this](StreamReader r, StreamWriter w) -> Coro<void> {
      ++connections;
      peak = std::max(peak, ++open);
      try {
        for (;;) {
          std::string req = co_await read_request(r);
          if (req.empty()) break;
          if (++in_flight >= hold) enough.set();
          co_await enough.wait();
          --in_flight;
          w.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
          co_await w.drain();
        }
      } catch (const ConnectionError&) {
      }
      --open;
    };
  }
};

Coro<std::string> fetch(ClientSession& session, std::string url) {
  auto resp = co_await session.get(url);
  co_return co_await resp.text();
}

Coro<std::string> fetch2(ClientSession& session, std::string url, RequestOptions options) {
  auto resp = co_await session.get(url, options);
  co_return co_await resp.text();
}

using ClientPoolTest = ClientTest;

TEST_F(ClientPoolTest, NoMoreConnectionsThanTheLimitAreEverOpen) {
  Counting c;
  c.hold = 3;
  run([&]() -> Coro<void> {
    auto handler = c.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session({.connector = TCPConnector({.limit = 3})});
    std::vector<Coro<std::string>> gets;
    for (int i = 0; i < 30; ++i) gets.push_back(fetch(session, url_of(server)));
    auto bodies = co_await gather(std::move(gets));
    EXPECT_EQ(bodies.size(), 30U);
    EXPECT_EQ(c.peak, 3) << "the limit is reached and never passed";
    EXPECT_EQ(c.connections, 3) << "queued requests reuse the pooled connections";
    EXPECT_EQ(session.connector().statistics().acquired, 0U);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientPoolTest, LimitPerHostIsCountedForEachHostApart) {
  Counting a, b;
  a.hold = b.hold = 2;
  run([&]() -> Coro<void> {
    auto ha = a.handler();
    auto hb = b.handler();
    Server sa = co_await start_server(ha, "127.0.0.1", 0);
    Server sb = co_await start_server(hb, "127.0.0.1", 0);
    ClientSession session({.connector = TCPConnector({.limit = 10, .limit_per_host = 2})});
    std::vector<Coro<std::string>> gets;
    for (int i = 0; i < 10; ++i) {
      gets.push_back(fetch(session, url_of(sa)));
      gets.push_back(fetch(session, url_of(sb)));
    }
    co_await gather(std::move(gets));
    EXPECT_EQ(a.peak, 2);
    EXPECT_EQ(b.peak, 2) << "a host at its limit does not hold back the other";
    co_await session.close();
    sa.close();
    sb.close();
    co_await sa.wait_closed();
    co_await sb.wait_closed();
  }());
}

TEST_F(ClientPoolTest, ARequestThatClosesItsConnectionFreesItsSlot) {
  Counting c;
  c.hold = 1;
  run([&]() -> Coro<void> {
    auto handler = c.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session({.connector = TCPConnector({.limit = 1, .force_close = true})});
    for (int i = 0; i < 3; ++i) EXPECT_EQ(co_await fetch(session, url_of(server)), "ok");
    EXPECT_EQ(c.connections, 3) << "force_close: a connection per request";
    EXPECT_EQ(c.peak, 1);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientPoolTest, AKeptAliveConnectionClosedByTheServerIsRetriedOnceForIdempotentMethods) {
  // Each connection answers one request, then reads the next and closes without a word:
  // the race of a server closing an idle connection just as the client reuses it.
  int connections = 0;
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [&connections](StreamReader r, StreamWriter w) -> Coro<void> {
      ++connections;
      co_await read_request(r);
      w.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      co_await w.drain();
      co_await read_request(r);
      w.close();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    EXPECT_EQ(co_await fetch(session, url_of(server)), "ok");
    EXPECT_EQ(co_await fetch(session, url_of(server)), "ok") << "retried on a new connection";
    EXPECT_EQ(connections, 2);
    bool raised = false;
    try {
      co_await session.post(url_of(server, "/p"));  // not idempotent: no retry
    } catch (const ServerDisconnectedError& e) {
      raised = std::string(e.what()).find("POST") != std::string::npos;
    }
    EXPECT_TRUE(raised);
    EXPECT_EQ(connections, 2);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientPoolTest, AFreshConnectionClosedBeforeAnyByteIsNotRetried) {
  int connections = 0;
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [&connections](StreamReader r, StreamWriter w) -> Coro<void> {
      ++connections;
      co_await read_request(r);
      w.close();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    bool raised = false;
    try {
      co_await session.get(url_of(server));
    } catch (const ServerDisconnectedError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    EXPECT_EQ(connections, 1);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientPoolTest, WaitingForThePoolIsBoundedByThePoolTimeoutAndNotByTotal) {
  // Each response sends half its body, then the rest once `rest` is set: until then
  // the response holds its connection and the pool's only slot.
  Event rest;
  run([&]() -> Coro<void> {
    ClientConnectedCallback handler = [&rest](StreamReader r, StreamWriter w) -> Coro<void> {
      for (;;) {
        std::string req = co_await read_request(r);
        if (req.empty()) break;
        w.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nok");
        co_await rest.wait();
        w.write("ok");
        co_await w.drain();
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session({.connector = TCPConnector({.limit = 1})});
    auto first = co_await session.get(url_of(server));
    RequestOptions short_pool{.timeout = ClientTimeout{.pool = 20ms}};
    bool pool_timeout = false;
    try {
      co_await session.get(url_of(server), short_pool);
    } catch (const ConnectionTimeoutError& e) {
      pool_timeout = std::string(e.what()).find("pool") != std::string::npos;
    }
    EXPECT_TRUE(pool_timeout);
    EXPECT_EQ(session.connector().statistics().waiting, 0U) << "the timed-out waiter left the queue";

    // A request queued behind the limit for longer than its total still gets its whole
    // total once it has a connection.
    RequestOptions short_total{.timeout = ClientTimeout{.total = 100ms}};
    auto second = create_task(fetch2(session, url_of(server), short_total));
    co_await sleep(300ms);  // the first response holds the slot this long
    EXPECT_FALSE(second.done());
    EXPECT_EQ(session.connector().statistics().waiting, 1U);
    rest.set();
    EXPECT_EQ(co_await first.text(), "okok");
    EXPECT_EQ(co_await second, "okok");
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

/// Reads requests and never answers; ends when the client closes.
Coro<void> silent(StreamReader r, StreamWriter) {
  try {
    while (true) {
      std::string req = co_await read_request(r);
      if (req.empty()) break;
    }
  } catch (const ConnectionError&) {
  }
}

using ClientDeadlineTest = VirtualLoopTest;

TEST_F(ClientDeadlineTest, ASilentServerRaisesSocketTimeoutErrorAfterSockRead) {
  run([&]() -> Coro<void> {
    Server server = co_await start_server(silent, "127.0.0.1", 0);
    ClientTimeout t = no_deadlines();
    t.sock_read = std::chrono::hours(1);
    ClientSession session({.timeout = t});
    double start = loop.time();
    bool raised = false;
    try {
      co_await session.get(url_of(server, "/slow"));
    } catch (const SocketTimeoutError& e) {
      raised = std::string(e.what()).find("/slow") != std::string::npos;
    }
    EXPECT_TRUE(raised);
    EXPECT_GE(loop.time() - start, 3600.0) << "virtual time: the hour passed at once";
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientDeadlineTest, TheTotalDeadlineRaisesTimeoutError) {
  run([&]() -> Coro<void> {
    Server server = co_await start_server(silent, "127.0.0.1", 0);
    ClientTimeout t = no_deadlines();
    t.total = std::chrono::minutes(5);
    ClientSession session({.timeout = t});
    bool raised = false;
    try {
      co_await session.get(url_of(server, "/slow"));
    } catch (const ClientError&) {
      ADD_FAILURE() << "total raises TimeoutError, not a ClientError";
    } catch (const TimeoutError& e) {
      raised = std::string(e.what()).find("/slow") != std::string::npos;
    }
    EXPECT_TRUE(raised);
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientPoolTest, CancelledRequestsGiveBackTheirSlotAndLeaveTheQueue) {
  Counting answering;
  answering.hold = 1;
  run([&]() -> Coro<void> {
    Server quiet = co_await start_server(silent, "127.0.0.1", 0);
    auto handler = answering.handler();
    Server live = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session({.connector = TCPConnector({.limit = 1})});
    auto holder = create_task(fetch(session, url_of(quiet)));   // gets the slot, waits for a head
    auto queued = create_task(fetch(session, url_of(quiet)));   // waits for the slot
    for (int i = 0; i < 10000 && session.connector().statistics().waiting == 0; ++i) co_await sleep(0s);
    EXPECT_EQ(session.connector().statistics().acquired, 1U);
    EXPECT_EQ(session.connector().statistics().waiting, 1U);
    queued.cancel();
    holder.cancel();
    int cancelled = 0;
    try {
      co_await queued;
    } catch (const CancelledError&) {
      ++cancelled;
    }
    try {
      co_await holder;
    } catch (const CancelledError&) {
      ++cancelled;
    }
    EXPECT_EQ(cancelled, 2);
    EXPECT_EQ(session.connector().statistics().acquired, 0U) << "the cancelled request freed its slot";
    EXPECT_EQ(session.connector().statistics().waiting, 0U) << "and the queued one left the queue";
    EXPECT_EQ(co_await fetch(session, url_of(live)), "ok") << "the pool still serves";
    co_await session.close();
    quiet.close();
    live.close();
    co_await quiet.wait_closed();
    co_await live.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
