"""Helpers shared by the Python peers: loop selection, /proc memory figures, one JSON line.

Every peer prints exactly one JSON object on one line on stdout; bench/run.py collects it.
"""
import json
import os
import sys
import time


def pick_loop(name):
    """Install the event loop policy for `name` ("asyncio" or "uvloop"); return asyncio."""
    import asyncio
    if name == "uvloop":
        import uvloop
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    elif name != "asyncio":
        raise SystemExit("loop must be asyncio or uvloop, not %r" % name)
    return asyncio


def loop_version(name):
    if name == "uvloop":
        import uvloop
        return "uvloop %s" % uvloop.__version__
    return "asyncio (CPython %s)" % sys.version.split()[0]


def proc_status_kib(field):
    """A `kB` field of /proc/self/status (VmRSS, VmHWM, ...), in KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def now_ns():
    return time.perf_counter_ns()


def emit(workload, system, **fields):
    """Print the result as one JSON line."""
    rec = {"workload": workload, "system": system}
    rec.update(fields)
    rec.update({"version": sys.version.split()[0], "pid": os.getpid(),
                "affinity": sorted(os.sched_getaffinity(0))})
    print(json.dumps(rec), flush=True)
