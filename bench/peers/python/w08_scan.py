"""W8 port-scan peer: seed 000's asyncio port scanner, as the seed wrote it.

The class ScanPort below is the seed's code with three changes that do not touch what
it measures: the target, the port range, the concurrency and the timeout come from the
command line (the seed's defaults are concurrency 500 and time_out 0.1 s, and it scans
1-65535 of a remote host); the per-port progress print ("扫描端口: ") is kept; and the
result goes out as one JSON line at the end for the W8 driver (bench/w08_scan.py).

Everything else is kept on purpose, because it is what W8 compares against, and also
why the seed's author saw wrong results:
- the socket is a blocking one (socket(AF_INET, SOCK_STREAM), no setblocking(False)),
  so loop.sock_connect() runs a blocking connect() inside the event loop: the 500
  workers take turns, and `timeout` cannot interrupt a connect that blocks;
- a timed-out connect is taken as closed (it is not retried, and not reported), so any
  port slower to answer than 0.1 s is a false negative;
- only TimeoutError, PermissionError and ConnectionRefusedError are caught: any other
  OSError (EADDRNOTAVAIL when ephemeral ports run out, EHOSTUNREACH, ...) kills the
  worker without task_done(), and queue.join() then waits forever;
- `with timeout(...)` is async_timeout's deprecated synchronous form (async_timeout
  4.0.2 from Debian still accepts it, with a DeprecationWarning).

usage: python3 w08_scan.py IP [FIRST-LAST=1-65535] [CONCURRENCY=500] [TIMEOUT=0.1]
"""
import sys
import warnings

from common import emit

from socket import socket, AF_INET, SOCK_STREAM
import time
import asyncio
from async_timeout import timeout

warnings.simplefilter("ignore", DeprecationWarning)  # `with timeout()`: see above


# ---- the seed's code (seed 000, 异步全端口扫描) ----
class ScanPort(object):
    def __init__(self, ip, time_out=0.1, port=None, concurrency=500):
        self.ip = ip
        self.port = port
        self.result = []
        self.loop = asyncio.get_event_loop()
        self.queue = asyncio.Queue()
        self.timeout = time_out
        self.concurrency = concurrency

    async def scan(self):
        while True:
            t1 = time.time()
            port = await self.queue.get()
            sock = socket(AF_INET, SOCK_STREAM)
            try:
                with timeout(self.timeout):
                    # 这里windows和Linux返回值不一样
                    # windows返回sock对象,Linux返回None
                    await self.loop.sock_connect(sock, (self.ip, port))
                    t2 = time.time()
                    # 所以这里直接直接判断sock
                    print("扫描端口: ", port)
                    if sock:
                        self.result.append(port)
                        print(time.strftime('%Y-%m-%d %H:%M:%S'), port, 'open', round(t2 - t1, 2))
            # 这里要捕获所有可能的异常,windows会抛出前两个异常,Linux直接抛最后一个异常
            # 如果有异常不处理的话会卡在这
            except (asyncio.TimeoutError, PermissionError, ConnectionRefusedError) as _:
                sock.close()
            sock.close()
            self.queue.task_done()

    async def start(self):
        start = time.time()
        if self.port:
            for a in self.port:
                self.queue.put_nowait(a)
        else:
            for a in range(1, 65535 + 1):
                self.queue.put_nowait(a)
        task = [self.loop.create_task(self.scan()) for _ in range(self.concurrency)]
        # 如果队列不为空,则一直在这里阻塞
        await self.queue.join()
        # 依次退出
        for a in task:
            a.cancel()
        # Wait until all worker tasks are cancelled.
        await asyncio.gather(*task, return_exceptions=True)
        print(f'扫描所用时间为:{time.time() - start:.2f}')
# ---- end of the seed's code ----


if __name__ == '__main__':
    ip = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    first, last = (int(x) for x in (sys.argv[2] if len(sys.argv) > 2 else "1-65535").split("-"))
    concurrency = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    time_out = float(sys.argv[4]) if len(sys.argv) > 4 else 0.1
    scan = ScanPort(ip, time_out=time_out, port=list(range(first, last + 1)), concurrency=concurrency)
    t0 = time.perf_counter()
    scan.loop.run_until_complete(scan.start())
    wall = time.perf_counter() - t0
    emit("w8", "asyncio-seed", ports=[first, last], scanned=last - first + 1, concurrency=concurrency,
         timeout_s=time_out, wall_s=wall, open=sorted(scan.result))
