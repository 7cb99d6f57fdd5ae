"""A small HTTP/1.1 load generator: N keep-alive connections, one request in flight on each.

Pure asyncio (``asyncio.Protocol``), so the benchmark needs nothing beyond the project's own
dependencies. It expects ``Content-Length`` responses, which is what Starlette sends.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Measurement:
    """Completed 200 responses per second, and ``probe``'s growth per completed request."""

    rate: float
    probe_per_request: float | None


@dataclass
class Load:
    completed: int = 0
    failed: int = 0
    first_failure: str = ""
    counting: bool = False
    running: bool = True


class _Client(asyncio.Protocol):
    def __init__(self, request: bytes, load: Load) -> None:
        self.request = request
        self.load = load
        self.buffer = b""
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].lower()
            start = head.find(b"\r\ncontent-length:")
            if start < 0:
                raise RuntimeError(f"response without content-length: {head[:200]!r}")
            stop = head.find(b"\r\n", start + 2)
            length = int(head[start + 17 : stop if stop > 0 else None])
            if len(self.buffer) < end + 4 + length:
                return
            ok = self.buffer[9:12] == b"200"
            if not ok and not self.load.failed:
                self.load.first_failure = self.buffer[: end + 4 + length].decode("latin-1")
            self.buffer = self.buffer[end + 4 + length :]
            if self.load.counting:
                self.load.completed += ok
                self.load.failed += not ok
            if self.load.running and self.transport is not None:
                self.transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _measure(
    host: str,
    port: int,
    path: str,
    connections: int,
    seconds: float,
    probe: Callable[[], float] | None,
) -> Measurement:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: bench\r\n\r\n".encode()
    load = Load()
    clients = [
        (await loop.create_connection(lambda: _Client(request, load), host, port))[1]
        for _ in range(connections)
    ]
    await asyncio.sleep(min(0.2, seconds / 5))  # every connection busy before counting
    load.counting = True
    started, probed = time.perf_counter(), probe() if probe else 0.0
    await asyncio.sleep(seconds)
    load.counting = False
    elapsed, probed = time.perf_counter() - started, (probe() if probe else 0.0) - probed
    load.running = False
    for client in clients:
        if client.transport is not None:
            client.transport.close()
    await asyncio.gather(*(client.closed for client in clients))
    if load.failed:
        raise RuntimeError(f"{load.failed} responses were not 200; first:\n{load.first_failure}")
    per_request = probed / load.completed if probe and load.completed else None
    return Measurement(load.completed / elapsed, per_request)


def measure(
    port: int,
    path: str,
    *,
    connections: int = 16,
    seconds: float = 2.0,
    host: str = "127.0.0.1",
    probe: Callable[[], float] | None = None,
) -> Measurement:
    """Load ``path`` for ``seconds``; raises if any response was not a 200.

    ``probe`` (say, the server's CPU seconds) is read when counting starts and stops.
    """
    return asyncio.run(_measure(host, port, path, connections, seconds, probe))


def cpu_seconds(pid: int) -> Callable[[], float] | None:
    """A probe of a process's user + system CPU time, where ``/proc`` exists (Linux)."""
    stat = f"/proc/{pid}/stat"
    if not os.path.exists(stat):
        return None
    ticks = os.sysconf("SC_CLK_TCK")

    def probe() -> float:
        with open(stat) as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return probe
