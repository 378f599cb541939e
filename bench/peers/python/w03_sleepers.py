"""W3 sleepers: N tasks each `await asyncio.sleep(1)`, all gathered.

usage: python3 w03_sleepers.py [asyncio|uvloop|gevent] [N=100000]

wall_s: from creating the first task to the end of the gather (ideal: 1 s).
bytes_per_task: (VmHWM at the end - VmRSS just before the tasks are created) / N,
both from /proc/self/status, i.e. the peak memory a sleeping task costs.
"""
import sys

from common import emit, loop_version, now_ns, proc_status_kib

KIND = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000

if KIND == "gevent":
    import gevent
    impl = "gevent %s" % gevent.__version__
    gevent.sleep(0)
    base_kib = proc_status_kib("VmRSS")
    t0 = now_ns()
    gevent.joinall([gevent.spawn(gevent.sleep, 1) for _ in range(N)])
    wall_ns = now_ns() - t0
else:
    from common import pick_loop
    asyncio = pick_loop(KIND)
    impl = loop_version(KIND)

    async def sleeper():
        await asyncio.sleep(1)

    async def main():
        await asyncio.sleep(0)
        base = proc_status_kib("VmRSS")
        t0 = now_ns()
        await asyncio.gather(*[asyncio.create_task(sleeper()) for _ in range(N)])
        return base, now_ns() - t0

    base_kib, wall_ns = asyncio.run(main())

hwm_kib = proc_status_kib("VmHWM")
emit("w3", KIND, impl=impl, n=N, wall_s=wall_ns / 1e9, base_rss_kib=base_kib,
     hwm_kib=hwm_kib, bytes_per_task=(hwm_kib - base_kib) * 1024 / N)
