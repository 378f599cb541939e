// The port scanner of `corio scan` (tools/scan/scanner.hpp): its answer is exact.
//
// Each scan test opens its own listeners on ports the kernel picks (bind to port 0),
// scans a range around them on 127.0.0.1 (or ::1), and checks that the open ports are
// exactly those. Other programs on this machine (the other suites, run in parallel)
// may listen in the same range: a port that /proc/net/tcp shows listening before or
// after the scan and that is not ours is left out of the comparison, never the other
// way round. Real-time loops: these are real connects through the kernel's loopback.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corio_test.hpp"
#include "corio/net/socket.hpp"
#include "scanner.hpp"

using namespace std::chrono_literals;
using corio::Coro;
using corio::Socket;
using corio::SocketAddress;
using corio::scan::PortState;

namespace {

/// K listeners on `host`, ports picked by the kernel.
struct Listeners {
  std::vector<Socket> socks;
  std::set<std::uint16_t> ports;

  Listeners(const char* host, int k) {
    SocketAddress any(host, 0);
    for (int i = 0; i < k; ++i) {
      Socket s(any.family(), SOCK_STREAM);
      s.bind(any);
      s.listen(64);
      ports.insert(s.getsockname().port());
      socks.push_back(std::move(s));
    }
  }
};

/// Ports some socket listens on, from /proc/net/tcp and /proc/net/tcp6 (state 0A).
std::set<std::uint16_t> listening_ports() {
  std::set<std::uint16_t> out;
  for (const char* path : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string slot, local, remote, state;
      f >> slot >> local >> remote >> state;
      if (state != "0A") continue;
      auto colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      out.insert(static_cast<std::uint16_t>(std::stoul(local.substr(colon + 1), nullptr, 16)));
    }
  }
  return out;
}

std::vector<std::uint16_t> range(int lo, int hi) {
  std::vector<std::uint16_t> out;
  for (int p = std::max(lo, 1); p <= std::min(hi, 65535); ++p) out.push_back(static_cast<std::uint16_t>(p));
  return out;
}

/// The ports within `radius` of any of `centers`, sorted. Tests scan these rather than
/// the span between the centers: the kernel may pick listening ports far apart, and over
/// a span of thousands of ports a listener that a parallel test opens and closes between
/// the foreign-port snapshots would show up as open.
std::vector<std::uint16_t> around(const std::set<std::uint16_t>& centers, int radius) {
  std::set<std::uint16_t> out;
  for (std::uint16_t c : centers) {
    for (std::uint16_t p : range(c - radius, c + radius)) out.insert(p);
  }
  return {out.begin(), out.end()};
}

/// The ports of `candidates` a scan may probe without disturbing other tests: `ours`, and
/// every other one that this process can bind, which it holds bound, not listening (a
/// connect to it is refused), for the scan's length. A port it cannot bind belongs to
/// another socket, maybe a parallel test's server that a probe would disturb; it is left
/// out. Holding the rest also keeps a listener from appearing among them mid-scan.
struct HeldPorts {
  std::vector<Socket> socks;
  std::vector<std::uint16_t> ports;

  HeldPorts(const char* host, const std::vector<std::uint16_t>& candidates, const std::set<std::uint16_t>& ours) {
    for (std::uint16_t p : candidates) {
      if (!ours.count(p)) {
        SocketAddress at(host, p);
        Socket s(at.family(), SOCK_STREAM);
        try {
          s.bind(at);
        } catch (const corio::OSError&) {
          continue;
        }
        socks.push_back(std::move(s));
      }
      ports.push_back(p);
    }
  }
};

