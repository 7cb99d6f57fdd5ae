"""``X-Request-ID``: a valid incoming id is echoed, anything else replaced by a fresh one."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI, Request

from app.main import create_app
from settings import Settings
from tests.support.app_client import running

FRESH = re.compile(r"[0-9a-f]{32}")


async def raw_get(app: FastAPI, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Send bytes no HTTP client would, straight through ASGI; return the response headers."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/health/live",
        "raw_path": b"/health/live",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    await app(scope, receive, send)
    assert messages[0]["status"] == 200
    return list(messages[0]["headers"])


@pytest.mark.parametrize("incoming", ["a", "req-123_abc.DEF", "x" * 128, "0" * 32])
async def test_a_valid_id_is_echoed(make_settings: Callable[..., Settings], incoming: str) -> None:
    async with running(create_app(make_settings())) as client:
        response = await client.get("/health/live", headers={"X-Request-ID": incoming})

    assert response.headers["X-Request-ID"] == incoming


@pytest.mark.parametrize(
    "incoming",
    [
        b"",
        b"x" * 129,
        b"abc\r\nSet-Cookie: session=stolen",
        b"abc\ndef",
        b"caf\xc3\xa9",  # UTF-8 for "café": a letter, but not an ASCII one
        b"caf\xe9",  # the same in Latin-1
        b"with space",
        b"a;b",
        b"../../etc/passwd",
        b"<script>",
    ],
)
async def test_anything_else_is_replaced_by_a_fresh_id(
    make_settings: Callable[..., Settings], incoming: bytes
) -> None:
    app = create_app(make_settings())
    async with running(app):
        headers = await raw_get(app, [(b"x-request-id", incoming)])

    ids = [value for name, value in headers if name == b"x-request-id"]
    assert len(ids) == 1
    assert FRESH.fullmatch(ids[0].decode())
    assert not any(name == b"set-cookie" for name, _ in headers)


async def test_every_response_gets_its_own_id(make_settings: Callable[..., Settings]) -> None:
    async with running(create_app(make_settings())) as client:
        responses = [
            await client.get("/health/live"),
            await client.get("/no/such/page"),
            await client.get("/health/live", headers={"Host": "evil.example"}),
        ]

    assert [r.status_code for r in responses] == [200, 404, 400]
    ids = {r.headers["X-Request-ID"] for r in responses}
    assert len(ids) == 3
    assert all(FRESH.fullmatch(i) for i in ids)
    # uuid4s, as uuid.uuid4() makes them: version 4, RFC 4122's variant
    assert {(uuid.UUID(i).version, uuid.UUID(i).variant) for i in ids} == {(4, uuid.RFC_4122)}


async def test_handlers_read_the_id_from_request_state(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())

    @app.get("/id")
    async def show(request: Request) -> str:
        return str(request.state.request_id)

    async with running(app) as client:
        response = await client.get("/id", headers={"X-Request-ID": "trace-42"})

    assert response.json() == "trace-42"
