// getaddrinfo / getnameinfo: numeric hosts, /etc/hosts, and the real DNS path against a
// stub name server that the test runs on 127.0.0.1 (a coroutine answering A/AAAA
// queries for made-up names under corio.test). Real-time loops: c-ares measures its
// retransmission deadlines on the monotonic clock. No packet leaves the loopback: every
// lookup that could reach DNS goes through a Resolver pointed at the stub.
#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>
#include <string>

#include "corio_test.hpp"
#include "corio/net/dns.hpp"
#include "corio/net/socket.hpp"

using namespace std::chrono_literals;
using corio::AddrInfo;
using corio::Coro;
using corio::Resolver;
using corio::SocketAddress;

namespace {

/// A UDP name server on 127.0.0.1 with fixed records:
///   stub.corio.test    A 127.0.0.10, AAAA ::1 (loopback answers: c-ares connects a UDP
///                      socket to each address to sort them, and nothing may leave
///                      the loopback)
///   v4only.corio.test  A 127.0.0.11 (AAAA: no data)
///   nodata.corio.test  neither (NOERROR, no answers)
///   slow.corio.test    never answered
///   anything else      NXDOMAIN
class DnsStub {
 public:
  DnsStub() : sock_(AF_INET, SOCK_DGRAM) {
    sock_.bind(SocketAddress("127.0.0.1", 0));
    port_ = sock_.getsockname().port();
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  /// Resolver options that send every query here and nowhere else.
  corio::ResolverOptions options(std::chrono::milliseconds timeout = 2000ms) const {
    corio::ResolverOptions o;
    o.nameservers = {server()};
    o.search = std::vector<std::string>{};
    o.timeout = timeout;
    o.tries = 1;
    return o;
  }
  int queries() const noexcept { return queries_; }
  /// Queries received for `name` (lower case), any type.
  int queries_for(const std::string& name) const {
    return static_cast<int>(std::count(names_.begin(), names_.end(), name));
  }

  Coro<void> serve() {
    for (;;) {
      auto [packet, from] = co_await corio::sock_recvfrom(sock_, 1500);
      ++queries_;
      std::string reply = answer(packet);
      if (!reply.empty()) co_await corio::sock_sendto(sock_, reply, from);
    }
  }

 private:
  static std::uint16_t u16(const std::string& p, std::size_t at) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(p[at]) << 8) | static_cast<unsigned char>(p[at + 1]));
  }
  static void put16(std::string& out, unsigned v) {
    out += static_cast<char>((v >> 8) & 0xff);
    out += static_cast<char>(v & 0xff);
  }

  std::string answer(const std::string& q) {
    if (q.size() < 12) return {};
    std::size_t at = 12;
    std::string name;
    while (at < q.size() && q[at] != 0) {
      std::size_t len = static_cast<unsigned char>(q[at]);
      if (!name.empty()) name += '.';
      for (std::size_t i = 0; i < len && at + 1 + i < q.size(); ++i) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(q[at + 1 + i])));
      }
      at += len + 1;
    }
    std::size_t question_end = at + 5;  // the zero label, QTYPE, QCLASS
    if (question_end > q.size()) return {};
    std::uint16_t qtype = u16(q, at + 1);
    names_.push_back(name);
    if (name == "slow.corio.test") return {};

    std::vector<std::string> rdatas;
    bool known = name == "stub.corio.test" || name == "v4only.corio.test" || name == "nodata.corio.test";
    if (name == "stub.corio.test" || name == "v4only.corio.test") {
      if (qtype == 1) {  // A
        in_addr a{};
        ::inet_pton(AF_INET, name == "stub.corio.test" ? "127.0.0.10" : "127.0.0.11", &a);
        rdatas.emplace_back(reinterpret_cast<const char*>(&a), 4);
      } else if (qtype == 28 && name == "stub.corio.test") {  // AAAA
        in6_addr a{};
        ::inet_pton(AF_INET6, "::1", &a);
        rdatas.emplace_back(reinterpret_cast<const char*>(&a), 16);
      }
    }
    std::string r = q.substr(0, 2);                 // ID
    put16(r, 0x8180 | (known ? 0 : 3));              // QR, RD, RA; NOERROR or NXDOMAIN
    put16(r, 1);                                     // QDCOUNT
    put16(r, static_cast<unsigned>(rdatas.size()));  // ANCOUNT
    put16(r, 0);
    put16(r, 0);
    r += q.substr(12, question_end - 12);
    for (const std::string& rd : rdatas) {
      put16(r, 0xc00c);  // the name: a pointer to the question
      put16(r, qtype);
      put16(r, 1);       // IN
      put16(r, 0);
      put16(r, 60);      // TTL
      put16(r, static_cast<unsigned>(rd.size()));
      r += rd;
    }
    return r;
  }

  corio::Socket sock_;
  std::uint16_t port_ = 0;
  int queries_ = 0;
  std::vector<std::string> names_;
};

