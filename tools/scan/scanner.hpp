// corio scan: a TCP connect scanner on corio's sockets (the port scanner of seed 000,
// done right).
//
// Design. The ports go into a corio::Queue; N worker tasks take one at a time and
// probe it with a non-blocking connect under a deadline (corio::wait_for). A port is
//   open      when the connect completes (and is not a connection to itself, below);
//   closed    when the connect is refused (RST);
//   filtered  when nothing answers before the deadline twice in a row (a timed-out
//             port goes back into the queue once), or the host/network is unreachable.
// Errors that say something about this machine rather than the target (no free
// ephemeral port, no file descriptor, no buffer) never decide a port: the worker backs
// off and probes the port again.
//
// Invariants that make the answer exact on loopback, where the seed's was not:
// - A timeout never means closed: on loopback a closed port answers at once with RST,
//   so a deadline that passes means "no answer", reported apart as filtered.
// - Self-connect: a connect to 127.0.0.1:P may pick P itself as its ephemeral source
//   port, and TCP's simultaneous open then "connects" the socket to itself although
//   nothing listens on P. A completed connect whose local and peer addresses are equal
//   is therefore closed, not open. (A listening port is never handed out as a source
//   port, so this cannot hide an open one.)
// - No TIME_WAIT pile-up: a socket that connected is closed with SO_LINGER 0 (an RST),
//   so repeated scans cannot exhaust the 4-tuples of the open ports.
// - Refused sockets are reused: connect(AF_UNSPEC) returns a refused socket to the
//   unconnected state (a cheap syscall instead of close + socket per port); every
//   other outcome closes the socket.
// - Closed ports cost no exception: the connect's raw result is read from the I/O
//   driver's awaiter (detail::IoAwait) instead of corio::sock_connect, which raises
//   ConnectionRefusedError, because a scan refuses 65,000 times.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/socket_address.hpp"

namespace corio::scan {

/// What a probe found out about one port.
enum class PortState : std::uint8_t { Open, Closed, Filtered };

/// "open", "closed", "filtered".
const char* to_string(PortState s) noexcept;

/// Parses a port list such as "22,80,8000-8100" or "1-65535" into sorted, unique
/// ports. Throws std::invalid_argument naming the bad part (0, > 65535, "9-3", "x").
std::vector<std::uint16_t> parse_ports(std::string_view spec);

/// Progress of a running scan.
struct Progress {
  std::size_t done = 0;   // ports with a final state
  std::size_t total = 0;  // ports to scan
  std::size_t open = 0;
  double seconds = 0;     // since the scan began
};

struct Options {
  /// Worker tasks, that is connects in flight at once.
  int concurrency = 1024;
  /// Deadline of one connect attempt.
  std::chrono::nanoseconds timeout = std::chrono::seconds(1);
  /// Further attempts for a port whose connect timed out, before it is filtered.
  int retries = 1;
  /// Called every `progress_interval` while the scan runs, and once at the end.
  std::function<void(const Progress&)> on_progress;
  std::chrono::nanoseconds progress_interval = std::chrono::milliseconds(100);
};

struct Result {
  std::vector<std::uint16_t> open;      // sorted
  std::vector<std::uint16_t> filtered;  // sorted
  std::size_t closed = 0;
  std::size_t timeouts = 0;       // attempts without an answer (the deadline passed, or a
                                  // reset during the handshake): retried, then filtered
  std::size_t self_connects = 0;  // completed connects to themselves, counted closed
  std::size_t local_errors = 0;   // attempts repeated after EADDRNOTAVAIL, EMFILE, ...
  double seconds = 0;             // wall time of the scan
};

/// Probes `addr` once with a fresh socket: Open, Closed, or Filtered if no answer came
/// within `timeout`. Throws OSError for errors of this machine (EMFILE, EADDRNOTAVAIL).
/// Cancellation: the connect is abandoned and the socket closed.
Coro<PortState> probe(SocketAddress addr, std::chrono::nanoseconds timeout);

/// Probes `addr` once with `sock` (which may be bound already); `sock` is closed
/// afterwards unless the port was closed, in which case it is ready for another probe.
Coro<PortState> probe(Socket& sock, SocketAddress addr, std::chrono::nanoseconds timeout);

/// Scans `ports` of `host` (a numeric IPv4 or IPv6 address). Throws
/// std::invalid_argument for a bad host or option, OSError if this machine keeps
/// failing to make connects (1,000 local errors on one port).
/// Cancellation: the workers are cancelled and their sockets closed.
Coro<Result> scan(std::string host, std::vector<std::uint16_t> ports, Options options = {});

/// `corio scan HOST [--ports SPEC] [--concurrency N] [--timeout S] [--retries N]`.
int scan_main(int argc, char** argv);

}  // namespace corio::scan
