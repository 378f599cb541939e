#!/usr/bin/env bash
# W8 port-scan (BENCH.md): corio scan vs nmap vs seed 000's asyncio scanner.
#
#   bench/w08_scan.sh [--build-dir build/release] [--reps 3] [--no-docs] [--concurrency N]
#
# Runs bench/w08_scan.py inside a fresh network namespace (unshare -n, loopback up), so
# that the only listening ports are the ones the benchmark opens and no other program's
# sockets come and go during a scan; every packet stays on that namespace's loopback.
# Without the privilege to create one, run `python3 bench/w08_scan.py --no-netns`.
# Writes docs/bench/w08.md, docs/img/w08.png and bench/results/w08-<stamp>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--no-netns" ]]; then
  shift
  exec /usr/bin/python3 bench/w08_scan.py "$@"
fi
exec unshare --net -- bash -c 'ip link set lo up && exec /usr/bin/python3 bench/w08_scan.py --in-netns "$@"' w08 "$@"