std::set<std::string> endpoints(const std::vector<AddrInfo>& infos) {
  std::set<std::string> out;
  for (const AddrInfo& i : infos) out.insert(i.address.to_string());
  return out;
}

/// Runs `body(stub)` on a real-time loop with the stub name server serving beside it.
template <class F>
void with_stub(F body) {
  corio::run([](F body) -> Coro<void> {
    DnsStub stub;
    auto server = corio::create_task(stub.serve(), "dns-stub");
    co_await body(stub);
    server.cancel();
  }(std::move(body)));
}

/// The tests that use the default resolver look up only "localhost", which must then
/// come from /etc/hosts: without such a line they would ask the system's name server.
bool hosts_file_has_localhost() {
  std::FILE* f = std::fopen("/etc/hosts", "r");
  if (!f) return false;
  char line[512];
  bool found = false;
  while (!found && std::fgets(line, sizeof line, f)) {
    std::string l(line);
    l = l.substr(0, l.find('#'));
    found = l.rfind("127.0.0.1", 0) == 0 && (" " + l + " ").find(" localhost") != std::string::npos;
  }
  std::fclose(f);
  return found;
}

#define REQUIRE_LOCALHOST_IN_HOSTS_FILE() \
  if (!hosts_file_has_localhost()) GTEST_SKIP() << "/etc/hosts has no 127.0.0.1 localhost line"

int gai_errno(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const corio::gaierror& g) {
    return g.errno_value();
  } catch (...) {
    return 0;
  }
}

}  // namespace

TEST(Getaddrinfo, NumericHostsAreConvertedWithoutALookup) {
  corio::run([]() -> Coro<void> {
    // A resolver whose only name server does not exist: any query would time out.
    Resolver r({.nameservers = {"127.0.0.1:9"}, .search = std::vector<std::string>{}, .timeout = 5000ms});
    auto v4 = co_await r.getaddrinfo("127.0.0.1", 80, {.type = SOCK_STREAM});
    EXPECT_EQ(v4.size(), 1u);
    EXPECT_EQ(v4[0].family, AF_INET);
    EXPECT_EQ(v4[0].type, SOCK_STREAM);
    EXPECT_EQ(v4[0].protocol, IPPROTO_TCP);
    EXPECT_EQ(v4[0].address, SocketAddress("127.0.0.1", 80));

    auto v6 = co_await r.getaddrinfo("::1", "8080", {.type = SOCK_DGRAM});
    EXPECT_EQ(v6.size(), 1u);
    EXPECT_EQ(v6[0].family, AF_INET6);
    EXPECT_EQ(v6[0].protocol, IPPROTO_UDP);
    EXPECT_EQ(v6[0].address.to_string(), "[::1]:8080");

    auto any = co_await corio::getaddrinfo("10.0.0.1", 0);  // type 0: stream, dgram, raw
    EXPECT_EQ(any.size(), 3u);

    auto scoped = co_await r.getaddrinfo("fe80::1%1", 9, {.type = SOCK_STREAM});  // zone by index
    EXPECT_EQ(scoped.size(), 1u);
    EXPECT_EQ(reinterpret_cast<const sockaddr_in6*>(scoped.at(0).address.raw())->sin6_scope_id, 1u);

    auto passive = co_await corio::getaddrinfo("", 7000, {.type = SOCK_STREAM, .flags = AI_PASSIVE});
    EXPECT_EQ(endpoints(passive), (std::set<std::string>{"0.0.0.0:7000", "[::]:7000"}));
    EXPECT_EQ(r.pending(), 0);
  }());
}

TEST(Getaddrinfo, NumericHostOfTheWrongFamilyIsAGaierror) {
  corio::run([]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await corio::getaddrinfo("127.0.0.1", 80, {.family = AF_INET6}), corio::gaierror,
                           "127.0.0.1");
    bool thrown = false;
    try {
      co_await corio::getaddrinfo("not-numeric.corio.test", 80, {.flags = AI_NUMERICHOST});
    } catch (const corio::gaierror& e) {
      thrown = true;
      EXPECT_EQ(e.errno_value(), EAI_NONAME);
    }
    EXPECT_TRUE(thrown);
  }());
}

TEST(Getaddrinfo, LocalhostComesFromEtcHosts) {
  REQUIRE_LOCALHOST_IN_HOSTS_FILE();
  corio::run([]() -> Coro<void> {
    auto infos = co_await corio::getaddrinfo("localhost", 8080, {.family = AF_INET, .type = SOCK_STREAM});
    EXPECT_TRUE(endpoints(infos).count("127.0.0.1:8080"));
    for (const AddrInfo& i : infos) EXPECT_EQ(i.type, SOCK_STREAM);

    auto any = co_await corio::getaddrinfo("localhost", "http", {.type = SOCK_STREAM, .flags = AI_CANONNAME});
    EXPECT_TRUE(endpoints(any).count("127.0.0.1:80"));
    EXPECT_EQ(any.front().canonname, "localhost");
  }());
}

