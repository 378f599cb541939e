"""W12 file-read: read a page-cached file in 1 MiB chunks with aiofiles on asyncio.

Timed: open, the reads to EOF, close (`async with aiofiles.open(path, 'rb')`, then
`await f.read(chunk)` until it returns b''). Every aiofiles call runs on the loop's
default ThreadPoolExecutor. Prints one JSON line (GB/s, decimal, like dd).

usage: python3 w12_aiofiles.py PATH [asyncio|uvloop] [CHUNK_KIB=1024]
"""
import os
import sys

from common import emit, loop_version, now_ns, pick_loop

PATH = sys.argv[1] if len(sys.argv) > 1 else "/tmp/corio-w12.bin"
KIND = sys.argv[2] if len(sys.argv) > 2 else "asyncio"
CHUNK = (int(sys.argv[3]) if len(sys.argv) > 3 else 1024) * 1024
asyncio = pick_loop(KIND)

import aiofiles  # noqa: E402  (after the loop policy is installed)


async def main():
    size = os.stat(PATH).st_size
    n = chunks = 0
    checksum = 0
    t0 = now_ns()
    async with aiofiles.open(PATH, "rb") as f:
        while True:
            chunk = await f.read(CHUNK)
            if not chunk:
                break
            n += len(chunk)
            chunks += 1
            checksum ^= int.from_bytes(chunk[:8].ljust(8, b"\0"), "little")
    dt = now_ns() - t0
    if n != size:
        raise SystemExit("w12_aiofiles.py: read %d bytes of %d" % (n, size))
    return n, chunks, checksum, dt


n, chunks, checksum, dt = asyncio.run(main())
seconds = dt / 1e9
try:
    from importlib.metadata import version
    AIOFILES = version("aiofiles")
except Exception:  # noqa: BLE001  (only a label)
    AIOFILES = "?"
emit("w12", "aiofiles", impl="aiofiles %s on %s" % (AIOFILES, loop_version(KIND)),
     path=PATH, bytes=n, chunk=CHUNK, chunks=chunks, seconds=seconds,
     bytes_per_s=n / seconds, gb_per_s=n / seconds / 1e9, gib_per_s=n / seconds / 2**30, checksum=str(checksum))
