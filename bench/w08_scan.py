#!/usr/bin/env python3
"""W8 port-scan: `corio scan` against nmap and seed 000's asyncio scanner, same run.

usage: bench/w08_scan.sh [--build-dir build/release] [--reps 3] [--no-docs]
       (the .sh enters a fresh network namespace and runs this file there; run this file
       directly, with --no-netns, to scan the machine's own loopback instead)

What it does:
1. opens 20 listening ports on 127.0.0.1 in a helper process pinned to CPU 1, which
   accepts and closes whatever connects (so no accept queue fills up between scans);
2. takes the set of listening ports from `ss -ltnH` before and after every scan (any
   listener already there counts as known, the helper's included);
3. runs, each repetition in a rotating order, every scanner pinned to CPU 0:
     corio scan 127.0.0.1 --ports 1-65535
     nmap -sT -p- -T5 -n -Pn 127.0.0.1
     python3 bench/peers/python/w08_scan.py 127.0.0.1 1-65535 500 0.1   (the seed's)
   timing the wall clock and the CPU time (user + system, from wait4) of each;
4. counts the wrong ports of each scan: false positives (reported open, not listening)
   and false negatives (listening, not reported open);
5. prints the medians with min-max and the ratios nmap/corio and seed/corio, and writes
   docs/bench/w08.md and docs/img/w08.png.

The seed's scanner is given 10 minutes; if it takes longer it is run on 1-5000 instead
and its time extrapolated to 65,535 ports (and labelled so).
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

from benchhost import children_cpu, sh, wait_quiet
import benchhost

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
TARGET = "127.0.0.1"
# Low ports, the usual service ports, the edges of the ephemeral range (32768-60999,
# where self-connects happen) and the last port.
KNOWN_PORTS = [1, 22, 80, 443, 1023, 3306, 5432, 8000, 8080, 9000, 20000, 32767, 32768,
               40000, 45000, 50000, 55000, 60999, 61000, 65535]
SEED_LIMIT_S = 600
SEED_SUBRANGE = (1, 5000)

HELPER = r"""
import selectors, socket, sys
sel = selectors.DefaultSelector()
opened = []
for p in map(int, sys.argv[1].split(",")):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        s.close()
        continue
    s.listen(4096)
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    opened.append(p)
sel.register(sys.stdin, selectors.EVENT_READ)
print(",".join(map(str, opened)), flush=True)
while True:
    for key, _ in sel.select():
        if key.fileobj is sys.stdin:
            sys.exit(0)
        try:
            c, _ = key.fileobj.accept()
            c.close()
        except OSError:
            pass
"""


def listening_ports():
    """Ports that accept a connect to 127.0.0.1: listeners on 127.0.0.1 or a wildcard."""
    ports = set()
    for line in sh(["ss", "-ltnH"]).splitlines():
        cols = line.split()
        if len(cols) < 4:
            continue
        host, _, port = cols[3].rpartition(":")
        if host in ("127.0.0.1", "0.0.0.0", "*", "[::]", "[::ffff:127.0.0.1]"):
            ports.add(int(port))
    return ports


def timewait_count():
    m = re.search(r"timewait (\d+)", sh(["ss", "-s"]))
    return int(m.group(1)) if m else -1


def run_timed(argv, timeout_s):
    """Runs argv; returns (stdout, wall seconds, timed_out). The child's CPU time is
    read by the caller as a delta of RUSAGE_CHILDREN (communicate() reaps it)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        out, err = p.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        return "", time.perf_counter() - t0, True
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit("w08: %s failed (%d):\n%s" % (shlex.join(argv), p.returncode, err[-2000:]))
    return out, wall, False


def parse_open(system, out):
    if system == "asyncio-seed":
        rec = json.loads(out.strip().splitlines()[-1])
        return set(rec["open"]), rec
    pat = r"^(\d+)/tcp\s+open\b"
    return {int(m.group(1)) for m in re.finditer(pat, out, re.M)}, None


