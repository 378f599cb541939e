#!/usr/bin/env python3
"""Runs the BENCH.md workloads on corio and on its peers, side by side, and publishes them.

usage: python3 bench/run.py [--reps 3] [--only w1,w2] [--build-dir build/release]
                            [--no-native] [--no-docs]

For every workload, each repetition runs the corio program and every peer once, one
after another (the starting system rotates from one repetition to the next, so drift
on this shared machine does not always hit the same system). Every process is pinned
to CPU 0 with `taskset -c 0`: these are single-loop workloads. The figure of each
system is the median of the repetitions, with min and max; the ratio "peer / corio"
is the peer's median divided by corio's (how many times faster or smaller corio is;
for rates such as items/s it is corio's over the peer's).

Outputs:
  bench/results/<stamp>.jsonl      every raw JSON line, with the command that printed it
  docs/benchmarks.md               a section per workload (only the --only ones change)
  docs/img/<workload>.png          a log-scale bar chart per workload

Corio programs come from <build-dir>/bench/ (configure with -DCORIO_BUILD_BENCH=ON and
-DCMAKE_BUILD_TYPE=Release). Optional peers (uvloop, gevent, Asio, Tokio) that are not
available are skipped with the reason printed; the native ones are built on first use by
bench/peers/native/build.sh into <build-dir>/bench/peers/.
"""
import argparse
import datetime
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
PY = "/usr/bin/python3"
PYPEERS = "bench/peers/python"
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
IMG = os.path.join(ROOT, "docs", "img")


# ---------------------------------------------------------------------------------------
# What is measured


class System:
    """One program in a case: corio or a peer."""

    def __init__(self, name, argv, needs=None, native=None, ref=None, parse=None,
                 tool=None):
        self.name = name
        self.argv = argv      # with {bin} (corio binaries), {peers} (native peers) and,
        #                       for a server, {port}
        self.needs = needs    # a Python module that must import, for optional peers
        self.native = native  # native peer: the metric parsed from its text line
        self.ref = ref        # the row its ratio is taken against (default: the case's)
        self.parse = parse    # parse(stdout, stderr) -> record or None (non-JSON tools)
        self.tool = tool      # an executable that must be on PATH (e.g. dd)


class Case:
    """One measured configuration: a workload, a size, a mode, and the systems run."""

    def __init__(self, cid, workload, title, metrics, systems, note="", cpus="0",
                 client=None, client_cpus="1", baseline="corio", prepare=None):
        self.id = cid
        self.workload = workload
        self.title = title
        self.metrics = metrics  # [(json key, label, unit)]; lower is better unless the
        #                         unit is a rate ("/s") or a factor ("x", "cores")
        self.systems = systems
        self.note = note
        self.cpus = cpus          # `taskset -c` of the measured program (the server)
        self.client = client      # server cases: the load generator's argv ({bin},
        #                           {port}, {pid}); its JSON line is the record
        self.client_cpus = client_cpus
        self.baseline = baseline  # the row the ratio column is taken against
        self.prepare = prepare    # called before every process (untimed)


def py(script, *args, needs=None, name=None, ref=None):
    return System(name or args[0], [PY, "%s/%s" % (PYPEERS, script)] + list(args), needs=needs,
                  ref=ref)


NS_TASK = [("ns_per_task", "time per task", "ns")]
NS_SWITCH = [("ns_per_switch", "time per switch", "ns")]
W3_METRICS = [("wall_s", "wall time", "s"), ("bytes_per_task", "peak RSS per task", "B")]

CASES = [
    Case("w1", "w1", "W1 spawn: create 1,000,000 tasks of `f(x) -> x`, gather them", NS_TASK, [
        System("corio", ["{bin}/w01_spawn", "1000000"]),
        py("w01_spawn.py", "asyncio", "1000000"),
        py("w01_spawn.py", "uvloop", "1000000", needs="uvloop"),
        System("asio", ["{peers}/asio_spawn", "1000000"], native="ns_per_task"),
        System("tokio", ["{peers}/tokio_spawn", "1000000"], native="ns_per_task"),
    ], note="Timed: creating the tasks, running them and collecting the results "
            "(corio::gather / asyncio.gather of the task handles); a 10,000-task warm-up "
            "runs first. Asio `co_spawn`s with a completion handler instead of gathering; "
            "Tokio awaits each `JoinHandle`."),
    Case("w2-sleep0", "w2", "W2 switch, sleep(0): one task yields to the loop 1,000,000 times",
         NS_SWITCH, [
             System("corio", ["{bin}/w02_switch", "sleep0", "1000000"]),
             py("w02_switch.py", "sleep0", "asyncio", "1000000", name="asyncio"),
             py("w02_switch.py", "sleep0", "uvloop", "1000000", needs="uvloop", name="uvloop"),
             py("w02_switch.py", "sleep0", "gevent", "1000000", needs="gevent", name="gevent"),
             System("asio", ["{peers}/asio_switch", "1000000"], native="ns_per_switch"),
             System("tokio", ["{peers}/tokio_switch", "1000000"], native="ns_per_switch"),
         ], note="Unit: one `sleep(0)` (gevent: `gevent.sleep(0)`; Asio: `co_await "
                 "post(ex, use_awaitable)`; Tokio: `yield_now().await` in a spawned task)."),
    Case("w2-event", "w2", "W2 switch, ping-pong: two tasks hand control back and forth "
         "1,000,000 round trips", NS_SWITCH, [
             System("corio", ["{bin}/w02_switch", "event", "1000000"]),
             py("w02_switch.py", "event", "asyncio", "1000000", name="asyncio"),
             py("w02_switch.py", "event", "uvloop", "1000000", needs="uvloop", name="uvloop"),
         ], note="Unit: one hand-off (half a round trip). Both sides use two Events, "
                 "set / wait / clear (`asyncio.Event`, `corio::Event`). "
                 "`w02_switch future-pingpong` does the same through a pair of "
                 "`Future<void>`s (each side awaits its future, then replaces it with a "
                 "fresh one), for comparison; it is not part of this table."),
    Case("w2-gen", "w2", "W2 switch, generator: the seeds' producer/consumer, "
         "`c.send(n)` into `n = yield r`, 1,000,000 sends", NS_SWITCH, [
             System("corio", ["{bin}/w02_switch", "gen", "1000000"]),
             py("w02_switch.py", "gen", "asyncio", "1000000", name="python-generator"),
         ], note="Unit: one `send` (resume the consumer, get its next value back). No event "
                 "loop on either side. corio: `corio::Generator<std::string_view, long>`."),
    Case("w3-100k", "w3", "W3 sleepers: 100,000 tasks each sleeping 1 s, gathered",
         W3_METRICS, [
             System("corio", ["{bin}/w03_sleepers", "100000"]),
             py("w03_sleepers.py", "asyncio", "100000"),
             py("w03_sleepers.py", "uvloop", "100000", needs="uvloop"),
             py("w03_sleepers.py", "gevent", "100000", needs="gevent"),
         ], note="Wall time: from creating the first task to the end of the gather (ideal "
                 "1 s). Peak RSS per task: (VmHWM at the end - VmRSS just before the tasks "
                 "are created) / N, from /proc/self/status; it counts everything a sleeping "
                 "task costs (task, frame, timer entry, handle, gather)."),
    Case("w3-1m", "w3", "W3 sleepers: 1,000,000 tasks each sleeping 1 s, gathered",
         W3_METRICS, [
             System("corio", ["{bin}/w03_sleepers", "1000000"]),
             py("w03_sleepers.py", "asyncio", "1000000"),
             py("w03_sleepers.py", "uvloop", "1000000", needs="uvloop"),
         ], note="gevent is left out at this size (about 4.7 GB and 40 s per run)."),
]


