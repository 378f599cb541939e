"""W6 hello server on aiohttp.web: GET / -> 200 "Hello, World!" text/plain, keep-alive.

usage: python3 w06_aiohttp_server.py asyncio|uvloop PORT

Listens on 127.0.0.1:PORT with the access log off (as the nginx peer), prints one JSON
line with the port and the pid once listening, then serves until SIGTERM/SIGINT.
"""
import asyncio
import json
import os
import sys

from aiohttp import web

LOOP = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 8080


async def hello(request):
    return web.Response(text="Hello, World!")


async def main():
    app = web.Application()
    app.router.add_get("/", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", PORT, backlog=1024)
    await site.start()
    print(json.dumps({"port": PORT, "pid": os.getpid(), "loop": LOOP}), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    import signal
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    await stop.wait()
    await runner.cleanup()


if LOOP == "uvloop":
    import uvloop
    uvloop.install()
asyncio.run(main())
