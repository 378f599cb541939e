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
import shlex
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

    def __init__(self, name, argv, needs=None, native=None):
        self.name = name
        self.argv = argv      # with {bin} (corio binaries) and {peers} (native peers)
        self.needs = needs    # a Python module that must import, for optional peers
        self.native = native  # native peer: the metric parsed from its text line


class Case:
    """One measured configuration: a workload, a size, a mode, and the systems run."""

    def __init__(self, cid, workload, title, metrics, systems, note=""):
        self.id = cid
        self.workload = workload
        self.title = title
        self.metrics = metrics  # [(json key, label, unit)]; lower is better unless the
        #                         unit is a rate ("/s")
        self.systems = systems
        self.note = note


def py(script, *args, needs=None, name=None):
    return System(name or args[0], [PY, "%s/%s" % (PYPEERS, script)] + list(args), needs=needs)


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


class Target:
    def __init__(self, tid, text, case, metric, peer=None, min_ratio=None, limit=None):
        self.id, self.text, self.case, self.metric = tid, text, case, metric
        self.peer, self.min_ratio, self.limit = peer, min_ratio, limit


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
]

WORKLOAD_TITLES = {
    "w1": "W1 spawn",
    "w2": "W2 switch",
    "w3": "W3 sleepers",
    "w4": "W4 queue",
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
    cmd = ["taskset", "-c", "0"] + argv
    if nice:
        cmd = ["nice", "-n", str(nice)] + cmd
    busy = wait_idle(idle_wait) if idle_wait > 0 else None
    if warm_run:
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return None, "warm-up run timed out after %d s" % timeout
    load = float(open("/proc/loadavg").read().split()[0])
    t0 = time.time()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, "timed out after %d s" % timeout
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, (r.stderr or r.stdout).strip()[-300:])
    if system.native:
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
    return unit.endswith("/s")


def speedup(peer, corio, unit):
    """How many times better corio is than the peer (>1: corio is faster or smaller)."""
    return corio / peer if higher_better(unit) else peer / corio


def fmt(v, unit):
    if unit.endswith("/s"):
        for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
            if v >= scale:
                return "%.2f %s%s" % (v / scale, prefix, unit)
        return "%.0f %s" % (v, unit)
    if unit == "s":
        return "%.3f s" % v
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
        corio = s.get("corio", {}).get(t.metric)
        if t.peer:
            peer = s.get(t.peer, {}).get(t.metric)
            if not corio or not peer:
                res.append({"id": t.id, "text": t.text, "verdict": "NOT MEASURED",
                            "figure": "missing run"})
                continue
            unit = dict((k, u) for k, _, u in CASE_BY_ID[t.case].metrics)[t.metric]
            ratio = speedup(peer[0], corio[0], unit)
            ok = ratio >= t.min_ratio
            fig = "%s / %s = %s (needs >= %dx)" % (
                t.peer, "corio", fmt_ratio(ratio), t.min_ratio)
        else:
            if not corio:
                res.append({"id": t.id, "text": t.text, "verdict": "NOT MEASURED",
                            "figure": "missing run"})
                continue
            ok = corio[0] < t.limit if t.metric == "wall_s" else corio[0] <= t.limit
            unit = dict((k, u) for k, _, u in CASE_BY_ID[t.case].metrics)[t.metric]
            fig = "corio median %s (min %s, max %s)" % (fmt(corio[0], unit),
                                                         fmt(corio[1], unit),
                                                         fmt(corio[2], unit))
        res.append({"id": t.id, "text": t.text, "verdict": "PASS" if ok else "FAIL",
                    "figure": fig})
    return res


