"""W5 echo: a TCP echo server on asyncio or uvloop, for bench/macro/w05_echo_client.cpp.

usage: python3 w05_echo_server.py asyncio|uvloop streams|protocol PORT

  streams    asyncio.start_server + the documentation's handler: read(65536), write,
             drain (the same code as corio's w05_echo_server streams)
  protocol   loop.create_server + a Protocol whose data_received writes the data back

Listens on 127.0.0.1:PORT (0: any free port), prints one JSON line with the port and the
pid once listening, then serves until SIGTERM/SIGINT.
"""
import asyncio
import os
import sys

from common import emit, loop_version, pick_loop

LOOP = sys.argv[1] if len(sys.argv) > 1 else "asyncio"
MODE = sys.argv[2] if len(sys.argv) > 2 else "streams"
PORT = int(sys.argv[3]) if len(sys.argv) > 3 else 0


async def handle_echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    writer.close()


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


async def main():
    if MODE == "streams":
        server = await asyncio.start_server(handle_echo, "127.0.0.1", PORT, backlog=1024)
    elif MODE == "protocol":
        server = await asyncio.get_running_loop().create_server(Echo, "127.0.0.1", PORT,
                                                                backlog=1024)
    else:
        raise SystemExit("mode must be streams or protocol, not %r" % MODE)
    port = server.sockets[0].getsockname()[1]
    emit("w05", LOOP, impl="%s %s" % (loop_version(LOOP), MODE), mode=MODE, port=port)
    async with server:
        await server.serve_forever()


pick_loop(LOOP)
try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
