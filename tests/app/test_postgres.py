"""The app against real PostgreSQL: readiness, outages, wrong passwords, a full pool, shutdown.

The running server (``postgres_url``) serves the pool tests; a throwaway cluster with
scram-sha-256 authentication serves the tests that need a password or stop the server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.db import APPLICATION_NAME
from app.deps import SessionDep
from app.main import create_app
from settings import Settings
from tests.app.client import running
from tests.conftest import Login
from tests.pgcluster import PgCluster

pytestmark = pytest.mark.postgres


def app_with_session_route(settings: Settings) -> FastAPI:
    app = create_app(settings)

    @app.get("/now")
    async def now(session: SessionDep) -> dict[str, Any]:
        return {"now": str((await session.execute(text("SELECT now()"))).scalar_one())}

    return app


async def app_sessions(postgres_url: str) -> int:
    """Server sessions opened by an app (they carry our application_name)."""
    connection = await asyncpg.connect(postgres_url)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", APPLICATION_NAME
        )
        return int(count)
    finally:
        await connection.close()


async def eventually_zero(count: Callable[[], Any]) -> int:
    """Backends exit a moment after their client hangs up: poll briefly."""
    for _ in range(40):
        if (left := await count()) == 0:
            break
        await asyncio.sleep(0.05)
    return int(left)


async def test_ready_against_the_server_and_no_connection_left_after_shutdown(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    settings = make_settings(DATABASE_URL=postgres_url)

    async with running(app_with_session_route(settings)) as client:
        ready = await client.get("/health/ready")
        now = await client.get("/now")
        open_while_serving = await app_sessions(postgres_url)

    assert ready.status_code == 200
    assert ready.json()["status"] == "pass"
    assert now.status_code == 200
    assert open_while_serving >= 1
    assert await eventually_zero(lambda: app_sessions(postgres_url)) == 0


async def test_exhausted_pool_gives_503_after_pool_timeout_not_a_hang(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    settings = make_settings(
        DATABASE_URL=postgres_url,
        APP_DATABASE__POOL__SIZE="1",
        APP_DATABASE__POOL__MAX_OVERFLOW="1",
        APP_DATABASE__POOL__TIMEOUT="1",
        APP_DATABASE__CONNECT_TIMEOUT="5",
    )
    app = app_with_session_route(settings)

    async with running(app) as client:
        engine = app.state.database.engine
        held = [await engine.connect(), await engine.connect()]  # size 1 + overflow 1
        try:
            started = time.monotonic()
            ready = await client.get("/health/ready")
            ready_wait = time.monotonic() - started
            started = time.monotonic()
            now = await client.get("/now")
            now_wait = time.monotonic() - started
        finally:
            for connection in held:
                await connection.close()
        again = await client.get("/health/ready")

    assert ready.status_code == 503
    [database] = ready.json()["checks"]["database:responseTime"]
    assert database["output"] == "no pooled connection free within 1 s"
    assert ready.json()["checks"]["database:connections"][0]["observedValue"] == {
        "size": 1, "checked_out": 2, "overflow": 1,
    }
    assert now.status_code == 503
    assert "no pooled connection free within 1 s" in now.json()["detail"]
    for waited in (ready_wait, now_wait):
        assert 0.9 <= waited < 3  # waited for the pool timeout (1 s), not the connect timeout
    assert again.status_code == 200


async def test_password_with_url_characters_outage_and_recovery_without_restart(
    make_settings: Callable[..., Settings],
    running_cluster: PgCluster,
    cluster_login: Login,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert set("@:/?#%") <= set(cluster_login.password)
    settings = make_settings(**cluster_login.environ())
    timeout = settings.database.connect_timeout

    async with running(create_app(settings)) as client:
        up = await client.get("/health/ready")
        await asyncio.to_thread(running_cluster.stop)
        started = time.monotonic()
        down = await client.get("/health/ready")
        down_wait = time.monotonic() - started
        await asyncio.to_thread(running_cluster.start)
        back = await client.get("/health/ready")
        open_while_serving = await running_cluster.sessions_of(cluster_login.username)

    assert (up.status_code, down.status_code, back.status_code) == (200, 503, 200)
    assert down_wait < timeout + 1
    assert open_while_serving >= 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("Database check failed" in m for m in messages)
    assert any("answers again" in m for m in messages)
    assert cluster_login.password not in caplog.text
    sessions = lambda: running_cluster.sessions_of(cluster_login.username)  # noqa: E731
    assert await eventually_zero(sessions) == 0


async def test_wrong_password_gives_503_and_says_so_without_the_password(
    make_settings: Callable[..., Settings],
    running_cluster: PgCluster,
    cluster_login: Login,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wr0ng:p@ss/?#%-canary"
    settings = make_settings(**cluster_login.environ(password=wrong))

    async with running(app_with_session_route(settings)) as client:
        ready = await client.get("/health/ready")
        now = await client.get("/now")

    assert ready.status_code == 503
    [database] = ready.json()["checks"]["database:responseTime"]
    assert database["output"] == "connection failed (InvalidPasswordError)"
    assert now.status_code == 503
    failures = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any('password authentication failed for user "app_user"' in m for m in failures)
    for secret in (wrong, cluster_login.password):
        assert secret not in caplog.text
        assert secret not in ready.text + now.text