CASE_BY_ID = {c.id: c for c in CASES}
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
    better = "higher" if all(higher_better(p[3]) for p in panels) else "lower"
    fig.suptitle("%s - median of runs, whiskers min-max, %s is better"
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
    out.append("Measured %s on %s CPUs (%s), Linux %s, %s, %s; %d repetitions, every "
               "process pinned with `taskset -c 0`; corio at %s. Runner: `%s`."
               % (machine["date"], machine["nproc"], machine["cpu"], machine["kernel"],
                  machine["python"], machine["cxx"], reps, machine["corio_rev"], runner_cmd))
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
        for key, label, unit in case.metrics:
            heads += ["%s, median (min-max)" % label,
                      "corio / peer" if higher_better(unit) else "peer / corio"]
        out.append("| system | implementation | " + " | ".join(heads) + " | command |")
        out.append("|---|---|" + "---|" * len(heads) + "---|")
        corio = s.get("corio", {})
        for system in case.systems:
            if system.name not in s:
                continue
            m = s[system.name]
            cells = []
            for key, label, unit in case.metrics:
                if key not in m:
                    cells += ["-", "-"]
                    continue
                med, lo, hi, n = m[key]
                cells.append("%s (%s-%s)" % (fmt(med, unit), fmt(lo, unit), fmt(hi, unit)))
                if system.name == "corio":
                    cells.append("1")
                elif key in corio:
                    cells.append(fmt_ratio(speedup(med, corio[key][0], unit)))
                else:
                    cells.append("-")
            cmd = next((r["cmd"] for r in records
                        if r["case"] == case.id and r["system_name"] == system.name), "")
            impl = next((r.get("impl") for r in records
                         if r["case"] == case.id and r["system_name"] == system.name
                         and r.get("impl")), None)
            label = "**corio**" if system.name == "corio" else system.name
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
better. Every process runs pinned to CPU 0 (`taskset -c 0`): all of these are
single-loop workloads.

Reproduce (the runner rewrites the sections it ran, the PNGs in `docs/img/`, and keeps
raw JSON lines in `bench/results/`):

```sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release \\
      -DCORIO_BUILD_TESTS=OFF -DCORIO_BUILD_EXAMPLES=OFF
ninja -C build/release w01_spawn w02_switch w03_sleepers w04_queue
python3 bench/run.py --reps 3                  # or --only w1,w2 ; --build-dir DIR
```

On these shared 2-core VMs the runner can steady the figures, for every system alike:
`--idle-wait S` waits up to S seconds for the machine to be mostly idle before each
process, `--nice N` renices the measured processes, and `--warm-run` runs each command
once untimed right before the measured run. The last one matters for W1 and W3: the first
process to touch a few hundred MB after a pause pays host-side costs for guest pages the
balloon had handed back (W1 with corio: 330-1,210 ns per task on a first run, 130-265 ns
on an immediate rerun, the same 5,782 page faults but 5-10x the system time; asyncio
moves the same way). Each section's runner command shows the options used.

Programs: corio's are in `bench/macro/` (one executable per workload), the Python peers
in `bench/peers/python/` (CPython's asyncio, uvloop, gevent, plain generators), the
native peers in `bench/peers/native/` (Boost.Asio `co_spawn`/`post` and Tokio
`spawn`/`yield_now` on a current-thread runtime, built offline from Debian packages by
`build.sh`; skipped with the reason printed when they cannot be built). Google Benchmark
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
    args = ap.parse_args()

    only = [x.strip() for x in args.only.split(",") if x.strip()]
    cases = [c for c in CASES if not only or c.workload in only or c.id in only]
    if not cases:
        sys.exit("run.py: nothing selected by --only %s" % args.only)
    build = os.path.abspath(args.build_dir)
    bindir = os.path.join(build, "bench")
    peers = os.path.join(bindir, "peers")

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
            argv = [a.format(bin=bindir, peers=peers) for a in s.argv]
            why = None
            if s.name == "corio" and not os.access(argv[0], os.X_OK):
                why = "%s not built (ninja -C %s %s)" % (rel(argv[0]), rel(build),
                                                         os.path.basename(argv[0]))
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
    with open(raw_path, "w") as raw:
        for rep in range(args.reps):
            for c in cases:
                runs = [p for p in plan if p[0] is c]
                k = rep % len(runs) if runs else 0
                for case, system, argv in runs[k:] + runs[:k]:
                    rec, err = run_one(case, system, argv, args.timeout, args.idle_wait,
                                      args.nice, args.warm_run)
                    if err:
                        print("run.py: rep %d %s/%s FAILED: %s" % (rep + 1, case.id,
                              system.name, err), file=sys.stderr)
                        continue
                    rec["rep"] = rep + 1
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
        corio = s.get("corio", {})
        for name, m in s.items():
            cells = []
            for key, label, unit in c.metrics:
                if key in m:
                    med, lo, hi, n = m[key]
                    cell = "%s %s [%s-%s]" % (label, fmt(med, unit), fmt(lo, unit),
                                              fmt(hi, unit))
                    if name != "corio" and key in corio:
                        cell += " corio better %s" % fmt_ratio(speedup(med, corio[key][0],
                                                                        unit))
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
    runner_cmd = "python3 bench/run.py --reps %d%s%s" % (
        args.reps, " --build-dir %s" % rel(build) if build != os.path.join(ROOT, "build",
                                                                           "release") else "",
        " --nice %d" % args.nice if args.nice else "") + (
        " --warm-run" if args.warm_run else "")
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