/// Scans `ports` of `host` and checks the open ones are exactly `expected`, up to the
/// ports that other programs listen on.
void expect_exact_scan(const char* host, const std::vector<std::uint16_t>& ports,
                       const std::set<std::uint16_t>& expected, corio::scan::Options options = {}) {
  std::set<std::uint16_t> before = listening_ports();
  corio::scan::Result r = corio::run(corio::scan::scan(host, ports, options));
  std::set<std::uint16_t> after = listening_ports();

  std::set<std::uint16_t> foreign;
  for (auto* s : {&before, &after}) {
    for (std::uint16_t p : *s) {
      if (!expected.count(p)) foreign.insert(p);
    }
  }
  std::set<std::uint16_t> open;
  for (std::uint16_t p : r.open) {
    if (!foreign.count(p)) open.insert(p);
  }
  EXPECT_EQ(open, expected) << "scanned " << ports.size() << " ports of " << host;
  EXPECT_TRUE(r.filtered.empty()) << r.filtered.size() << " filtered ports, first " << r.filtered.front();
  EXPECT_EQ(r.open.size() + r.closed + r.filtered.size(), ports.size());
  EXPECT_TRUE(std::is_sorted(r.open.begin(), r.open.end()));
  EXPECT_EQ(r.local_errors, 0u);
}

bool has_ipv6_loopback() {
  try {
    Socket s(AF_INET6, SOCK_STREAM);
    s.bind(SocketAddress("::1", 0));
    return true;
  } catch (const corio::OSError&) {
    return false;
  }
}

}  // namespace

// ---- parse_ports ----

TEST(ScanPorts, ListsAndRangesBecomeSortedUniquePorts) {
  EXPECT_EQ(corio::scan::parse_ports("8002,22,8000-8002,80,22"),
            (std::vector<std::uint16_t>{22, 80, 8000, 8001, 8002}));
  EXPECT_EQ(corio::scan::parse_ports("1-65535").size(), 65535u);
  EXPECT_EQ(corio::scan::parse_ports("65535"), (std::vector<std::uint16_t>{65535}));
}

TEST(ScanPorts, BadSpecsRaiseInvalidArgumentNamingThePart) {
  for (const char* bad : {"", "0", "65536", "9-3", "x", "22,", "1-", "-5", "80,,81", "1-2-3"}) {
    EXPECT_THROW(corio::scan::parse_ports(bad), std::invalid_argument) << "'" << bad << "'";
  }
  try {
    corio::scan::parse_ports("22,70000");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("70000"), std::string::npos) << e.what();
  }
}

// ---- probe ----

TEST(ScanProbe, AListenerIsOpenAndAClosedPortIsClosed) {
  Listeners l("127.0.0.1", 1);
  std::uint16_t open_port = *l.ports.begin();
  std::uint16_t closed_port;
  {
    Listeners gone("127.0.0.1", 1);
    closed_port = *gone.ports.begin();
  }
  auto [a, b] = corio::run([&]() -> Coro<std::pair<PortState, PortState>> {
    PortState x = co_await corio::scan::probe(SocketAddress("127.0.0.1", open_port), 1s);
    PortState y = co_await corio::scan::probe(SocketAddress("127.0.0.1", closed_port), 1s);
    co_return std::pair(x, y);
  }());
  EXPECT_EQ(a, PortState::Open);
  EXPECT_EQ(b, PortState::Closed);
}

