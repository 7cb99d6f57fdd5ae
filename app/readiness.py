"""Readiness checks of the application's own, next to the database's: ``/health/ready`` reports
each under its own name, and a failing one makes it 503.

A check is registered with :func:`readiness_check` and is an ``async`` function of the settings
that returns ``None`` when it does not apply (its service is not configured) and raises when the
service does not answer. Each runs bounded by its own timeout, all of them concurrently::

    @readiness_check("redis", timeout=1.0)
    async def redis(settings: AppSettings) -> bool | None:
        ...

The reference application registers one: a Redis ``PING`` when ``redis_url`` is set.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.config import AppSettings
from app.db import HealthCheck
from app.redaction import driver_error

#: ``(settings) -> None`` (not configured: skipped) or ``True``; raises when not ready.
CheckFunction = Callable[[AppSettings], Awaitable[bool | None]]


@dataclass(frozen=True)
class ReadinessCheck:
    name: str
    function: CheckFunction
    timeout: float


_checks: dict[str, ReadinessCheck] = {}


def readiness_check(name: str, *, timeout: float) -> Callable[[CheckFunction], CheckFunction]:
    """Register ``function`` as the readiness check ``name`` (``redis``), bounded by
    ``timeout`` seconds. Registering a name again replaces the check."""

    def register(function: CheckFunction) -> CheckFunction:
        _checks[name] = ReadinessCheck(name, function, timeout)
        return function

    return register


async def run_readiness_checks(settings: AppSettings) -> dict[str, HealthCheck]:
    """Every registered check that applies to ``settings``, run concurrently, by name. Each
    outcome is a :class:`app.db.HealthCheck`, as the database's is: words safe for a public
    health body (no host, no message)."""
    results = await asyncio.gather(*(_run(check, settings) for check in _checks.values()))
    return {
        check.name: result
        for check, result in zip(_checks.values(), results, strict=True)
        if result is not None
    }


async def _run(check: ReadinessCheck, settings: AppSettings) -> HealthCheck | None:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(check.timeout):
            applies = await check.function(settings)
    except TimeoutError:
        failure: str | None = f"no answer within {check.timeout:g} s"
    except Exception as exc:
        failure = f"connection failed ({type(driver_error(exc)).__name__})"
    else:
        if applies is None:
            return None
        failure = None
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return HealthCheck(failure is None, latency_ms, failure)


class RedisError(Exception):
    """Redis answered, but not ``PONG`` (a refused password, a server still loading)."""


@readiness_check("redis", timeout=1.0)
async def redis(settings: AppSettings) -> bool | None:
    """``PING`` (after ``AUTH`` when the URL has a password) on a new connection; off while
    ``redis_url`` is unset, so development needs no Redis."""
    url = settings.redis_url
    if url is None:
        return None
    context = ssl.create_default_context() if url.scheme == "rediss" else None
    reader, writer = await asyncio.open_connection(url.host, url.port or 6379, ssl=context)
    try:
        if url.password:
            await _command(reader, writer, "AUTH", *filter(None, [url.username, url.password]))
        await _command(reader, writer, "PING")
    finally:
        writer.close()
        await writer.wait_closed()
    return True


async def _command(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *args: str) -> None:
    """One command in RESP (Redis's protocol); raises unless the reply is a simple string."""
    parts = [f"*{len(args)}\r\n".encode()]
    for arg in args:
        data = arg.encode()
        parts += [f"${len(data)}\r\n".encode(), data, b"\r\n"]
    writer.write(b"".join(parts))
    await writer.drain()
    reply = await reader.readline()
    if not reply.startswith(b"+"):
        raise RedisError("unexpected reply")  # never the reply itself: it may echo a password