TEST(Getaddrinfo, ResolvesThroughADnsServerWithIpv6) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options());
    auto infos = co_await r.getaddrinfo("stub.corio.test", 443, {.type = SOCK_STREAM});
    EXPECT_EQ(endpoints(infos), (std::set<std::string>{"127.0.0.10:443", "[::1]:443"}));
    EXPECT_EQ(stub.queries_for("stub.corio.test"), 2);  // A and AAAA

    auto v6 = co_await r.getaddrinfo("stub.corio.test", 443, {.family = AF_INET6, .type = SOCK_STREAM});
    EXPECT_EQ(endpoints(v6), (std::set<std::string>{"[::1]:443"}));
    for (const AddrInfo& i : v6) EXPECT_EQ(i.family, AF_INET6);

    auto v4 = co_await r.getaddrinfo("v4only.corio.test", 53, {.type = SOCK_DGRAM});
    EXPECT_EQ(endpoints(v4), (std::set<std::string>{"127.0.0.11:53"}));
    EXPECT_EQ(r.pending(), 0);
  });
}

TEST(Getaddrinfo, ConcurrentLookupsShareTheChannel) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options());
    auto [a, b, c] = co_await corio::gather(r.getaddrinfo("stub.corio.test", 1, {.type = SOCK_STREAM}),
                                            r.getaddrinfo("v4only.corio.test", 2, {.type = SOCK_STREAM}),
                                            r.getaddrinfo("localhost", 3, {.family = AF_INET, .type = SOCK_STREAM}));
    EXPECT_EQ(a.size(), 2u);
    EXPECT_EQ(endpoints(b), (std::set<std::string>{"127.0.0.11:2"}));
    EXPECT_TRUE(endpoints(c).count("127.0.0.1:3"));
    EXPECT_EQ(stub.queries_for("localhost"), 0);  // /etc/hosts answered it
  });
}

TEST(Getaddrinfo, NxdomainIsAGaierrorNamingTheHost) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options());
    std::exception_ptr err;
    try {
      co_await r.getaddrinfo("missing.corio.test", 80);
    } catch (const corio::gaierror&) {
      err = std::current_exception();
    }
    EXPECT_EQ(gai_errno(err), EAI_NONAME);
    EXPECT_NE(corio::describe(err).find("getaddrinfo('missing.corio.test', 80)"), std::string::npos)
        << corio::describe(err);
    EXPECT_GE(stub.queries_for("missing.corio.test"), 1);

    // An OSError like any other failure of the net layer.
    CORIO_EXPECT_THROW_MSG(co_await r.getaddrinfo("nodata.corio.test", 80), corio::OSError, "nodata.corio.test");
  });
}

TEST(Getaddrinfo, AnUnansweredQueryTimesOutAsEaiAgain) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options(50ms));
    std::exception_ptr err;
    try {
      co_await r.getaddrinfo("slow.corio.test", 80, {.family = AF_INET});
    } catch (const corio::gaierror&) {
      err = std::current_exception();
    }
    EXPECT_EQ(gai_errno(err), EAI_AGAIN);
    EXPECT_EQ(r.pending(), 0);
  });
}

TEST(Getaddrinfo, CancellingTheTaskAbandonsTheLookup) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options(10'000ms));
    auto t = corio::create_task(r.getaddrinfo("slow.corio.test", 80, {.family = AF_INET}));
    while (stub.queries_for("slow.corio.test") == 0) co_await corio::sleep(1ms);
    EXPECT_EQ(r.pending(), 1);
    t.cancel();
    EXPECT_THROW(co_await t, corio::CancelledError);
    EXPECT_EQ(r.pending(), 0);  // dropped at once, not at its 10 s timeout

    // The channel works on.
    auto infos = co_await r.getaddrinfo("stub.corio.test", 80, {.family = AF_INET});
    EXPECT_EQ(endpoints(infos), (std::set<std::string>{"127.0.0.10:80"}));

    // wait_for over a lookup that never ends.
    EXPECT_THROW(co_await corio::wait_for(r.getaddrinfo("slow.corio.test", 80), 20ms), corio::TimeoutError);
    EXPECT_EQ(r.pending(), 0);
  });
}

