"""Many concurrent clients on one URL, every outcome recorded: when, how long, what came back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Outcome:
    """One request: when it started and ended (monotonic seconds), and its status or error."""

    started: float
    ended: float
    status: int | None = None
    body: Any = None
    error: str | None = None

    @property
    def elapsed(self) -> float:
        return self.ended - self.started


async def hammer(
    base_url: str,
    path: str,
    *,
    clients: int,
    requests: int | None = None,
    until: Callable[[], bool] | None = None,
    outcomes: list[Outcome] | None = None,
) -> list[Outcome]:
    """``clients`` concurrent clients sending GET ``path``, ``requests`` in all, or until
    ``until()`` is true. Transport errors are recorded, not raised.

    Each outcome is appended to ``outcomes`` (a new list if not given) as it comes, so a test
    can watch the load while it runs.
    """
    if (requests is None) == (until is None):
        raise ValueError("give either requests or until")
    record: list[Outcome] = [] if outcomes is None else outcomes
    sent = 0

    def more() -> bool:
        nonlocal sent
        if until is not None:
            return not until()
        sent += 1
        return sent <= (requests or 0)

    async def client_loop(client: httpx.AsyncClient) -> None:
        while more():
            started = time.monotonic()
            try:
                response = await client.get(path)
            except httpx.TransportError as exc:
                record.append(Outcome(started, time.monotonic(), error=repr(exc)))
                continue
            body = response.json() if "json" in response.headers.get("content-type", "") else None
            record.append(Outcome(started, time.monotonic(), response.status_code, body))

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, limits=limits, timeout=30, trust_env=False
    ) as client:
        await asyncio.gather(*(client_loop(client) for _ in range(clients)))
    return record


def pool_counters(outcome: Outcome) -> dict[str, int]:
    """The pool's counters a readiness body reports: size, checked_out, overflow."""
    [connections] = outcome.body["checks"]["database:connections"]
    counters: dict[str, int] = connections["observedValue"]
    return counters


def database_output(outcome: Outcome) -> str | None:
    """What a failed readiness check says went wrong."""
    [database] = outcome.body["checks"]["database:responseTime"]
    output: str | None = database.get("output")
    return output
