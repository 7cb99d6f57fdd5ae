"""The app against the running PostgreSQL server: pooled connections, timeouts, shutdown."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import asyncpg
import pytest
from sqlalchemy import text

from app.deps import SessionDep
from app.main import create_app
from settings import Settings
from settings.contrib.database import APPLICATION_NAME
from tests.support.app_client import running, session_app
from tests.support.postgres import eventually_zero

pytestmark = pytest.mark.postgres


async def alive(postgres_url: str, pids: list[int]) -> int:
    """How many of these server backends still exist."""
    connection = await asyncpg.connect(postgres_url)
    try:
        return int(
            await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1::int[])", pids
            )
        )
    finally:
        await connection.close()


async def test_ready_against_the_server_and_no_connection_left_after_shutdown(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    # One process, said so: in-process, no server's command line tells the worker count.
    settings = make_settings(DATABASE_URL=postgres_url, APP_SERVER__WORKERS="1")
    app = session_app(settings)

    async with running(app) as client:
        ready = await client.get("/health/ready")
        now = await client.get("/now")
        # Every connection the pool keeps, and which server backend serves it.
        held = [await app.state.database.engine.connect() for _ in range(2)]
        pids = [(await c.execute(text("SELECT pg_backend_pid()"))).scalar_one() for c in held]
        names = {(await c.execute(text("SHOW application_name"))).scalar_one() for c in held}
        for connection in held:
            await connection.close()

    assert ready.status_code == 200
    assert ready.json()["status"] == "pass", ready.json()
    assert now.status_code == 200
    assert names == {APPLICATION_NAME}
    assert len(set(pids)) == settings.database.pool.size == 2
    assert await eventually_zero(lambda: alive(postgres_url, pids)) == 0


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
    app = session_app(settings)

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

    # The pool is busy but the database answers: readiness passes with a warning, at once.
    assert ready.status_code == 200
    [connections] = ready.json()["checks"]["database:connections"]
    assert connections["status"] == "warn"
    assert connections["observedValue"] == {"size": 1, "checked_out": 2, "overflow": 1}
    assert ready_wait < 0.9
    assert now.status_code == 503
    assert "no pooled connection free within 1 s" in now.json()["detail"]
    assert 0.9 <= now_wait < 3  # waited for the pool timeout (1 s), not the connect timeout
    assert again.status_code == 200


async def test_a_statement_longer_than_command_timeout_is_cut_short(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    settings = make_settings(DATABASE_URL=postgres_url, APP_DATABASE__COMMAND_TIMEOUT="0.5")
    app = create_app(settings)

    @app.get("/slow")
    async def slow(session: SessionDep) -> None:
        await session.execute(text("SELECT pg_sleep(5)"))

    async with running(app) as client:
        started = time.monotonic()
        response = await client.get("/slow")
        waited = time.monotonic() - started
        ready = await client.get("/health/ready")

    assert response.status_code == 500
    assert waited < 3
    assert ready.status_code == 200  # the pool is still usable


async def test_readiness_does_not_wait_for_the_pool_when_every_connection_is_in_use(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    settings = make_settings(
        DATABASE_URL=postgres_url,
        APP_DATABASE__POOL__SIZE="1",
        APP_DATABASE__POOL__MAX_OVERFLOW="0",
        APP_DATABASE__POOL__TIMEOUT="30",
        APP_DATABASE__CONNECT_TIMEOUT="1",
    )
    app = create_app(settings)

    async with running(app) as client:
        held = await app.state.database.engine.connect()
        try:
            started = time.monotonic()
            ready = await client.get("/health/ready")
            waited = time.monotonic() - started
        finally:
            await held.close()

    # The pool is busy, the database answers: ready, with a warning (issue 17, item 5).
    assert ready.status_code == 200
    assert waited < 1
    [connections] = ready.json()["checks"]["database:connections"]
    assert connections["status"] == "warn"
    assert connections["output"] == "every pooled connection is in use"


async def test_a_connection_the_server_ends_mid_request_is_a_503_not_a_500(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    """A failover or pg_terminate_backend mid-request: SQLAlchemy raises a plain DBAPIError
    marked connection_invalidated, then PendingRollbackError for the next statement; both
    are the documented 503. Any other database error stays a 500 (issue 17, item 4)."""
    app = create_app(make_settings(DATABASE_URL=postgres_url))

    @app.get("/killed")
    async def killed(session: SessionDep) -> str:
        await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        return "survived"

    @app.get("/killed-then-query")
    async def killed_then_query(session: SessionDep) -> str:
        # An application that carries on after the first error:
        with contextlib.suppress(Exception):
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
        await session.execute(text("SELECT 1"))
        return "survived"

    @app.get("/typo")
    async def typo(session: SessionDep) -> str:
        await session.execute(text("SELEC 1"))
        return "survived"

    async with running(app) as client:
        first, second, typo_response = [
            await client.get(path) for path in ("/killed", "/killed-then-query", "/typo")
        ]

    assert (first.status_code, second.status_code) == (503, 503)
    assert (
        first.json()["detail"] == "The database is unavailable: connection lost. Try again later."
    )
    assert first.headers["Retry-After"] == "1"
    assert typo_response.status_code == 500
    assert typo_response.json()["detail"] == "Internal Server Error"
