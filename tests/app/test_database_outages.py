"""A database that refuses or never answers: 503 in time, a log line saying what failed, no secret.

Neither needs a PostgreSQL server: a closed port refuses, and a socket that listens but never
accepts stands for a host that does not answer.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from settings import Settings
from tests.support.app_client import running, session_app
from tests.support.ports import free_port

PASSWORD = "p@ss:w/rd?#%-outage-canary"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose connections are queued by the kernel and never answered."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


def settings_for(make_settings: Callable[..., Settings], port: int) -> Settings:
    return make_settings(
        DATABASE_URL=f"postgresql://app@127.0.0.1:{port}/app",
        DB_PASSWORD=PASSWORD,
        APP_DATABASE__CONNECT_TIMEOUT="1",
    )


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert PASSWORD not in text
        assert "p%40ss" not in text  # nor its URL-escaped form


async def test_refused_connection(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(make_settings, free_port())

    async with running(session_app(settings)) as client:
        ready = await client.get("/health/ready")
        items = await client.get("/now")

    assert ready.status_code == 503
    assert ready.json()["checks"]["database:responseTime"][0]["output"] == (
        "connection failed (ConnectionRefusedError)"
    )
    assert items.status_code == 503
    assert items.json()["detail"] == (
        "The database is unavailable: connection failed (ConnectionRefusedError). Try again later."
    )
    [failure, *_] = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "Database check failed for postgresql+asyncpg://app:**********@127.0.0.1:" in failure
    assert "ConnectionRefusedError: [Errno 111]" in failure
    assert_no_secret(caplog.text, ready.text, items.text)


async def test_host_that_never_answers(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture, silent_port: int
) -> None:
    settings = settings_for(make_settings, silent_port)

    async with running(session_app(settings)) as client:
        started = time.monotonic()
        ready = await client.get("/health/ready")
        elapsed = time.monotonic() - started
        items = await client.get("/now")

    assert ready.status_code == 503
    assert elapsed < settings.database.connect_timeout + 1
    [database] = ready.json()["checks"]["database:responseTime"]
    assert database["output"] == "no answer within 1 s"
    assert items.status_code == 503
    assert any("no answer within 1 s" in r.getMessage() for r in caplog.records)
    assert_no_secret(caplog.text, ready.text, items.text)