CASES.append(
    Case("w4", "w4", "W4 queue: Queue(maxsize=1024), 1 producer, 4 consumers with "
         "task_done, the producer awaits join(), 1,000,000 items",
         [("items_per_s", "throughput", "items/s")], [
             System("corio", ["{bin}/w04_queue", "1000000"]),
             py("w04_queue.py", "asyncio", "1000000"),
             py("w04_queue.py", "uvloop", "1000000", needs="uvloop"),
         ], note="Timed: from the first put to the return of join(), after a warm-up round "
                 "of N/20; the items are summed and checked. corio's program runs 5 timed "
                 "rounds (one takes about 10 ms, short enough for a single preemption to "
                 "halve it) and reports their median; a Python round takes about 1 s. Higher "
                 "is better; the ratio column is corio's rate over the peer's."))


W5_METRICS = [("round_trips_per_s", "throughput", "rt/s"),
              ("server_cpu_us_per_rt", "server CPU per round trip", "us"),
              ("p99_us", "p99 latency", "us")]
W5_CLIENT = ["{bin}/w05_echo_client", "{port}", "{pid}", "50", "{secs}", "64", "1"]

CASES.append(
    Case("w5", "w5", "W5 echo: TCP echo server, 50 connections each doing 64-byte "
         "request/response, 10 s", W5_METRICS, [
             System("corio", ["{bin}/w05_echo_server", "streams", "{port}"]),
             System("corio-protocol", ["{bin}/w05_echo_server", "protocol", "{port}"],
                    ref="corio-protocol"),
             System("corio-epoll", ["env", "CORIO_DRIVER=epoll", "{bin}/w05_echo_server",
                                    "streams", "{port}"]),
             py("w05_echo_server.py", "asyncio", "streams", "{port}", name="asyncio"),
             py("w05_echo_server.py", "uvloop", "streams", "{port}", needs="uvloop",
                name="uvloop"),
             py("w05_echo_server.py", "asyncio", "protocol", "{port}",
                name="asyncio-protocol", ref="corio-protocol"),
             py("w05_echo_server.py", "uvloop", "protocol", "{port}", needs="uvloop",
                name="uvloop-protocol", ref="corio-protocol"),
             System("asio", ["{peers}/asio_echo", "{port}"], native="port"),
             System("tokio", ["{peers}/tokio_echo", "{port}"], native="port"),
             System("kernel-floor", ["{bin}/floor_server", "echo", "{port}"]),
         ], client=W5_CLIENT,
         note="The server is pinned to CPU 0, the load generator "
              "(`bench/macro/w05_echo_client.cpp`, plain epoll, the same for every server) "
              "to CPU 1; 1 s of warm-up, then 10 s measured. Each connection keeps one "
              "64-byte request in flight and checks the echo. Server CPU per round trip is "
              "(utime + stime of the server process over the measured 10 s, from "
              "/proc/PID/stat) / round trips; the client reports its own CPU too, and when "
              "both are near one core the client is the limit and CPU per round trip is the "
              "fair comparison (BENCH.md). Streams servers: `read(65536)`, `write`, "
              "`drain` in a loop (the asyncio documentation's handler; the same code in "
              "corio); protocol servers: `data_received` writes the data back. Asio: "
              "`async_read_some` + `async_write` in a coroutine per connection; Tokio: "
              "`read` + `write_all` in a spawned task, current-thread runtime. Ratios of "
              "streams servers and of Asio/Tokio are against corio's streams server, those "
              "of protocol servers against corio's protocol server. corio and corio-protocol "
              "run on the io_uring driver (the default where the kernel has it); "
              "corio-epoll is the streams server on the epoll driver. kernel-floor "
              "(`bench/macro/floor_server.cpp`) is no framework at all: one epoll_wait "
              "for all ready sockets, then recv and send per socket; its CPU per round trip "
              "is what the kernel charges any server on this machine before the server runs "
              "code of its own, so no server's round trips/s can exceed its figure by more "
              "than its user-space share."))


W12_FILE = "/tmp/corio-w12.bin"
W12_SIZE = 1 << 30


def prepare_w12():
    """Makes the 1 GiB file once and pulls it into the page cache before every run."""
    if not os.path.exists(W12_FILE) or os.path.getsize(W12_FILE) != W12_SIZE:
        print("run.py: writing %s (1 GiB of /dev/urandom)" % W12_FILE, file=sys.stderr)
        subprocess.run("head -c %d /dev/urandom > %s.tmp && mv %s.tmp %s"
                       % (W12_SIZE, W12_FILE, W12_FILE, W12_FILE), shell=True, check=True)
    subprocess.run(["cat", W12_FILE], stdout=subprocess.DEVNULL, check=True)


def parse_dd(stdout, stderr):
    """dd's last line: '1073741824 bytes (1.1 GB, 1.0 GiB) copied, 0.0782 s, 13.7 GB/s'."""
    m = re.search(r"^(\d+) bytes .* copied, ([0-9.e-]+) s", stderr, re.M)
    if not m:
        return None
    b, t = int(m.group(1)), float(m.group(2))
    ver = subprocess.run(["dd", "--version"], capture_output=True, text=True).stdout
    return {"bytes": b, "seconds": t, "bytes_per_s": b / t, "gb_per_s": b / t / 1e9,
            "impl": "dd bs=1M (%s)" % (ver.splitlines()[0] if ver else "coreutils"),
            "output": stderr.strip().splitlines()[-1]}


def w12(name, driver, api):
    return System(name, ["{bin}/w12_file_read", W12_FILE, driver, api])


CASES.append(
    Case("w12", "w12", "W12 file-read: a 1 GiB page-cached file read in 1 MiB chunks",
         [("bytes_per_s", "read rate", "B/s")], [
             w12("corio uring read", "uring", "read"),
             w12("corio uring readinto", "uring", "readinto"),
             w12("corio epoll read", "epoll", "read"),
             w12("corio epoll readinto", "epoll", "readinto"),
             w12("corio epoll-pool read", "epoll-pool", "read"),
             py("w12_aiofiles.py", W12_FILE, needs="aiofiles", name="aiofiles"),
             System("dd", ["dd", "if=" + W12_FILE, "of=/dev/null", "bs=1M"], parse=parse_dd,
                    tool="dd"),
         ], baseline="dd", prepare=prepare_w12,
         note="The file is %s (1 GiB of random bytes, made once), read with `cat` into "
              "the page cache before every run. Rates in decimal units, as dd prints them. "
              "`read` is `co_await f.read(1 MiB)` (a new `std::string` per chunk, as "
              "aiofiles' `read` returns new bytes); `readinto` reads into one reused "
              "page-aligned buffer, as dd does. uring: io_uring reads; epoll: "
              "`preadv2(RWF_NOWAIT)` on the loop thread for cached data; epoll-pool: "
              "`CORIO_FS_NOWAIT=0`, every chunk a `pread` on a worker thread (aiofiles' "
              "design). The ratio column is each rate over dd's (dd is the limit). "
              "Details and the why: [docs/bench/w12.md](bench/w12.md)." % W12_FILE))

