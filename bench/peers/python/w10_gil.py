"""W10 threads: two threads each doing a CPU loop vs one thread doing both (Python's GIL).

usage: python3 w10_gil.py [N=5000000] [THREADS=2] [REPS=5]

The loop is the seeds' `x = x ^ 1` (003.8), N iterations. "one thread" runs THREADS loops
one after another on one thread; "threads" runs them at once on THREADS threading.Threads.
Each is timed REPS times, interleaved; the medians are reported, and
speedup = one_thread_s / threads_s. With the GIL it stays near 1 whatever the cores
(a free-threaded CPython build would approach THREADS). Same JSON fields as
bench/macro/w10_threads.cpp.
"""
import os
import statistics
import sys
import sysconfig
import threading
import time

from common import emit, now_ns

N = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
REPS = int(sys.argv[3]) if len(sys.argv) > 3 else 5


def spin(n):
    x = 0
    for _ in range(n):
        x = x ^ 1
    return x


def one_thread():
    t = threading.Thread(target=lambda: [spin(N) for _ in range(THREADS)])
    t0 = now_ns()
    t.start()
    t.join()
    return (now_ns() - t0) / 1e9


def many_threads():
    ts = [threading.Thread(target=spin, args=(N,)) for _ in range(THREADS)]
    cpu0 = time.process_time()
    t0 = now_ns()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    wall = (now_ns() - t0) / 1e9
    return wall, (time.process_time() - cpu0) / wall


spin(N // 100)  # warm-up
one, par, usage = [], [], []
for _ in range(REPS):
    one.append(one_thread())
    wall, use = many_threads()
    par.append(wall)
    usage.append(use)

gil = "no GIL (free-threaded)" if sysconfig.get_config_var("Py_GIL_DISABLED") else "GIL"
one_s, par_s = statistics.median(one), statistics.median(par)
emit("w10", "python-threading", impl="threading (CPython %s, %s)" % (sys.version.split()[0], gil),
     n=N, threads=THREADS, reps=REPS, cpus=len(os.sched_getaffinity(0)), one_thread_s=one_s,
     threads_s=par_s, speedup=one_s / par_s, cpu_usage=statistics.median(usage))
