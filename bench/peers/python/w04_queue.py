"""W4 queue: asyncio.Queue(maxsize=1024), 1 producer puts N ints, 4 consumers get() +
task_done(), the producer then awaits queue.join(). Timed from the first put to join()
returning; a warm-up round of N/20 items runs first.

usage: python3 w04_queue.py [asyncio|uvloop] [N=1000000] [CONSUMERS=4]
"""
import sys

from common import emit, loop_version, now_ns, pick_loop

KIND = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
C = int(sys.argv[3]) if len(sys.argv) > 3 else 4
asyncio = pick_loop(KIND)


async def run(n):
    q = asyncio.Queue(maxsize=1024)
    counts = [0] * C
    sums = [0] * C

    async def consumer(k):
        while True:
            item = await q.get()
            counts[k] += 1
            sums[k] += item
            q.task_done()

    workers = [asyncio.create_task(consumer(k)) for k in range(C)]
    t0 = now_ns()
    for i in range(n):
        await q.put(i)
    await q.join()
    dt = now_ns() - t0
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    if sum(counts) != n or sum(sums) != n * (n - 1) // 2:
        raise SystemExit("w04_queue.py: lost or duplicated items")
    return dt, counts


async def main():
    await run(max(N // 20, 1))  # warm-up
    return await run(N)


dt, counts = asyncio.run(main())
emit("w4", KIND, impl=loop_version(KIND), n=N, consumers=C, total_s=dt / 1e9,
     items_per_s=N / (dt / 1e9), ns_per_item=dt / N, per_consumer=counts)
