"""What the standalone benchmark runners (w06_http.py, w07_http_client.py, w08_scan.py)
ask of the host: how busy it is, the CPU time of a process tree, free ports, and the
versions that go into a result page's "measured on" line.

The machine is a shared 2-core VM, so every runner waits for a quiet moment, records how
busy the rest of the machine was during each run, and takes server CPU time from
/proc/PID/stat rather than trusting wall-clock rates alone.
"""
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import time


def sh(cmd):
    """stdout of cmd (a list), "" if it fails."""
    return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout


def free_port(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _cpu_times():
    with open("/proc/stat") as f:
        return list(map(int, f.readline().split()[1:]))


def proc_stat_busy():
    """Ticks (USER_HZ) all CPUs spent on anything but idle and iowait, since boot."""
    v = _cpu_times()
    return sum(v) - v[3] - v[4]


def busy_fraction(interval=0.3):
    """The fraction of all CPUs busy over the next `interval` seconds."""
    v0 = _cpu_times()
    time.sleep(interval)
    v1 = _cpu_times()
    total = sum(v1) - sum(v0)
    idle = (v1[3] + v1[4]) - (v0[3] + v0[4])
    return 1 - idle / max(1, total)


def wait_quiet(limit_s=30, busy=0.25):
    """Waits up to limit_s for the machine to be at most `busy` busy; returns the last
    reading."""
    end = time.time() + limit_s
    b = busy_fraction()
    while b > busy and time.time() < end:
        b = busy_fraction(0.5)
    return b


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def children_cpu():
    """User + system seconds of the reaped children of this process."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def tree_pids(pid):
    """pid and its descendants (nginx: master and workers)."""
    out, pending = [], [pid]
    while pending:
        p = pending.pop()
        out.append(p)
        try:
            with open("/proc/%d/task/%d/children" % (p, p)) as f:
                pending += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def cpu_ticks(pids):
    """utime+stime of every process in pids (all their threads), in USER_HZ ticks."""
    total = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
        except OSError:
            pass
    return total


def med(xs):
    return statistics.median(xs)


def verdict(ok):
    return "**PASS**" if ok else "**FAIL**"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "?"


def gxx_version():
    return sh(["g++", "--version"]).splitlines()[0] if shutil.which("g++") else "?"


def nginx_version():
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        return "?"
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    err = subprocess.run([nginx, "-v"], capture_output=True, text=True).stderr
    return err.strip().replace("nginx version: ", "")


def wrk_version():
    return sh(["wrk", "-v"]).splitlines()[0].split(" [")[0] if shutil.which("wrk") else "?"


def aiohttp_versions(python):
    """(aiohttp, uvloop) versions as `python` sees them."""
    v = sh([python, "-c", "import aiohttp, uvloop; print(aiohttp.__version__, uvloop.__version__)"]).split()
    return (v[0] if v else "?", v[1] if len(v) > 1 else "?")


def commit(root):
    return sh(["git", "-C", root, "rev-parse", "--short", "HEAD"]).strip()


def host_line():
    """"2 CPUs (model), Linux x.y" for a page's "measured on" line."""
    return "%d CPUs (%s), Linux %s" % (os.cpu_count(), cpu_model(), platform.release())
