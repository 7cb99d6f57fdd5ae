"""The application's own readiness check beside the database's: a Redis ``PING`` when
``redis_url`` is set, registered in the framework's registry (:mod:`settings.contrib.health`),
so ``/health/ready`` reports it as ``redis:responseTime`` and a failing one makes it 503.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import unquote

from starlette.requests import Request

from app.config import AppSettings
from settings.contrib.health import readiness_check


class RedisError(Exception):
    """Redis answered, but not ``PONG`` (a refused password, a server still loading)."""


@readiness_check("redis", timeout=1.0)
async def redis(settings: AppSettings, request: Request) -> bool | None:
    """``PING`` (after ``AUTH`` when the URL has a password) on a new connection; off while
    ``redis_url`` is unset, so development needs no Redis."""
    url = settings.redis_url
    if url is None:
        return None
    context = ssl.create_default_context() if url.scheme == "rediss" else None
    reader, writer = await asyncio.open_connection(url.host, url.port or 6379, ssl=context)
    try:
        if url.password:  # the URL holds them percent-encoded (p%40ss for p@ss): Redis does not
            user, password = unquote(url.username or ""), unquote(url.password)
            await _command(reader, writer, "AUTH", *filter(None, [user, password]))
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