CASES.append(
    Case("w10", "w10", "W10 threads: two threads each doing a CPU loop vs one thread "
         "doing both", [("speedup", "speed-up, 2 threads over 1", "x"),
                        ("cpu_usage", "CPUs busy while 2 threads run", "cores")], [
             System("corio", ["{bin}/w10_threads", "200000000", "2", "5"]),
             py("w10_gil.py", "5000000", "2", "5", name="python-threading"),
         ], cpus="0,1",
         note="The loop is the seeds' `x = x ^ 1` (003.8): 200,000,000 iterations per "
              "thread in C++ (on a corio `ThreadPoolExecutor`), 5,000,000 in Python "
              "(`threading.Thread`, CPython with the GIL); each program times one thread "
              "doing both loops and two threads doing one each, 5 times interleaved, and "
              "reports the medians. The processes may use both CPUs (`taskset -c 0,1`); "
              "the ideal speed-up is 2, and only when nothing else runs."))

CASES.append(
    Case("multiloop-w1", "multiloop", "Multi-loop scaling, W1-like: spawn + gather of "
         "2,000,000 tasks per loop, 1 loop vs 2 loops",
         [("tasks_per_s", "aggregate throughput", "tasks/s")], [
             System("corio 1 loop", ["{bin}/multi_loop_scaling", "1", "2000000", "5"]),
             System("corio 2 loops", ["{bin}/multi_loop_scaling", "2", "2000000", "5"]),
         ], cpus="0,1", baseline="corio 1 loop",
         note="`corio::MultiLoop(n)` (include/corio/exec/multi_loop.hpp): n event loops "
              "on n threads, each running the same setup coroutine, nothing shared. Each "
              "loop spawns and gathers 2,000,000 tasks of `f(x) -> x` in batches of "
              "100,000; timed from `run()` to its return, median of 5 inside each process. "
              "The ratio column is the aggregate rate over one loop's (ideal: 2 on these "
              "2 CPUs)."))

CASES.append(
    Case("multiloop-echo", "multiloop", "Multi-loop scaling, W5 echo: corio's streams "
         "server on 1 loop vs 2 loops (serve_multicore, SO_REUSEPORT)", W5_METRICS, [
             System("corio 1 loop", ["{bin}/w05_echo_server", "streams", "{port}", "1"]),
             System("corio 2 loops", ["{bin}/w05_echo_server", "streams", "{port}", "2"]),
         ], client=W5_CLIENT, cpus="0,1", client_cpus="0,1", baseline="corio 1 loop",
         note="The W5 load (50 connections, 64 bytes, 10 s) against the streams server "
              "with `serve_multicore(2, ...)`: one SO_REUSEPORT listener per loop, the "
              "kernel spreads the connections. Server and client may use both CPUs. On a "
              "2-CPU machine the client needs about one CPU of its own (see W5), so a "
              "second loop has no free CPU to run on: this shows what a second loop costs "
              "or gains when the machine is full, not the scaling of a larger machine."))


class Target:
    def __init__(self, tid, text, case, metric, peer=None, min_ratio=None, limit=None,
                 system="corio"):
        self.id, self.text, self.case, self.metric = tid, text, case, metric
        self.peer, self.min_ratio, self.limit = peer, min_ratio, limit
        self.system = system


TARGETS = [
    Target("w1", "W1: corio's time per task <= 1/100 of asyncio's", "w1", "ns_per_task",
           peer="asyncio", min_ratio=100),
    Target("w2-sleep0", "W2 sleep(0): corio <= 1/50 of asyncio's", "w2-sleep0",
           "ns_per_switch", peer="asyncio", min_ratio=50),
    Target("w2-gen", "W2 generator send: corio <= 1/20 of a Python generator's", "w2-gen",
           "ns_per_switch", peer="python-generator", min_ratio=20),
    Target("w3-wall", "W3: 1,000,000 sleepers in < 1.5 s wall", "w3-1m", "wall_s",
           limit=1.5),
    Target("w3-bytes", "W3: <= 256 bytes per sleeping task (1,000,000 sleepers)", "w3-1m",
           "bytes_per_task", limit=256),
    Target("w4", "W4: corio >= 50x asyncio's items/s", "w4", "items_per_s",
           peer="asyncio", min_ratio=50),
    # W5 (issue 4): 3x uvloop, and at least the best native peer (Tokio or Asio) in round
    # trips/s and in server CPU per round trip; for the streams and the protocol server.
    Target("w5-uvloop", "W5: corio streams >= 3x uvloop streams' round trips/s", "w5",
           "round_trips_per_s", peer="uvloop", min_ratio=3),
    Target("w5-uvloop-protocol", "W5: corio protocol >= 3x uvloop protocol's round trips/s",
           "w5", "round_trips_per_s", peer="uvloop-protocol", min_ratio=3,
           system="corio-protocol"),
    Target("w5-tokio-rt", "W5: corio streams >= Tokio's round trips/s", "w5",
           "round_trips_per_s", peer="tokio", min_ratio=1),
    Target("w5-tokio-cpu", "W5: corio streams' server CPU per round trip <= Tokio's", "w5",
           "server_cpu_us_per_rt", peer="tokio", min_ratio=1),
    Target("w5-asio-rt", "W5: corio streams >= Asio's round trips/s", "w5",
           "round_trips_per_s", peer="asio", min_ratio=1),
    Target("w5-asio-cpu", "W5: corio streams' server CPU per round trip <= Asio's", "w5",
           "server_cpu_us_per_rt", peer="asio", min_ratio=1),
    Target("w5-protocol-tokio-rt", "W5: corio protocol >= Tokio's round trips/s", "w5",
           "round_trips_per_s", peer="tokio", min_ratio=1, system="corio-protocol"),
    Target("w5-protocol-tokio-cpu", "W5: corio protocol's server CPU per round trip <= Tokio's",
           "w5", "server_cpu_us_per_rt", peer="tokio", min_ratio=1, system="corio-protocol"),
    Target("w12", "W12: corio's read() >= 0.8x dd's rate (io_uring)", "w12", "bytes_per_s",
           peer="dd", min_ratio=0.8, system="corio uring read"),
]

WORKLOAD_TITLES = {
    "w1": "W1 spawn",
    "w2": "W2 switch",
    "w3": "W3 sleepers",
    "w4": "W4 queue",
    "w5": "W5 echo",
    "w10": "W10 threads",
    "w12": "W12 file-read",
    "multiloop": "Multi-loop scaling",
}


# ---------------------------------------------------------------------------------------
# Running


def sh(argv):
    return " ".join(shlex.quote(a) for a in argv)


def rel(path):
    p = os.path.relpath(path, ROOT)
    return path if p.startswith("..") else p


def module_available(mod):
    return subprocess.run([PY, "-c", "import " + mod], capture_output=True).returncode == 0


