"""``/health/ready`` under load: the app's own load cannot fail it, a database that does not
answer does, within ``connect_timeout``.

The real app under uvicorn, real PostgreSQL, 50 clients against a pool of 2 + 1 overflow: every
probe is 200 (the database answers; a busy pool is a warning), none a 5xx or a dropped
connection, the app holds at most its pool and one probe connection, and after a graceful
shutdown none is left on the server. The app connects as a role made for this test, so its
sessions are told apart from any other client of the shared server. Then, on a throwaway
cluster: a pool exhausted by slow requests keeps probes at 200 while the server answers, and
503 once it is frozen (SIGSTOP), each probe answered within about ``connect_timeout``.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.deps import SessionDep
from app.main import create_app
from settings import Settings
from settings.contrib.database import APPLICATION_NAME
from tests.support import uvicorn as servers
from tests.support.app_client import running
from tests.support.load import database_output, hammer, pool_counters
from tests.support.postgres import Login, OptionsCluster, eventually_zero, options_cluster
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
    ("pool_timeout", "stop_signal"),
    [
        pytest.param("1", signal.SIGINT, id="pool.timeout 1 s, SIGINT"),
        pytest.param("0.02", signal.SIGTERM, id="pool.timeout 20 ms, SIGTERM"),
    ],
)
async def test_ready_under_load_answers_200_and_leaves_no_connection(
    tmp_path: Path,
    postgres_url: str,
    load_role: Login,
    pool_timeout: str,
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
    # The database answers all along: the app's own load never fails readiness.
    assert set(statuses) == {200}, [database_output(o) for o in outcomes if o.status != 200]
    for outcome in outcomes:
        counters = pool_counters(outcome)
        assert counters["size"] == SIZE
        assert counters["checked_out"] <= SIZE + OVERFLOW
        assert counters["overflow"] <= OVERFLOW
    # The probes really overlapped: some saw the pool's own size in use. (Whether the overflow
    # fills too is up to the scheduler; a pool held full deterministically is the slow-request
    # test below.)
    assert max(pool_counters(o)["checked_out"] for o in outcomes) >= SIZE
    assert 1 <= most_sessions <= SIZE + OVERFLOW + 1  # the pool, and one probe of its own
    assert held_while_serving >= 1

    assert exit_status in (0, -stop_signal)  # uvicorn re-raises SIGTERM once it has shut down
    assert "Application shutdown complete" in server.stderr
    assert "Traceback" not in server.output
    left = await eventually_zero(lambda: sessions(postgres_url, load_role.username))
    assert left == 0


CONNECT_TIMEOUT = 2.0


@pytest.fixture(scope="module")
def freezable() -> Iterator[OptionsCluster]:
    """A throwaway cluster the tests may freeze (SIGSTOP); thawed again at the end."""
    with options_cluster() as cluster:
        yield cluster


@pytest.fixture
def frozen_app(freezable: OptionsCluster, make_settings: Callable[..., Settings]) -> FastAPI:
    """The app on ``freezable`` with a pool of 2, and ``GET /slow`` holding a connection."""
    settings = make_settings(
        DATABASE_URL=f"postgresql://{freezable.host}:{freezable.port}/postgres",
        DB_USERNAME="postgres",
        DB_PASSWORD=freezable.superuser_password,
        APP_DATABASE__POOL__SIZE="2",
        APP_DATABASE__POOL__MAX_OVERFLOW="0",
        APP_DATABASE__POOL__TIMEOUT="30",
        APP_DATABASE__CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
    )
    app = create_app(settings)

    @app.get("/slow")
    async def slow(session: SessionDep) -> None:
        await session.execute(text("SELECT pg_sleep(1.5)"))

    return app


async def probe(client: httpx.AsyncClient) -> tuple[int, float, dict[str, Any]]:
    started = time.monotonic()
    response = await client.get("/health/ready")
    return response.status_code, time.monotonic() - started, response.json()


async def test_pool_exhausted_by_slow_requests_probes_pass_then_fail_when_frozen(
    freezable: OptionsCluster, frozen_app: FastAPI
) -> None:
    async with running(frozen_app) as client:
        slow = [asyncio.create_task(client.get("/slow")) for _ in range(4)]
        await asyncio.sleep(0.5)  # two hold the pool, two wait for it
        busy = [await probe(client) for _ in range(3)]
        await asyncio.gather(*slow)

        holding = [asyncio.create_task(client.get("/slow")) for _ in range(2)]
        await asyncio.sleep(0.5)
        freezable.signal_all(signal.SIGSTOP)
        try:
            frozen = [await probe(client) for _ in range(2)]
        finally:
            freezable.signal_all(signal.SIGCONT)
        await asyncio.gather(*holding)
        after = await probe(client)

    for status, waited, body in busy:
        assert status == 200, body
        [connections] = body["checks"]["database:connections"]
        assert connections["status"] == "warn"
        assert connections["observedValue"]["checked_out"] == 2
        assert waited < CONNECT_TIMEOUT
    for status, waited, body in frozen:
        assert status == 503, body
        [database] = body["checks"]["database:responseTime"]
        assert database["output"] == f"no answer within {CONNECT_TIMEOUT:g} s"
        assert waited < CONNECT_TIMEOUT + 0.5
    assert after[0] == 200


async def test_frozen_server_with_idle_connections_first_probe_within_connect_timeout(
    freezable: OptionsCluster, frozen_app: FastAPI
) -> None:
    async with running(frozen_app) as client:
        opened = await asyncio.gather(probe(client), probe(client))  # idle connections open
        freezable.signal_all(signal.SIGSTOP)
        try:
            status, waited, _ = await probe(client)
        finally:
            freezable.signal_all(signal.SIGCONT)

    assert [o[0] for o in opened] == [200, 200]
    assert status == 503
    assert waited < CONNECT_TIMEOUT + 0.5  # not connect_timeout + SQLAlchemy's 2 s close