def median_fmt(xs, unit="s", digits=3):
    return "%.*f %s (%.*f-%.*f)" % (digits, statistics.median(xs), unit, digits, min(xs), digits, max(xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default="build/release")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--no-docs", action="store_true")
    ap.add_argument("--no-netns", action="store_true", help="scan this machine's loopback, not a fresh namespace's")
    ap.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--concurrency", type=int, default=None, help="corio scan --concurrency (default: its own)")
    ap.add_argument("--from-results", metavar="JSONL", help="rewrite the docs from a bench/results/w08-*.jsonl, no scan")
    args = ap.parse_args()
    if args.from_results:
        with open(args.from_results) as f:
            meta = json.loads(f.readline())
            runs = [json.loads(line) for line in f]
        for k in ("build_dir", "reps", "in_netns"):
            setattr(args, k, meta[k])
        write_docs(args, runs, summarize(runs), meta["opened"], meta["measured"], meta["machine"])
        return

    corio = os.path.join(ROOT, args.build_dir, "tools", "corio")
    if not os.access(corio, os.X_OK):
        raise SystemExit("w08: %s not found; build it (cmake --build %s --target corio_cli)" % (corio, args.build_dir))
    if not sh(["sh", "-c", "command -v nmap"]).strip():
        raise SystemExit("w08: nmap is not installed (scripts/bootstrap installs it)")
    if subprocess.run([PY, "-c", "import async_timeout"], capture_output=True).returncode != 0:
        raise SystemExit("w08: the seed's scanner needs python3-async-timeout (scripts/bootstrap installs it)")

    corio_cmd = [corio, "scan", TARGET, "--ports", "1-65535"]
    if args.concurrency:
        corio_cmd += ["--concurrency", str(args.concurrency)]
    # corio runs on its default driver (io_uring) and, as a fourth row, on epoll.
    systems = {
        "corio": corio_cmd,
        "nmap": ["nmap", "-sT", "-p-", "-T5", "-n", "-Pn", TARGET],
        "asyncio-seed": [PY, "bench/peers/python/w08_scan.py", TARGET, "1-65535", "500", "0.1"],
        "corio-epoll": ["env", "CORIO_DRIVER=epoll"] + corio_cmd,
    }
    # Every scanner on CPU 0, ahead of the builds that share this machine.
    pin = ["nice", "-n", "-10", "taskset", "-c", "0"]

    helper = subprocess.Popen(["taskset", "-c", "1", PY, "-c", HELPER, ",".join(map(str, KNOWN_PORTS))],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    opened = [int(p) for p in helper.stdout.readline().strip().split(",") if p]
    print("w08: helper listens on %d ports of %s: %s" % (len(opened), TARGET, ",".join(map(str, opened))))
    print("w08: %s" % ("fresh network namespace" if args.in_netns else "this machine's loopback"), flush=True)

    runs = []  # dicts: system, rep, wall, cpu, fp, fn, extra
    seed_mode = "full"
    try:
        names = list(systems)
        for rep in range(args.reps):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for name in order:
                argv = list(systems[name])
                scanned = 65535
                if name == "asyncio-seed" and seed_mode == "subrange":
                    argv[3] = "%d-%d" % SEED_SUBRANGE
                    scanned = SEED_SUBRANGE[1] - SEED_SUBRANGE[0] + 1
                busy = wait_quiet()
                load = os.getloadavg()[0]
                known_before = listening_ports()
                tw_before = timewait_count()
                cpu0 = children_cpu()
                out, wall, timed_out = run_timed(pin + argv, SEED_LIMIT_S if name == "asyncio-seed" else 300)
                cpu = children_cpu() - cpu0
                if timed_out:
                    if name != "asyncio-seed":
                        raise SystemExit("w08: %s took over 300 s" % name)
                    print("w08: the seed's scanner took over %d s; from now on it scans %d-%d, extrapolated"
                          % (SEED_LIMIT_S, *SEED_SUBRANGE))
                    seed_mode = "subrange"
                    argv[3] = "%d-%d" % SEED_SUBRANGE
                    scanned = SEED_SUBRANGE[1] - SEED_SUBRANGE[0] + 1
                    cpu0 = children_cpu()
                    out, wall, _ = run_timed(pin + argv, SEED_LIMIT_S)
                    cpu = children_cpu() - cpu0
                known = known_before | listening_ports()
                lo, hi = (1, 65535) if scanned == 65535 else SEED_SUBRANGE
                known = {p for p in known if lo <= p <= hi}
                found, _ = parse_open(name, out)
                fp = sorted(found - known)
                fn = sorted(known - found)
                scale = 65535 / scanned
                run = {"system": name, "rep": rep, "argv": pin + argv, "wall_s": wall * scale, "cpu_s": cpu * scale,
                       "measured_wall_s": wall, "scanned": scanned, "extrapolated": scanned != 65535,
                       "false_positives": fp, "false_negatives": fn, "known": len(known),
                       "busy_at_start": round(busy, 2), "loadavg_at_start": load, "timewait_added": timewait_count() - tw_before}
                if name.startswith("corio"):
                    m = re.search(r"\((\d+) timed-out attempts, (\d+) self-connects", out)
                    run["corio_timeouts"] = int(m.group(1)) if m else 0
                    run["corio_self_connects"] = int(m.group(2)) if m else 0
                runs.append(run)
                print("w08: rep %d %-13s wall %7.3f s%s  cpu %6.3f s  wrong ports: %d (FP %s, FN %s)  TIME_WAIT +%d"
                      % (rep + 1, name, run["wall_s"], " (extrapolated)" if run["extrapolated"] else "",
                         run["cpu_s"], len(fp) + len(fn), fp or "-", fn or "-", run["timewait_added"]), flush=True)
    finally:
        helper.stdin.close()
        helper.wait(timeout=5)

    summary = summarize(runs)
    for name, s in summary.items():
        print("w08: %-13s wall %s, cpu %s, wrong ports %s" % (name, median_fmt(s["wall"]), median_fmt(s["cpu"]),
                                                            s["wrong"]))
    ratio_nmap = statistics.median(summary["nmap"]["wall"]) / statistics.median(summary["corio"]["wall"])
    ratio_seed = statistics.median(summary["asyncio-seed"]["wall"]) / statistics.median(summary["corio"]["wall"])
    print("w08: nmap / corio = %.2fx, seed / corio = %.2fx (wall-time medians)" % (ratio_nmap, ratio_seed))

    now = datetime.datetime.now()
    meta = {"build_dir": args.build_dir, "reps": args.reps, "in_netns": args.in_netns, "opened": opened,
            "measured": now.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench", "results", "w08-%s.jsonl" % now.strftime("%Y%m%d-%H%M%S")), "w") as f:
        f.write(json.dumps(meta) + "\n")  # first line: the run's settings; then one line per scan
        for r in runs:
            f.write(json.dumps(r) + "\n")
    if not args.no_docs:
        write_docs(args, runs, summary, opened, meta["measured"], meta["machine"])


def summarize(runs):
    out = {}
    for r in runs:
        s = out.setdefault(r["system"], {"wall": [], "cpu": [], "wrong": [], "fp": [], "fn": [], "extrapolated": False})
        s["wall"].append(r["wall_s"])
        s["cpu"].append(r["cpu_s"])
        s["wrong"].append(len(r["false_positives"]) + len(r["false_negatives"]))
        s["fp"].append(r["false_positives"])
        s["fn"].append(r["false_negatives"])
        s["extrapolated"] |= r["extrapolated"]
    return out


def load_note(runs):
    busy = [r["busy_at_start"] for r in runs]
    note = "busy fraction when the scans started: %.0f%%-%.0f%%" % (100 * min(busy), 100 * max(busy))
    loads = [r["loadavg_at_start"] for r in runs if "loadavg_at_start" in r]
    if loads:
        note += ", 1-minute load average %.1f-%.1f on 2 CPUs" % (min(loads), max(loads))
    return note


def machine():
    nmap = sh(["nmap", "--version"]).splitlines()[0]
    return "%s, %s, %s, Python %s; corio at %s" % (
        benchhost.host_line(), benchhost.gxx_version(), nmap, platform.python_version(), benchhost.commit(ROOT))


def write_docs(args, runs, summary, opened, measured, machine_line):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = ["corio", "corio-epoll", "nmap", "asyncio-seed"]
    labels = {"corio": "corio scan\n(io_uring)", "corio-epoll": "corio scan\n(epoll)", "nmap": "nmap -sT -T5",
              "asyncio-seed": "seed's asyncio\n(500, 0.1 s)"}
    corio_med = statistics.median(summary["corio"]["wall"])
    med = {n: statistics.median(summary[n]["wall"]) for n in names}
    fig, ax = plt.subplots(figsize=(7.5, 3.8), dpi=110)
    colors = {"corio": "#2a7ab9", "corio-epoll": "#6fa8d6", "nmap": "#888888", "asyncio-seed": "#d9822b"}
    for i, n in enumerate(names):
        w = summary[n]["wall"]
        ax.bar(i, med[n], color=colors[n], yerr=[[med[n] - min(w)], [max(w) - med[n]]], capsize=5)
        wrong = max(summary[n]["wrong"])
        note = "%.2f s\n%s wrong port%s" % (med[n], "max %d" % wrong if wrong else "0", "" if wrong == 1 else "s")
        if summary[n]["extrapolated"]:
            note += "\n(extrapolated)"
        ax.text(i, max(w) + max(med.values()) * 0.03, note, ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(names)), [labels[n] for n in names])
    ax.set_ylabel("wall time, s (median, min-max)")
    ax.set_ylim(0, max(max(summary[n]["wall"]) for n in names) * 1.45)
    ax.set_title("W8: TCP connect scan of 127.0.0.1:1-65535 (lower is better)", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.join(ROOT, "docs", "img"), exist_ok=True)
    fig.savefig(os.path.join(ROOT, "docs", "img", "w08.png"))

    def cmd(n):
        a = next(r["argv"] for r in runs if r["system"] == n)
        return shlex.join([os.path.relpath(x, ROOT) if x.startswith(ROOT) else x for x in a])

    def wrong_cell(n):
        s = summary[n]
        per_run = ", ".join("%d" % w for w in s["wrong"])
        fps = sorted({p for l in s["fp"] for p in l})
        fns = sorted({p for l in s["fn"] for p in l})
        detail = []
        if fps:
            detail.append("false positives: " + ", ".join(map(str, fps)))
        if fns:
            detail.append("false negatives: " + ", ".join(map(str, fns)))
        return per_run + ((" (" + "; ".join(detail) + ")") if detail else "")

    lines = []
    lines.append("# W8 port-scan\n")
    lines.append("A TCP connect scan of ports 1-65535 of 127.0.0.1 with a known set of listening ports "
                 "(BENCH.md W8): `corio scan` against `nmap -sT -p- -T5 -n -Pn` and seed 000's asyncio "
                 "scanner (concurrency 500, timeout 0.1 s), in the same run. Lower is better; a wrong port is "
                 "a false positive (reported open, nothing listening) or a false negative (listening, not "
                 "reported open), and must be 0.\n")
    lines.append("Measured %s on %s; %d repetitions, the order of the systems rotating from one to the next, "
                 "every scanner pinned with `taskset -c 0`, the listener helper with `taskset -c 1`; %s. "
                 "Before each scan the runner waited up to 30 s for the machine to be at most 25%% busy (other builds "
                 "share it), %s.\n"
                 % (measured, machine_line, args.reps,
                    "in a fresh network namespace (`unshare -n`), so that only the helper's ports listen"
                    if args.in_netns else "on this machine's loopback",
                    load_note(runs)))
    if statistics.median(r["busy_at_start"] for r in runs) > 0.5:
        lines.append("**The machine was busy with other work during these runs**, so each scanner also waited for "
                     "the CPU: its wall time is %.1f-%.1fx its CPU time here. The CPU-time column is the steadier "
                     "comparison; the ratio of wall times holds as long as all systems are slowed alike, which the "
                     "rotating order is there for.\n"
                     % (min(r["wall_s"] / r["cpu_s"] for r in runs if r["cpu_s"] > 0),
                        max(r["wall_s"] / r["cpu_s"] for r in runs if r["cpu_s"] > 0)))
    lines.append("Reproduce: `bench/w08_scan.sh --build-dir %s --reps %d` (nmap and python3-async-timeout come "
                 "from `scripts/bootstrap`).\n" % (args.build_dir, args.reps))
    lines.append("Known open ports (%d, the helper's, from `ss -ltnH`): %s.\n" % (len(opened), ", ".join(map(str, opened))))
    lines.append("| system | wall time, median (min-max) | CPU time (user+sys), median | system / corio (wall) | wrong ports per run | command |")
    lines.append("|---|---|---|---|---|---|")
    for n in names:
        s = summary[n]
        ratio = "1" if n == "corio" else "%.2fx" % (med[n] / corio_med)
        wall = median_fmt(s["wall"])
        if s["extrapolated"]:
            wall += " (extrapolated from %d-%d)" % SEED_SUBRANGE
        lines.append("| **%s** | %s | %s | %s | %s | `%s` |" % (n, wall, median_fmt(s["cpu"]), ratio, wrong_cell(n), cmd(n)))
    lines.append("")
    ratio_nmap = med["nmap"] / corio_med
    corio_wrong = sum(summary["corio"]["wrong"]) + sum(summary["corio-epoll"]["wrong"])
    cpu_ratio = statistics.median(summary["nmap"]["cpu"]) / statistics.median(summary["corio"]["cpu"])
    lines.append("Target: corio at least 2x faster than nmap with zero wrong ports: nmap / corio = %.2fx in wall "
                 "time (%.2fx in CPU time), corio's wrong ports %d: **%s**.\n"
                 % (ratio_nmap, cpu_ratio, corio_wrong, "PASS" if ratio_nmap >= 2 and corio_wrong == 0 else "FAIL"))
    sc = [r.get("corio_self_connects", 0) for r in runs if r["system"].startswith("corio")]
    to = [r.get("corio_timeouts", 0) for r in runs if r["system"].startswith("corio")]
    tw = {n: [r["timewait_added"] for r in runs if r["system"] == n] for n in names}
    lines.append("![W8 wall times](../img/w08.png)\n")
    lines.append("## Notes\n")
    lines.append("- Self-connects: when corio scanned a port of the ephemeral range (32768-60999), the kernel "
                 "now and then picked that very port as the source port, and the socket connected to itself "
                 "(TCP simultaneous open) although nothing listens there. corio counts such a connect as closed "
                 "(self-connects per run: %s); a scanner that does not check reports a false positive. "
                 "Timed-out attempts per corio run: %s. Sockets left in TIME_WAIT by each scan (`ss -s`, after "
                 "minus before): corio %s (it closes connected sockets with SO_LINGER 0), nmap %s, the seed's %s."
                 % (sc, to, tw["corio"] + tw["corio-epoll"], tw["nmap"], tw["asyncio-seed"]))
    lines.append("- The seed's scanner runs a blocking connect() inside the event loop (its socket is never made "
                 "non-blocking), so its 500 workers connect one after another; on loopback every connect answers "
                 "at once, which is why it finishes at all. It has no self-connect check, takes a timeout for "
                 "closed, and dies on any other OSError (see `bench/peers/python/w08_scan.py`).")
    lines.append("- CPU time (user + system of the scanner process, from wait4) is mostly the kernel's work "
                 "on the connects; it leaves out the softirq time of the loopback (SYN, RST), about 0.15 s per "
                 "full scan for any scanner. It is steadier than wall time on this shared machine.\n")
    os.makedirs(os.path.join(ROOT, "docs", "bench"), exist_ok=True)
    with open(os.path.join(ROOT, "docs", "bench", "w08.md"), "w") as f:
        f.write("\n".join(lines))
    print("w08: wrote docs/bench/w08.md and docs/img/w08.png")


if __name__ == "__main__":
    main()