// A socket connecting to its own address "connects" to itself (TCP simultaneous open):
// what a scan of 127.0.0.1 meets now and then when the kernel picks the scanned port as
// the source port. Nothing listens there, so it is closed, not open.
TEST(ScanProbe, AConnectionToItselfIsClosedNotOpen) {
  Socket s(AF_INET, SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(SocketAddress("127.0.0.1", 0));
  SocketAddress self = s.getsockname();
  PortState st = corio::run(corio::scan::probe(s, self, 1s));
  EXPECT_EQ(st, PortState::Closed);
  EXPECT_FALSE(s) << "a socket that connected is closed after the probe";
}

// A listener whose accept queue is full drops SYNs: no answer, which must read as
// filtered (the seed's scanner counted a timeout as closed).
TEST(ScanProbe, NoAnswerBeforeTheDeadlineIsFilteredNotClosed) {
  Socket l(AF_INET, SOCK_STREAM);
  l.bind(SocketAddress("127.0.0.1", 0));
  l.listen(0);
  SocketAddress addr = l.getsockname();
  // Fill the accept queue with connections that stay (never accepted): on loopback the
  // handshake completes inside connect(), and once the queue is full SYNs are dropped.
  std::vector<Socket> fillers;
  for (int i = 0; i < 4; ++i) {
    Socket f(AF_INET, SOCK_STREAM);
    ::connect(f.fd(), addr.raw(), addr.size());
    fillers.push_back(std::move(f));
  }
  EXPECT_EQ(corio::run(corio::scan::probe(addr, 100ms)), PortState::Filtered);

  corio::scan::Options o;
  o.timeout = 100ms;
  o.retries = 1;
  corio::scan::Result r = corio::run(corio::scan::scan("127.0.0.1", {addr.port()}, o));
  EXPECT_TRUE(r.open.empty());
  EXPECT_EQ(r.closed, 0u);
  EXPECT_EQ(r.filtered, (std::vector<std::uint16_t>{addr.port()}));
  EXPECT_EQ(r.timeouts, 2u) << "one attempt and one retry";
}

// ---- scan ----

TEST(Scan, FindsExactlyTheListeningPortsInARangeAroundThem) {
  Listeners l("127.0.0.1", 5);
  HeldPorts held("127.0.0.1", around(l.ports, 20), l.ports);
  expect_exact_scan("127.0.0.1", held.ports, l.ports);
}

TEST(Scan, FindsExactlyTheListeningPortsWithOneWorker) {
  Listeners l("127.0.0.1", 3);
  std::vector<std::uint16_t> ports;
  for (std::uint16_t p : l.ports) {
    for (int q = p - 3; q <= p + 3; ++q) ports.push_back(static_cast<std::uint16_t>(q));
  }
  std::sort(ports.begin(), ports.end());
  ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
  HeldPorts held("127.0.0.1", ports, l.ports);
  corio::scan::Options o;
  o.concurrency = 1;
  expect_exact_scan("127.0.0.1", held.ports, l.ports, o);
}

TEST(Scan, FindsExactlyTheListeningPortsOnIpv6Loopback) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 here";
  Listeners l("::1", 4);
  HeldPorts held("::1", around(l.ports, 20), l.ports);
  expect_exact_scan("::1", held.ports, l.ports);
}

// The range of freed ports sits in the ephemeral range, where self-connects happen:
// none of them may come out as open.
TEST(Scan, ARangeWithNothingOpenHasNoOpenPort) {
  std::set<std::uint16_t> freed;
  {
    Listeners gone("127.0.0.1", 3);
    freed = gone.ports;
  }
  // Its ports stay unbound (that is the point), but the ones some socket listens on now
  // are left out, so as not to probe a parallel test's server.
  std::set<std::uint16_t> listening = listening_ports();
  std::vector<std::uint16_t> ports;
  for (std::uint16_t p : around(freed, 200)) {
    if (!listening.count(p)) ports.push_back(p);
  }
  expect_exact_scan("127.0.0.1", ports, {});
}

TEST(Scan, ReportsProgressUpToTheTotal) {
  Listeners l("127.0.0.1", 2);
  // Around each listener, not the span between them: the kernel may pick ports thousands
  // apart, and holding that many bound sockets would run out of descriptors.
  HeldPorts held("127.0.0.1", around(l.ports, 10), l.ports);
  const std::vector<std::uint16_t>& ports = held.ports;
  std::vector<corio::scan::Progress> seen;
  corio::scan::Options o;
  o.progress_interval = 1ms;
  o.on_progress = [&](const corio::scan::Progress& p) { seen.push_back(p); };
  corio::scan::Result r = corio::run(corio::scan::scan("127.0.0.1", ports, o));
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().done, ports.size());
  EXPECT_EQ(seen.back().total, ports.size());
  EXPECT_EQ(seen.back().open, r.open.size());
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_LE(seen[i - 1].done, seen[i].done);
}

TEST(Scan, BadHostOrOptionsRaiseInvalidArgument) {
  EXPECT_THROW(corio::run(corio::scan::scan("localhost.invalid", {80})), std::invalid_argument);
  corio::scan::Options o;
  o.concurrency = 0;
  EXPECT_THROW(corio::run(corio::scan::scan("127.0.0.1", {80}, o)), std::invalid_argument);
}