def prepare_native(peers_dir, wanted):
    """Builds the native peers if needed; returns {name: reason} for the missing ones."""
    missing = [p for p in wanted if not os.access(os.path.join(peers_dir, p), os.X_OK)]
    if missing:
        print("run.py: building native peers into %s" % rel(peers_dir), file=sys.stderr)
        r = subprocess.run([os.path.join(BENCH, "peers", "native", "build.sh"), peers_dir],
                           capture_output=True, text=True)
        log = (r.stdout + r.stderr).strip().splitlines()
        for line in log:
            if "skipping" in line or "failed" in line:
                print("run.py: " + line, file=sys.stderr)
    reasons = {}
    for p in wanted:
        if not os.access(os.path.join(peers_dir, p), os.X_OK):
            reasons[p] = "not built (see bench/peers/native/build.sh output)"
    return reasons


def native_impl(program):
    """A version label for a native peer, from the Debian packages it was built from."""
    if program.startswith("asio"):
        ver = "?"
        try:
            with open("/usr/include/boost/version.hpp") as f:
                m = re.search(r'BOOST_LIB_VERSION "([0-9_]+)"', f.read())
                ver = m.group(1).replace("_", ".") if m else ver
        except OSError:
            pass
        return "Boost.Asio (Boost %s), C++20 coroutines, io_context(1)" % ver
    if program.startswith("tokio"):
        reg = "/usr/share/cargo/registry"
        vers = sorted(d[6:] for d in os.listdir(reg) if d.startswith("tokio-1")) \
            if os.path.isdir(reg) else []
        return "Tokio %s, current_thread runtime" % (vers[-1] if vers else "?")
    return program


def parse_native(text, metric, program):
    m = re.search(r"%s=([0-9.]+)" % metric, text)
    if not m or "CHECK_FAILED" in text:
        return None
    return {metric: float(m.group(1)), "impl": native_impl(program),
            "output": text.strip().splitlines()[-1]}


def cpu_busy(interval=0.5):
    """Fraction of all CPUs busy over `interval` seconds, from /proc/stat."""
    def sample():
        with open("/proc/stat") as f:
            vals = [int(x) for x in f.readline().split()[1:]]
        idle = vals[3] + vals[4]  # idle + iowait
        return sum(vals), idle
    t1, i1 = sample()
    time.sleep(interval)
    t2, i2 = sample()
    return 1.0 - (i2 - i1) / max(t2 - t1, 1)


def wait_idle(limit_s, threshold=0.25):
    """Waits up to limit_s for the machine to be mostly idle; returns the busy fraction."""
    deadline = time.time() + limit_s
    busy = cpu_busy()
    while busy > threshold and time.time() < deadline:
        busy = cpu_busy(1.0)
    return busy


def run_one(case, system, argv, timeout, idle_wait=0, nice=0, warm_run=False):
    """Runs one measured process (after an untimed identical run if warm_run).

    Why warm_run exists: on these VMs the first process to touch a few hundred MB after
    a pause is slowed by host-side work on the guest's free pages (the balloon reports
    freed pages to the host): W1 with corio measured 330-1,210 ns per task on a first
    run and 130-265 ns on an immediate rerun, with the same 5,782 page faults but
    0.2-0.5 s of system time instead of 0.04 s, and asyncio's W1 moves the same way.
    Touching memory from another process beforehand did not help; running the same
    command first does. It is applied to every system alike.
    """
    cmd = ["taskset", "-c", case.cpus] + argv
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    if case.prepare:
        case.prepare()
    busy = wait_idle(idle_wait) if idle_wait > 0 else None
    if case.client:
        return run_server(case, system, cmd, timeout, nice, busy)
    if warm_run:
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return None, "warm-up run timed out after %d s" % timeout
    load = float(open("/proc/loadavg").read().split()[0])
    t0 = time.time()
    st0 = proc_stat_busy()
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout
    # CPUs busy during the run beyond the measured process's own use: other work.
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = max(time.time() - t0, 1e-3)
    own = (ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime) / wall
    other_cpu = max(0.0, (proc_stat_busy() - st0) / os.sysconf("SC_CLK_TCK") / wall - own)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip()[-300:])
    if system.parse:
        rec = system.parse(r.stdout, r.stderr)
        if rec is None:
            return None, "unparsed output: %s" % (r.stdout + r.stderr).strip()[-300:]
    elif system.native:
        rec = parse_native(r.stdout, system.native, os.path.basename(argv[0]))
        if rec is None:
            return None, "unparsed output: %s" % r.stdout.strip()[-300:]
    else:
        lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
        if not lines:
            return None, "no JSON line: %s" % (r.stdout + r.stderr).strip()[-300:]
        rec = json.loads(lines[-1])
    rec.update({"case": case.id, "system_name": system.name, "cmd": sh(cmd),
                "elapsed_s": round(time.time() - t0, 3), "loadavg_1m": load})
    if wall >= 1.0:  # /proc/stat counts in 10 ms ticks: meaningless for shorter runs
        rec["other_cpu"] = round(other_cpu, 3)
    if busy is not None:
        rec["busy_before"] = round(busy, 3)
    return rec, None


CLIENT_ARGS = {"secs": "10"}  # set from --echo-seconds


def proc_stat_busy():
    """Busy clock ticks of all CPUs so far (everything but idle and iowait)."""
    with open("/proc/stat") as f:
        vals = [int(x) for x in f.readline().split()[1:]]
    return sum(vals) - vals[3] - vals[4]


def free_port():
    import socket
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def read_line(proc, timeout):
    """The first line the process prints on stdout, or None after `timeout` seconds."""
    import select
    deadline = time.time() + timeout
    buf = b""
    fd = proc.stdout.fileno()
    while b"\n" not in buf and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.time()))
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        buf += chunk
    return buf.decode(errors="replace").split("\n")[0] if b"\n" in buf else None


