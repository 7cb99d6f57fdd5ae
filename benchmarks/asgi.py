"""Drive an ASGI app in-process: no server, no sockets, only the app's own work per request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI


def new_loop() -> asyncio.AbstractEventLoop:
    """The event loop uvicorn serves with here (its ``--loop auto``): uvloop's when it is
    installed, as ``uvicorn[standard]`` installs it, else asyncio's."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def scope(path: str, host: str = "127.0.0.1") -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "headers": [(b"host", host.encode()), (b"user-agent", b"bench")],
    }


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[None]:
    """The app's lifespan, entered and exited as a server would."""
    async with app.router.lifespan_context(app):
        yield


async def microseconds_per_request(app: FastAPI, path: str, requests: int) -> float:
    """Mean wall time of ``requests`` sequential requests; raises unless every one is a 200."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    base = scope(path)
    started = time.perf_counter()
    for _ in range(requests):
        await app({**base, "state": {}}, receive, send)
    elapsed = time.perf_counter() - started
    if statuses.count(200) != requests:
        raise RuntimeError(f"{path}: statuses {sorted(set(statuses))}, expected only 200")
    return elapsed / requests * 1e6


def sampler(
    loop: asyncio.AbstractEventLoop, app: FastAPI, path: str, requests: int
) -> Callable[[], float]:
    def sample() -> float:
        return loop.run_until_complete(microseconds_per_request(app, path, requests))

    return sample
