"""W2 switch: the cost of handing control from one coroutine to another.

usage: python3 w02_switch.py MODE [asyncio|uvloop] [N=1000000]

  sleep0  one task does `await asyncio.sleep(0)` N times         unit: one sleep(0)
  event   two tasks ping-pong through two asyncio.Events,         unit: one hand-off
          N round trips (2 hand-offs each)                        (= round trip / 2)
  gen     the seeds' producer/consumer: a plain generator,        unit: one send
          `c.send(n)` into `n = yield r`, N times (no event loop)

"ns_per_switch" is the time per unit. A warm-up of N/20 runs first.
"""
import sys

from common import emit, loop_version, now_ns

MODE = sys.argv[1] if len(sys.argv) > 1 else "sleep0"
LOOP = sys.argv[2] if len(sys.argv) > 2 else "asyncio"
N = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000


def run_asyncio():
    from common import pick_loop
    asyncio = pick_loop(LOOP)

    async def sleep0(n):
        for _ in range(n):
            await asyncio.sleep(0)

    async def event_pingpong(n):
        ping, pong = asyncio.Event(), asyncio.Event()

        async def a():
            for _ in range(n):
                ping.set()
                await pong.wait()
                pong.clear()

        async def b():
            for _ in range(n):
                await ping.wait()
                ping.clear()
                pong.set()

        await asyncio.gather(a(), b())

    fn = {"sleep0": sleep0, "event": event_pingpong}[MODE]

    async def main():
        await fn(max(N // 20, 1))  # warm-up
        t0 = now_ns()
        await fn(N)
        return now_ns() - t0

    dt = asyncio.run(main())
    per_switch = dt / N if MODE == "sleep0" else dt / N / 2
    emit("w2", LOOP, impl=loop_version(LOOP), mode=MODE, n=N, total_s=dt / 1e9,
         ns_per_switch=per_switch)


def run_gen():
    # The seeds' producer/consumer with the prints taken out.
    def consumer():
        r = ''
        while True:
            n = yield r
            if not n:
                return
            r = '200 OK'

    def produce(c, count):
        c.send(None)
        n = 0
        r = None
        while n < count:
            n = n + 1
            r = c.send(n)
        c.close()
        return r

    produce(consumer(), max(N // 20, 1))  # warm-up
    t0 = now_ns()
    r = produce(consumer(), N)
    dt = now_ns() - t0
    assert r == '200 OK'
    emit("w2", "python-generator", impl="generator send (CPython %s)" % sys.version.split()[0],
         mode="gen", n=N, total_s=dt / 1e9, ns_per_switch=dt / N)


def run_gevent():
    import gevent

    def body(k):
        for _ in range(k):
            gevent.sleep(0)

    gevent.spawn(body, max(N // 20, 1)).join()  # warm-up
    t0 = now_ns()
    gevent.spawn(body, N).join()
    dt = now_ns() - t0
    emit("w2", "gevent", impl="gevent %s" % gevent.__version__, mode="sleep0", n=N,
         total_s=dt / 1e9, ns_per_switch=dt / N)


if MODE in ("sleep0", "event") and LOOP in ("asyncio", "uvloop"):
    run_asyncio()
elif MODE == "sleep0" and LOOP == "gevent":
    run_gevent()
elif MODE == "gen":
    run_gen()
else:
    raise SystemExit(__doc__)