def run_server(case, system, cmd, timeout, nice, busy):
    """Starts a server (cmd, with {port} free), runs the case's client against it.

    The server prints one line once it listens: a JSON object with port, pid and impl
    (corio, Python), or `name: port=P pid=N` (native peers). The client's JSON line is
    the record; the server is stopped with SIGTERM (SIGKILL after 5 s).
    """
    import signal
    import tempfile
    port = free_port()
    cmd = [a.replace("{port}", str(port)) for a in cmd]
    errf = tempfile.TemporaryFile()
    srv = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf, cwd=ROOT)
    try:
        line = read_line(srv, 15)
        if line is None:
            errf.seek(0)
            return None, "server printed no ready line: %s" % (
                errf.read().decode(errors="replace").strip()[-300:])
        if line.startswith("{"):
            info = json.loads(line)
        else:
            m = re.search(r"port=(\d+) pid=(\d+)", line)
            if not m:
                return None, "unparsed ready line: %s" % line[-300:]
            info = {"port": int(m.group(1)), "pid": int(m.group(2)),
                    "impl": native_impl(os.path.basename(system.argv[0]))}
        pid = int(info.get("pid") or srv.pid)
        client = [a.format(bin=CLIENT_ARGS["bin"], port=info["port"], pid=pid,
                           secs=CLIENT_ARGS["secs"]) for a in case.client]
        ccmd = ["taskset", "-c", case.client_cpus] + [rel(a) if a.startswith(ROOT) else a
                                                      for a in client]
        if nice:
            ccmd = ["nice", "-n", str(nice)] + ccmd
        load = float(open("/proc/loadavg").read().split()[0])
        t0 = time.time()
        st0 = proc_stat_busy()
        try:
            r = subprocess.run(ccmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return None, "client timed out after %d s" % timeout
        if srv.poll() is not None:
            return None, "server exited with %d during the run" % srv.returncode
        if r.returncode != 0:
            return None, "client exit %d: %s" % (r.returncode,
                                                 (r.stderr or r.stdout).strip()[-300:])
        lines = [l for l in r.stdout.splitlines() if l.startswith("{")]
        if not lines:
            return None, "client printed no JSON line: %s" % r.stdout.strip()[-300:]
        rec = json.loads(lines[-1])
        # CPUs busy over the client's run (warm-up included) beyond what the server and
        # the client used: other work on the machine, which skews the figures.
        st1 = proc_stat_busy()
        wall = time.time() - t0
        used = (st1 - st0) / os.sysconf("SC_CLK_TCK") / wall
        rec["other_cpu"] = round(max(0.0, used - rec.get("server_cpu", 0)
                                     - rec.get("client_cpu", 0)), 3)
    finally:
        if srv.poll() is None:
            srv.send_signal(signal.SIGTERM)
            try:
                srv.wait(5)
            except subprocess.TimeoutExpired:
                srv.kill()
                srv.wait()
        errf.close()
    rec.update({"impl": info.get("impl", system.name), "server_pid": pid,
                "case": case.id, "system_name": system.name,
                "cmd": sh([a if a != str(port) else "PORT" for a in cmd]),
                "client_cmd": sh([a if a != str(info["port"]) else "PORT" for a in ccmd]),
                "elapsed_s": round(time.time() - t0, 3), "loadavg_1m": load})
    if busy is not None:
        rec["busy_before"] = round(busy, 3)
    return rec, None


def machine_info():
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    mem_gib = 0.0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_gib = int(line.split()[1]) / 1024 / 1024
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src",
                                "include"], capture_output=True, text=True).stdout.strip()
        if dirty:
            rev += " (with uncommitted changes in src/ or include/)"
    except OSError:
        rev = "unknown"
    cxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout
    return {
        "nproc": nproc,
        "cpu": model,
        "mem_gib": round(mem_gib, 1),
        "kernel": platform.release(),
        "python": subprocess.run([PY, "--version"], capture_output=True,
                                 text=True).stdout.strip(),
        "cxx": cxx.splitlines()[0] if cxx else "unknown",
        "corio_rev": rev,
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


# ---------------------------------------------------------------------------------------
# Summaries


def summarize(case, records):
    """{system: {metric: (median, min, max, n)}} in the case's system order."""
    out = {}
    for system in case.systems:
        recs = [r for r in records if r["case"] == case.id and r["system_name"] == system.name]
        if not recs:
            continue
        out[system.name] = {}
        for key, _, _ in case.metrics:
            vals = [float(r[key]) for r in recs if key in r]
            if vals:
                out[system.name][key] = (statistics.median(vals), min(vals), max(vals),
                                         len(vals))
    return out


def higher_better(unit):
    return unit.endswith("/s") or unit in ("x", "cores")


def speedup(peer, corio, unit):
    """How many times better corio is than the peer (>1: corio is faster or smaller)."""
    return corio / peer if higher_better(unit) else peer / corio


def fmt(v, unit):
    if unit.endswith("/s"):
        for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if v >= scale:
                sep = "" if unit in ("B/s", "items/s") else " "
                return "%.2f %s%s%s" % (v / scale, prefix, sep, unit)
        return "%.0f %s" % (v, unit)
    if unit == "s":
        return "%.3f s" % v
    if unit == "x":
        return "%.2fx" % v
    if unit == "cores":
        return "%.2f" % v
    if unit == "us":
        return ("%.1f µs" if v >= 10 else "%.2f µs") % v
    if unit == "B":
        return "%.0f B" % v
    if v >= 1000:
        return "{:,.0f} ns".format(v)
    if v >= 10:
        return "%.1f ns" % v
    return "%.2f ns" % v


def fmt_ratio(r):
    return ("%.0fx" % r) if r >= 100 else ("%.1fx" % r) if r >= 10 else ("%.2fx" % r)


def verdicts(summaries):
    res = []
    for t in TARGETS:
        s = summaries.get(t.case)
        if s is None:
            continue
        corio = s.get(t.system, {}).get(t.metric)
        if t.peer:
            peer = s.get(t.peer, {}).get(t.metric)
            if not corio or not peer:
                res.append({"id": t.id, "text": t.text, "verdict": "NOT MEASURED",
                            "figure": "missing run"})
                continue
            unit = dict((k, u) for k, _, u in CASE_BY_ID[t.case].metrics)[t.metric]
            ratio = speedup(peer[0], corio[0], unit)
            ok = ratio >= t.min_ratio
            if higher_better(unit):
                fig = "%s / %s = %s (needs >= %gx)" % (
                    t.system, t.peer, fmt_ratio(ratio), t.min_ratio)
            else:
                fig = "%s / %s = %s (needs >= %gx)" % (
                    t.peer, t.system, fmt_ratio(ratio), t.min_ratio)
        else:
            if not corio:
                res.append({"id": t.id, "text": t.text, "verdict": "NOT MEASURED",
                            "figure": "missing run"})
                continue
            ok = corio[0] < t.limit if t.metric == "wall_s" else corio[0] <= t.limit
            unit = dict((k, u) for k, _, u in CASE_BY_ID[t.case].metrics)[t.metric]
            fig = "%s median %s (min %s, max %s)" % (t.system, fmt(corio[0], unit),
                                                         fmt(corio[1], unit),
                                                         fmt(corio[2], unit))
        res.append({"id": t.id, "text": t.text, "verdict": "PASS" if ok else "FAIL",
                    "figure": fig})
    return res


CASE_BY_ID = {c.id: c for c in CASES}
DISCARDED = {}  # workload: (runs discarded by --max-other, runs in all, threshold)
ALL_RECORDS = []  # every record of this run (read by the plots)


# ---------------------------------------------------------------------------------------
# Plots and the page


def plot_workload(workload, cases, summaries, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []  # (title, [(label, med, lo, hi, is_corio)], unit label)
    for case in cases:
        s = summaries.get(case.id)
        if not s:
            continue
        for key, label, unit in case.metrics:
            rows = [(name, m[key]) for name, m in s.items() if key in m]
            fp = any(r.get("mode") == "future-pingpong" for r in ALL_RECORDS
                     if r["case"] == case.id and r["system_name"] == "corio")
            if fp:
                rows = [("corio\n(future-pingpong)" if n == "corio" else n, v)
                        for n, v in rows]
            if not rows:
                continue
            title = case.title.split(": ", 1)[-1]
            title = re.sub(r"`", "", title)
            if len(case.metrics) > 1:
                title += " - " + label
            panels.append((title, [(n, v[0], v[1], v[2], n.startswith("corio"))
                                   for n, v in rows],
                           "%s (%s, log scale)" % (label, unit), unit))
    if not panels:
        return False
    cols = 2 if len(panels) > 1 else 1
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(6.4 * cols, 4.2 * nrows), squeeze=False)
    for ax in axes.flat[len(panels):]:
        ax.axis("off")
    for ax, (title, rows, ylabel, unit) in zip(axes.flat, panels):
        names = [r[0] for r in rows]
        meds = [r[1] for r in rows]
        err = [[r[1] - r[2] for r in rows], [r[3] - r[1] for r in rows]]
        colors = ["#d9480f" if r[4] else "#4c6ef5" for r in rows]
        bars = ax.bar(names, meds, color=colors, yerr=err, capsize=3, ecolor="#333333")
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.set_title("\n".join(_wrap(title, 58)), fontsize=10)
        ax.grid(axis="y", which="both", alpha=0.25)
        ax.set_axisbelow(True)
        top = max(r[3] for r in rows)
        bottom = min(r[2] for r in rows)
        ax.set_ylim(bottom / 3, top * 6)
        for b, v, r in zip(bars, meds, rows):
            ax.annotate(fmt(v, unit), (b.get_x() + b.get_width() / 2, r[3]),
                        xytext=(0, 4), textcoords="offset points", ha="center",
                        va="bottom", fontsize=8)
        ax.tick_params(axis="x", labelsize=9)
        if len(rows) > 5:
            plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
        if len({higher_better(p[3]) for p in panels}) > 1:
            ax.set_title(ax.get_title() + (" (higher is better)" if higher_better(unit)
                                           else " (lower is better)"), fontsize=10)
    kinds = {higher_better(p[3]) for p in panels}
    better = ("higher is better" if kinds == {True} else "lower is better"
              if kinds == {False} else "see each panel")
    fig.suptitle("%s - median of runs, whiskers min-max, %s"
                 % (WORKLOAD_TITLES.get(workload, workload), better), fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _wrap(text, width):
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width and cur:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + " " + w).strip()
    if cur:
        lines.append(cur)
    return lines


def section_markdown(workload, cases, summaries, records, machine, reps, runner_cmd, vds,
                     plotted, skipped):
    out = ["## %s" % WORKLOAD_TITLES.get(workload, workload), ""]
    pins = {(c.cpus, c.client_cpus if c.client else None) for c in cases}
    if pins == {("0", None)}:
        pinned = "every process pinned with `taskset -c 0`"
    else:
        pinned = "CPUs as the commands show (`taskset -c`)"
    out.append("Measured %s on %s CPUs (%s), Linux %s, %s, %s; %d repetitions, %s; "
               "corio at %s. Runner: `%s`."
               % (machine["date"], machine["nproc"], machine["cpu"], machine["kernel"],
                  machine["python"], machine["cxx"], reps, pinned, machine["corio_rev"],
                  runner_cmd))
    loads = [r["loadavg_1m"] for r in records
             if "loadavg_1m" in r and CASE_BY_ID[r["case"]].workload == workload]
    busy = [r["busy_before"] for r in records
            if "busy_before" in r and CASE_BY_ID[r["case"]].workload == workload]
    if loads:
        out[-1] += (" The 1-minute load average when each process started ranged %.2f-%.2f "
                    "(2 CPUs; above 1 means something else was running too)"
                    % (min(loads), max(loads)))
        if busy:
            out[-1] += ("; the runner waited for the machine to be at most 25%% busy before "
                        "each process (busy fraction at start: %.0f%%-%.0f%%)"
                        % (100 * min(busy), 100 * max(busy)))
        other = [r["other_cpu"] for r in records
                 if "other_cpu" in r and CASE_BY_ID[r["case"]].workload == workload]
        if other:
            out[-1] += ("; during the runs of a second or more, other work used %.2f-%.2f "
                        "CPUs (median %.2f) besides the measured processes"
                        % (min(other), max(other), statistics.median(other)))
        dropped = DISCARDED.get(workload)
        if dropped:
            out[-1] += ("; %d of %d runs were discarded because other work used more than "
                        "%.2f CPU during them" % (dropped[0], dropped[1], dropped[2]))
        out[-1] += "."
    out.append("")
    for case in cases:
        s = summaries.get(case.id)
        if not s:
            continue
        out.append("### %s" % case.title)
        out.append("")
        if case.note:
            out.append(case.note)
            out.append("")
        heads = []
        base = case.baseline
        for key, label, unit in case.metrics:
            if base != "corio":
                ratio_head = ("system / %s" if higher_better(unit) else "%s / system") % base
            else:
                ratio_head = "corio / peer" if higher_better(unit) else "peer / corio"
            heads += ["%s, median (min-max)" % label, ratio_head]
        out.append("| system | implementation | " + " | ".join(heads) + " | command |")
        out.append("|---|---|" + "---|" * len(heads) + "---|")
        for system in case.systems:
            if system.name not in s:
                continue
            m = s[system.name]
            ref = s.get(system.ref or base, {})
            cells = []
            for key, label, unit in case.metrics:
                if key not in m:
                    cells += ["-", "-"]
                    continue
                med, lo, hi, n = m[key]
                cells.append("%s (%s-%s)" % (fmt(med, unit), fmt(lo, unit), fmt(hi, unit)))
                if system.name == (system.ref or base):
                    cells.append("1")
                elif key in ref and base != "corio":
                    cells.append(fmt_ratio(speedup(ref[key][0], med, unit)))
                elif key in ref:
                    cells.append(fmt_ratio(speedup(med, ref[key][0], unit)))
                else:
                    cells.append("-")
            cmd = next((r["cmd"] + ("` + `" + r["client_cmd"] if "client_cmd" in r else "")
                        for r in records
                        if r["case"] == case.id and r["system_name"] == system.name), "")
            impl = next((r.get("impl") for r in records
                         if r["case"] == case.id and r["system_name"] == system.name
                         and r.get("impl")), None)
            label = "**%s**" % system.name if system.name.startswith("corio") else system.name
            modes = {r.get("mode") for r in records
                     if r["case"] == case.id and r["system_name"] == system.name}
            if "future-pingpong" in modes:
                label += " (future-pingpong)"
            out.append("| %s | %s | %s | `%s` |" % (label, impl or "", " | ".join(cells), cmd))
        for name, why in skipped.get(case.id, {}).items():
            out.append("| %s | skipped: %s |" % (name, why) + " |" * len(heads) + " |")
        out.append("")
    if vds:
        out.append("### Targets")
        out.append("")
        out.append("| target | measured | verdict |")
        out.append("|---|---|---|")
        for v in vds:
            out.append("| %s | %s | **%s** |" % (v["text"], v["figure"], v["verdict"]))
        out.append("")
    if plotted:
        out.append("![%s](img/%s.png)" % (WORKLOAD_TITLES.get(workload, workload), workload))
        out.append("")
    out.append("<!-- verdicts %s -->" % json.dumps(vds))
    return "\n".join(out)


PAGE_HEAD = """# Benchmarks

corio against its peers on the workloads of BENCH.md, measured in the same run on the
same machine. Each figure is the median of the repetitions with the min-max range;
"peer / corio" is the peer's median divided by corio's, i.e. how many times faster (or
smaller) corio is (for a rate, "corio / peer"). Absolute numbers drift on these 2-core machines; the ratios hold
better. Single-loop workloads run pinned to CPU 0 (`taskset -c 0`); W5's servers run on
CPU 0 and its load generator on CPU 1; W10 and the multi-loop figures use both CPUs.

Reproduce (the runner rewrites the sections it ran, the PNGs in `docs/img/`, and keeps
raw JSON lines in `bench/results/`):

```sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \\
      -DCORIO_BUILD_TESTS=OFF -DCORIO_BUILD_EXAMPLES=OFF
ninja -C build/release w01_spawn w02_switch w03_sleepers w04_queue w05_echo_server \\
      w05_echo_client w10_threads w12_file_read multi_loop_scaling
scripts/bootstrap --bench                      # the peers' packages (Boost, Tokio, gevent)
python3 bench/run.py --reps 3                  # or --only w5,w10 ; --build-dir DIR
```

`--only` names workloads (w1 ... w12, multiloop) or cases (w2-gen, multiloop-echo); only
the sections of the workloads it names are rewritten, the others keep their recorded
numbers (a workload run only in part is not rewritten).

On these shared 2-core VMs the runner can steady the figures, for every system alike:
`--idle-wait S` waits up to S seconds for the machine to be mostly idle before each
process, `--nice N` renices the measured processes, and `--warm-run` runs each command
once untimed right before the measured run. The last one matters for W1 and W3: the first
process to touch a few hundred MB after a pause pays host-side costs for guest pages the
balloon had handed back (W1 with corio: 330-1,210 ns per task on a first run, 130-265 ns
on an immediate rerun, the same 5,782 page faults but 5-10x the system time; asyncio
moves the same way). Each section's runner command shows the options used.

Programs: corio's are in `bench/macro/` (one executable per workload), the Python peers
in `bench/peers/python/` (CPython's asyncio, uvloop, gevent, aiofiles, threading, plain
generators), the
native peers in `bench/peers/native/` (Boost.Asio `co_spawn`/`post` and Tokio
`spawn`/`yield_now` on a current-thread runtime, built offline from Debian packages by
`build.sh`; skipped with the reason printed when they cannot be built), and for W5 the
echo servers `asio_echo` and `tokio_echo` and the load generator
`bench/macro/w05_echo_client.cpp` (plain epoll, no corio). Google Benchmark
micro benchmarks of the building blocks are in `bench/micro/` (`corio_micro`).
"""


def split_sections(text):
    sections = {}
    for m in re.finditer(r"<!-- section:(\w+) -->\n(.*?)<!-- /section:\1 -->", text, re.S):
        sections[m.group(1)] = m.group(2)
    return sections


def write_page(new_sections):
    old = split_sections(open(DOC).read()) if os.path.exists(DOC) else {}
    old.pop("summary", None)
    old.update(new_sections)
    order = [w for w in WORKLOAD_TITLES if w in old] + \
        sorted(k for k in old if k not in WORKLOAD_TITLES)
    rows = []
    for w in order:
        m = re.search(r"<!-- verdicts (.*?) -->", old[w])
        for v in (json.loads(m.group(1)) if m else []):
            rows.append("| %s | %s | **%s** |" % (v["text"], v["figure"], v["verdict"]))
    summary = ["## Targets at a glance", "",
               "| target | measured | verdict |", "|---|---|---|"] + rows + [""]
    parts = [PAGE_HEAD, "<!-- section:summary -->\n" + "\n".join(summary) +
             "\n<!-- /section:summary -->"]
    for w in order:
        parts.append("<!-- section:%s -->\n%s<!-- /section:%s -->" % (w, old[w], w))
    os.makedirs(os.path.dirname(DOC), exist_ok=True)
    with open(DOC, "w") as f:
        f.write("\n\n".join(parts) + "\n")


# ---------------------------------------------------------------------------------------


def main():
    # The peers and the plots use Debian's Python (uvloop, gevent, matplotlib are its
    # packages); a python3 from elsewhere on PATH hands over to it.
    if os.path.realpath(sys.executable) != os.path.realpath(PY) and os.access(PY, os.X_OK):
        os.execv(PY, [PY] + sys.argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--only", default="", help="comma-separated workloads or cases "
                    "(w1, w2, w3, w2-gen, ...)")
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--no-native", action="store_true", help="skip the Asio and Tokio peers")
    ap.add_argument("--no-docs", action="store_true", help="do not touch docs/")
    ap.add_argument("--timeout", type=int, default=600, help="per process, in seconds")
    ap.add_argument("--nice", type=int, default=0, metavar="N",
                    help="run every measured process under `nice -n N` (e.g. -10 on a "
                    "machine shared with builds; needs root for N < 0)")
    ap.add_argument("--warm-run", action="store_true",
                    help="before each measured process, run the same command once "
                    "untimed (see run_one: first-touch costs of guest memory on VMs)")
    ap.add_argument("--idle-wait", type=float, default=30, metavar="S",
                    help="before each process, wait up to S seconds for the machine to be "
                    "at most 25%% busy (other builds skew the figures); 0 disables")
    ap.add_argument("--from-results", default="", metavar="FILES",
                    help="comma-separated bench/results/*.jsonl files: run nothing, "
                    "summarize their records (of the --only cases) and write the docs; "
                    "several files join runs made at different times")
    ap.add_argument("--max-other", type=float, default=None, metavar="CPUS",
                    help="leave out runs during which other work used more than CPUS "
                    "CPUs (the doc says how many)")
    ap.add_argument("--busy-retries", type=int, default=2, metavar="N",
                    help="redo a W5 echo run up to N times when other work used more "
                    "than 0.25 CPU during it")
    ap.add_argument("--echo-seconds", type=int, default=10, metavar="S",
                    help="measured seconds of each W5 echo run (BENCH.md: 10)")
    args = ap.parse_args()

    only = [x.strip() for x in args.only.split(",") if x.strip()]
    cases = [c for c in CASES if not only or c.workload in only or c.id in only]
    if not cases:
        sys.exit("run.py: nothing selected by --only %s" % args.only)
    build = os.path.abspath(args.build_dir)
    bindir = os.path.join(build, "bench")
    peers = os.path.join(bindir, "peers")
    CLIENT_ARGS.update({"bin": bindir, "secs": str(args.echo_seconds)})

    # Which systems can run here.
    skipped = {}
    native_wanted = sorted({os.path.basename(s.argv[0]) for c in cases for s in c.systems
                            if s.native})
    native_missing = {}
    if native_wanted:
        if args.no_native:
            native_missing = {p: "--no-native" for p in native_wanted}
        else:
            native_missing = prepare_native(peers, native_wanted)
    modules = {}
    plan = []
    for c in cases:
        for s in c.systems:
            argv = [a.replace("{bin}", bindir).replace("{peers}", peers) for a in s.argv]
            why = None
            client = c.client[0].replace("{bin}", bindir) if c.client else None
            prog = next((a for a in argv if a.startswith(bindir + os.sep)), None)
            if prog and not os.path.dirname(prog) == peers and not os.access(prog, os.X_OK):
                why = "%s not built (ninja -C %s %s)" % (rel(prog), rel(build),
                                                         os.path.basename(prog))
            elif client and not os.access(client, os.X_OK):
                why = "load generator %s not built (ninja -C %s %s)" % (
                    rel(client), rel(build), os.path.basename(client))
            elif s.tool and not shutil.which(s.tool):
                why = "%s not on PATH" % s.tool
            elif s.native and os.path.basename(argv[0]) in native_missing:
                why = native_missing[os.path.basename(argv[0])]
            elif s.needs:
                if s.needs not in modules:
                    modules[s.needs] = module_available(s.needs)
                if not modules[s.needs]:
                    why = "python module %s not installed" % s.needs
            if why:
                print("run.py: skip %s/%s: %s" % (c.id, s.name, why), file=sys.stderr)
                skipped.setdefault(c.id, {})[s.name] = why
            else:
                plan.append((c, s, [rel(a) if a.startswith(ROOT) else a for a in argv]))

    os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    raw_path = os.path.join(BENCH, "results", "%s.jsonl" % stamp)
    records = []
    if args.from_results:
        raw_path = args.from_results
        ids = {c.id for c in cases}
        for path in args.from_results.split(","):
            with open(path) as f:
                records += [r for r in map(json.loads, f) if r.get("case") in ids]
        if args.max_other is not None:
            kept = []
            for r in records:
                w = CASE_BY_ID[r["case"]].workload
                d = DISCARDED.setdefault(w, [0, 0, args.max_other])
                d[1] += 1
                if r.get("other_cpu", 0) > args.max_other:
                    d[0] += 1
                else:
                    kept.append(r)
            records = kept
        ALL_RECORDS.extend(records)
        counts = [sum(1 for r in records if r["case"] == c.id and r["system_name"] == s.name)
                  for c in cases for s in c.systems]
        args.reps = min([n for n in counts if n] or [0])
    run_rev = machine_info()["corio_rev"]
    with open(os.devnull if args.from_results else raw_path, "w") as raw:
        for rep in range(0 if args.from_results else args.reps):
            for c in cases:
                runs = [p for p in plan if p[0] is c]
                k = rep % len(runs) if runs else 0
                for case, system, argv in runs[k:] + runs[:k]:
                    rec, err = run_one(case, system, argv, args.timeout, args.idle_wait,
                                      args.nice, args.warm_run)
                    for retry in range(args.busy_retries):
                        # An echo run during which other work took CPU time is redone.
                        if err or rec.get("other_cpu", 0) <= 0.25:
                            break
                        print("run.py: rep %d %s/%s: other work used %.2f CPUs during the "
                              "run; redoing it" % (rep + 1, case.id, system.name,
                                                   rec["other_cpu"]), file=sys.stderr)
                        rec, err = run_one(case, system, argv, args.timeout,
                                           max(args.idle_wait, 60), args.nice, args.warm_run)
                    if err:
                        print("run.py: rep %d %s/%s FAILED: %s" % (rep + 1, case.id,
                              system.name, err), file=sys.stderr)
                        continue
                    rec["rep"] = rep + 1
                    rec["runner"] = "python3 bench/run.py " + " ".join(sys.argv[1:])
                    rec["date"] = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
                    rec["corio_rev"] = run_rev
                    records.append(rec)
                    ALL_RECORDS.append(rec)
                    raw.write(json.dumps(rec) + "\n")
                    raw.flush()
                    figs = ", ".join("%s=%s" % (k2, fmt(float(rec[k2]), u))
                                     for k2, _, u in case.metrics if k2 in rec)
                    print("rep %d  %-10s %-17s %s" % (rep + 1, case.id, system.name, figs),
                          file=sys.stderr)

    summaries = {c.id: summarize(c, records) for c in cases}
    print("\n== summary (%d reps; raw lines in %s)" % (args.reps, rel(raw_path)))
    for c in cases:
        s = summaries[c.id]
        print("\n%s" % c.title.replace("`", ""))
        refs = {sy.name: sy.ref or c.baseline for sy in c.systems}
        for name, m in s.items():
            cells = []
            ref_name = refs.get(name, c.baseline)
            ref = s.get(ref_name, {})
            for key, label, unit in c.metrics:
                if key in m:
                    med, lo, hi, n = m[key]
                    cell = "%s %s [%s-%s]" % (label, fmt(med, unit), fmt(lo, unit),
                                              fmt(hi, unit))
                    if name != ref_name and key in ref:
                        if c.baseline == "corio":
                            cell += " %s better %s" % (ref_name, fmt_ratio(
                                speedup(med, ref[key][0], unit)))
                        else:
                            cell += " vs %s %s" % (ref_name, fmt_ratio(
                                speedup(ref[key][0], med, unit)))
                    cells.append(cell)
            print("  %-17s %s" % (name, "; ".join(cells)))
        for name, why in skipped.get(c.id, {}).items():
            print("  %-17s skipped: %s" % (name, why))
    vds = verdicts(summaries)
    if vds:
        print("\n== targets")
        for v in vds:
            print("  %-12s %-58s %s" % (v["verdict"], v["text"], v["figure"]))

    if args.no_docs:
        return
    machine = machine_info()
    if args.from_results:
        dates = sorted(r["date"] for r in records if "date" in r)
        if dates:
            machine["date"] = dates[0] if dates[0] == dates[-1] else \
                "%s to %s" % (dates[0], dates[-1])
        revs = sorted({r["corio_rev"] for r in records if "corio_rev" in r})
        if revs:
            machine["corio_rev"] = ", ".join(revs)
    runner_cmd = "python3 bench/run.py --reps %d%s%s" % (
        args.reps, " --build-dir %s" % rel(build) if build != os.path.join(ROOT, "build",
                                                                           "release") else "",
        " --nice %d" % args.nice if args.nice else "") + (
        " --warm-run" if args.warm_run else "") + (
        " --idle-wait %g" % args.idle_wait if args.idle_wait != 30 else "") + (
        " --echo-seconds %d" % args.echo_seconds if args.echo_seconds != 10 else "") + (
        " --only %s" % args.only if args.only else "")
    if args.from_results:
        runner_cmd = ("python3 bench/run.py --only %s --from-results %s%s (the runs: "
                      "%s)" % (args.only, ",".join(rel(os.path.abspath(p)) for p in
                                                    args.from_results.split(",")),
                               " --max-other %g" % args.max_other
                               if args.max_other is not None else "",
                               "; ".join(sorted({r["runner"] for r in records
                                                 if "runner" in r}))))
    os.makedirs(IMG, exist_ok=True)
    new_sections = {}
    for w in dict.fromkeys(c.workload for c in cases):
        wcases = [c for c in CASES if c.workload == w]
        ran = [c for c in wcases if c in cases]
        if len(ran) != len(wcases):
            print("run.py: %s only partly run (--only); its section is not rewritten" % w,
                  file=sys.stderr)
            continue
        wv = [v for v in vds if CASE_BY_ID[next(t.case for t in TARGETS
                                                  if t.id == v["id"])].workload == w]
        plotted = plot_workload(w, wcases, summaries, os.path.join(IMG, "%s.png" % w))
        new_sections[w] = section_markdown(w, wcases, summaries, records, machine, args.reps,
                                           runner_cmd, wv, plotted, skipped) + "\n"
    if new_sections:
        write_page(new_sections)
        print("\nrun.py: wrote %s (%s) and docs/img/" % (rel(DOC), ", ".join(new_sections)))


if __name__ == "__main__":
    main()