TEST(Getaddrinfo, AnAbandonedLookupDoesNotDisturbOthers) {
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options(10'000ms));
    auto slow = corio::create_task(r.getaddrinfo("slow.corio.test", 80, {.family = AF_INET}));
    auto other = corio::create_task(r.getaddrinfo("slow.corio.test", 81, {.family = AF_INET}));
    while (stub.queries_for("slow.corio.test") < 2) co_await corio::sleep(1ms);
    slow.cancel();
    EXPECT_THROW(co_await slow, corio::CancelledError);
    EXPECT_EQ(r.pending(), 2);  // `other` still waits, so the channel keeps both
    auto fast = co_await r.getaddrinfo("stub.corio.test", 80, {.family = AF_INET, .type = SOCK_STREAM});
    EXPECT_EQ(fast.size(), 1u);
    other.cancel();
    EXPECT_THROW(co_await other, corio::CancelledError);
    EXPECT_EQ(r.pending(), 0);
  });
}

TEST(Getaddrinfo, ALookupLeftRunningWhenTheLoopClosesIsDropped) {
  DnsStub stub;
  Resolver r(stub.options(10'000ms));  // outlives the loop
  corio::run([&]() -> Coro<void> {
    corio::create_task(stub.serve());
    corio::create_task(r.getaddrinfo("slow.corio.test", 80));
    while (stub.queries_for("slow.corio.test") == 0) co_await corio::sleep(1ms);
    EXPECT_EQ(r.pending(), 1);
  }());  // the runner cancels both tasks and closes the loop
  EXPECT_EQ(r.pending(), 0);

  // The resolver, idle again, serves the next loop.
  corio::run([&]() -> Coro<void> {
    auto server = corio::create_task(stub.serve());
    auto infos = co_await r.getaddrinfo("stub.corio.test", 80, {.family = AF_INET});
    EXPECT_EQ(endpoints(infos), (std::set<std::string>{"127.0.0.10:80"}));
    server.cancel();
  }());
}

TEST(Getaddrinfo, WorksOnAVirtualClockLoop) {
  REQUIRE_LOCALHOST_IN_HOSTS_FILE();
  // c-ares keeps real time; on a virtual clock its timer fires early and is re-armed
  // until the answer comes, so a lookup still ends (and a timeout still takes real time).
  corio::testing::run_virtual([]() -> Coro<void> {
    DnsStub stub;
    auto server = corio::create_task(stub.serve());
    Resolver r(stub.options(50ms));
    auto infos = co_await r.getaddrinfo("stub.corio.test", 80, {.family = AF_INET, .type = SOCK_STREAM});
    EXPECT_EQ(endpoints(infos), (std::set<std::string>{"127.0.0.10:80"}));
    CORIO_EXPECT_THROW_MSG(co_await r.getaddrinfo("slow.corio.test", 80), corio::gaierror, "slow.corio.test");
    auto local = co_await corio::getaddrinfo("localhost", 80, {.family = AF_INET, .type = SOCK_STREAM});
    EXPECT_FALSE(local.empty());
    server.cancel();
  }());
}

TEST(Getnameinfo, NumericAndHostsFileNames) {
  corio::run([]() -> Coro<void> {
    auto [host, port] = co_await corio::getnameinfo(SocketAddress("127.0.0.1", 80), NI_NUMERICHOST | NI_NUMERICSERV);
    EXPECT_EQ(host, "127.0.0.1");
    EXPECT_EQ(port, "80");
    auto [h6, p6] = co_await corio::getnameinfo(SocketAddress("::1", 8080), NI_NUMERICHOST | NI_NUMERICSERV);
    EXPECT_EQ(h6, "::1");
    EXPECT_EQ(p6, "8080");
  }());
  with_stub([](DnsStub& stub) -> Coro<void> {
    Resolver r(stub.options());
    auto [host, port] = co_await r.getnameinfo(SocketAddress("127.0.0.1", 22), NI_NUMERICSERV);
    EXPECT_EQ(host, "localhost");
    EXPECT_EQ(port, "22");
    auto named = co_await r.getnameinfo(SocketAddress("127.0.0.1", 80), NI_NUMERICHOST);
    EXPECT_EQ(named, (std::pair<std::string, std::string>("127.0.0.1", "http")));  // from /etc/services
    auto v6 = co_await r.getnameinfo(SocketAddress("::1", 49999), NI_NUMERICHOST);
    EXPECT_EQ(v6, (std::pair<std::string, std::string>("::1", "49999")));
    // Not in /etc/hosts, and the stub knows no PTR: numeric, or a gaierror if a name is required.
    auto unknown = co_await r.getnameinfo(SocketAddress("127.0.0.99", 1), NI_NUMERICSERV);
    EXPECT_EQ(unknown.first, "127.0.0.99");
    CORIO_EXPECT_THROW_MSG(co_await r.getnameinfo(SocketAddress("127.0.0.99", 1), NI_NAMEREQD), corio::gaierror,
                           "127.0.0.99");
  });
}
