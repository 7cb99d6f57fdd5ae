"""``/health/ready`` under load: the real app under uvicorn, real PostgreSQL, 50 clients against
a pool of 2 + 1 overflow.

Every answer is 200 or the documented 503 (no pooled connection free within ``pool.timeout``),
none is another 5xx or a dropped connection, the app never holds more connections than its pool
allows, and after a graceful shutdown none is left on the server. The app connects as a role
made for this test, so its sessions are told apart from any other client of the shared server.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from settings.contrib.database import APPLICATION_NAME
from tests.support import uvicorn as servers
from tests.support.load import database_output, hammer, pool_counters
from tests.support.postgres import Login, eventually_zero
from tests.support.project import BASE_SETTINGS_TOML

pytestmark = pytest.mark.postgres

SIZE, OVERFLOW = 2, 1
CLIENTS, REQUESTS = 50, 400


@pytest.fixture
async def load_role(postgres_url: str) -> AsyncIterator[Login]:
    """A login role of its own on the shared server, dropped afterwards with its sessions."""
    url = make_url(postgres_url)
    role = Login(
        url.host or "127.0.0.1",
        url.port or 5432,
        f"hardening_{secrets.token_hex(4)}",
        secrets.token_urlsafe(12),
        url.database or "postgres",
    )
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute(f"CREATE ROLE {role.username} LOGIN PASSWORD '{role.password}'")
        yield role
    finally:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
            role.username,
        )
        await admin.execute(f"DROP ROLE IF EXISTS {role.username}")
        await admin.close()


async def sessions(postgres_url: str, role: str) -> int:
    """The app's sessions on the server: its role, under the application name it sets."""
    connection = await asyncpg.connect(postgres_url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE usename = $1 AND application_name = $2",
                role,
                APPLICATION_NAME,
            )
        )
    finally:
        await connection.close()


@pytest.mark.parametrize(
    ("pool_timeout", "some_503", "stop_signal"),
    [
        pytest.param("1", False, signal.SIGINT, id="pool.timeout 1 s, SIGINT"),
        pytest.param(
            "0.02",
            True,
            signal.SIGTERM,
            id="pool.timeout 20 ms: some requests must give up, SIGTERM",
        ),
    ],
)
async def test_ready_under_load_answers_200_or_503_and_leaves_no_connection(
    tmp_path: Path,
    postgres_url: str,
    load_role: Login,
    pool_timeout: str,
    some_503: bool,
    stop_signal: signal.Signals,
) -> None:
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    environ = {
        **load_role.environ(),
        "ENV_FOR_DYNACONF": "testing",
        "APP_ALLOWED_HOSTS": "127.0.0.1",
        "APP_DATABASE__POOL__SIZE": str(SIZE),
        "APP_DATABASE__POOL__MAX_OVERFLOW": str(OVERFLOW),
        "APP_DATABASE__POOL__TIMEOUT": pool_timeout,
        "APP_DATABASE__CONNECT_TIMEOUT": "3",
    }
    most_sessions = 0
    loaded = False

    async def watch_sessions() -> None:
        nonlocal most_sessions
        while not loaded:
            count = await sessions(postgres_url, load_role.username)
            most_sessions = max(most_sessions, count)

    with servers.uvicorn(
        tmp_path, environ, app="app.main:app", options=("--no-access-log",)
    ) as server:
        await asyncio.to_thread(server.wait_serving)
        watcher = asyncio.create_task(watch_sessions())
        try:
            outcomes = await hammer(server.url, "/health/ready", clients=CLIENTS, requests=REQUESTS)
        finally:
            loaded = True
            await watcher
        held_while_serving = await sessions(postgres_url, load_role.username)
        exit_status = await asyncio.to_thread(server.stop, stop_signal)

    errors = [o.error for o in outcomes if o.error]
    statuses = [o.status for o in outcomes]
    assert len(outcomes) == REQUESTS
    assert errors == []
    assert set(statuses) <= {200, 503}, sorted(set(statuses) - {200, 503})
    assert statuses.count(200) > 0
    if some_503:
        assert statuses.count(503) > 0
    for outcome in outcomes:
        if outcome.status == 503:
            assert outcome.body["status"] == "fail"
            assert database_output(outcome) == f"no pooled connection free within {pool_timeout} s"
        counters = pool_counters(outcome)
        assert counters["size"] == SIZE
        assert counters["checked_out"] <= SIZE + OVERFLOW
        assert counters["overflow"] <= OVERFLOW
    # The clients really outnumbered the pool: at some point every connection was in use.
    assert max(pool_counters(o)["checked_out"] for o in outcomes) == SIZE + OVERFLOW
    assert 1 <= most_sessions <= SIZE + OVERFLOW
    assert held_while_serving >= 1

    assert exit_status in (0, -stop_signal)  # uvicorn re-raises SIGTERM once it has shut down
    assert "Application shutdown complete" in server.stderr
    assert "Traceback" not in server.output
    left = await eventually_zero(lambda: sessions(postgres_url, load_role.username))
    assert left == 0
