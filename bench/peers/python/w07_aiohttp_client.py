"""W7 http-client peer: N GETs to a local HTTP server, CONC at a time, over one aiohttp
ClientSession whose TCPConnector has limit=CONC (the same as bench/macro/w07_http_client.cpp).

usage: python3 w07_aiohttp_client.py asyncio|uvloop URL [N=20000] [CONC=100] [MODE=workers|tasks]

MODE workers: CONC tasks each take the next request from a shared counter until N are sent.
MODE tasks:   N tasks gathered at once, the connector's limit queueing them.
Every response must be 200 with the first response's body; the body is read whole.
Prints one JSON line (requests_per_s, wall_s, cpu_s, ...).
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import emit, loop_version, pick_loop  # noqa: E402


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    loop_name, url = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    conc = int(sys.argv[4]) if len(sys.argv) > 4 else 100
    mode = sys.argv[5] if len(sys.argv) > 5 else "workers"
    if mode not in ("workers", "tasks"):
        raise SystemExit("MODE must be workers or tasks")
    asyncio = pick_loop(loop_name)
    import aiohttp

    st = {"next": 0, "done": 0, "bad": 0, "bytes": 0, "first": None}

    async def fetch(session):
        async with session.get(url) as resp:
            body = await resp.read()
            if resp.status != 200:
                st["bad"] += 1
        if st["first"] is None:
            st["first"] = body
        elif body != st["first"]:
            st["bad"] += 1
        st["bytes"] += len(body)
        st["done"] += 1

    async def worker(session):
        while st["next"] < n:
            st["next"] += 1
            await fetch(session)

    async def run():
        connector = aiohttp.TCPConnector(limit=conc)
        async with aiohttp.ClientSession(connector=connector) as session:
            c0 = time.process_time()
            t0 = time.perf_counter()
            if mode == "workers":
                await asyncio.gather(*[worker(session) for _ in range(conc)])
            else:
                await asyncio.gather(*[fetch(session) for _ in range(n)])
            wall = time.perf_counter() - t0
            cpu = time.process_time() - c0
        return wall, cpu

    wall, cpu = asyncio.run(run())
    if st["done"] != n or st["bad"]:
        raise SystemExit("w07: %d of %d done, %d bad responses" % (st["done"], n, st["bad"]))
    emit("w07", "aiohttp-" + loop_name, impl="aiohttp %s ClientSession (%s)" % (aiohttp.__version__, loop_version(loop_name)),
         mode=mode, requests=n, concurrency=conc, requests_per_s=n / wall, wall_s=wall, cpu_s=cpu,
         body_bytes=st["bytes"])


if __name__ == "__main__":
    main()
