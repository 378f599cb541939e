"""W1 spawn: create N tasks of `async def f(x): return x`, then gather them.

usage: python3 w01_spawn.py [asyncio|uvloop] [N=1000000]

Timed: creating the N tasks (asyncio.create_task of each coroutine), running them, and
collecting the N results with asyncio.gather. A warm-up of 10,000 tasks runs first on
the same loop. The garbage collector stays on (as in a real program).
"""
import sys

from common import emit, loop_version, now_ns, pick_loop

LOOP = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
asyncio = pick_loop(LOOP)


async def f(x):
    return x


async def spawn_gather(n):
    tasks = [asyncio.create_task(f(i)) for i in range(n)]
    return await asyncio.gather(*tasks)


async def main():
    await spawn_gather(10_000)  # warm-up
    t0 = now_ns()
    res = await spawn_gather(N)
    dt = now_ns() - t0
    assert len(res) == N and sum(res) == N * (N - 1) // 2
    return dt


dt = asyncio.run(main())
emit("w1", LOOP, impl=loop_version(LOOP), n=N, total_s=dt / 1e9, ns_per_task=dt / N)
