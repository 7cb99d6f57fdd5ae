"""A database that refuses, never answers or drops connections mid-request: 503 in time, a log
line saying what failed, no secret, never a 500.

The first two need no PostgreSQL server: a closed port refuses, and a socket that listens but
never accepts stands for a host that does not answer. The third ends the app's sessions on a
throwaway cluster with ``pg_terminate_backend`` under load.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from settings import Settings
from tests.support import uvicorn as servers
from tests.support.app_client import running, session_app
from tests.support.load import Outcome, hammer
from tests.support.pgbouncer import pgbouncer
from tests.support.ports import free_port
from tests.support.postgres import Login, PgCluster
from tests.support.work_app import WORK_APP, postgres_toml, project

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


async def test_a_burst_of_failed_attempts_is_one_log_line_with_a_count(
    make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import app.db

    monkeypatch.setattr(app.db, "FAILURE_LOG_INTERVAL", 2.0)
    settings = settings_for(make_settings, free_port())

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.msg.startswith("No connection to")]

    async with running(session_app(settings)) as client:
        burst = [await client.get("/now") for _ in range(30)]
        during = lines()
        await asyncio.sleep(3)  # the interval ends: one more line, with the count

    assert {response.status_code for response in burst} == {503}
    assert len(during) == 1  # the first failure, at once
    first, summary = lines()
    assert "connection failed (ConnectionRefusedError) (ConnectionRefusedError: [Errno 111]" in (
        first
    )
    assert re.search(
        r": 29 attempts failed since the last line, \d s ago: "
        r"connection failed \(ConnectionRefusedError\) x 29; the last: ConnectionRefusedError",
        summary,
    ), summary
    assert_no_secret(caplog.text)


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


@pytest.fixture(scope="module")
def terminated_login(pg_cluster: PgCluster) -> Login:
    """A role of its own on the throwaway cluster, whose sessions the test may end."""
    if not pg_cluster.is_running():
        pg_cluster.start()
    login = Login(pg_cluster.host, pg_cluster.port, "terminated", "terminated-pw-3a7", "terminated")
    asyncio.run(pg_cluster.create_role(login.username, login.password))
    return login


async def terminate_sessions(cluster: PgCluster, role: str) -> int:
    """``pg_terminate_backend`` on every session of ``role``, as a failover or an operator
    would; how many were ended."""
    admin = await cluster.admin()
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1",
            role,
        )
        return int(ended)
    finally:
        await admin.close()


@pytest.mark.parametrize("through", ["direct", "pgbouncer"])
def test_connections_killed_mid_request_give_503_never_500(
    pg_cluster: PgCluster, terminated_login: Login, tmp_path: Path, through: str
) -> None:
    """The server ends the app's connections again and again under concurrent load, directly
    or behind PgBouncer: every request is served (200) or told the database is unavailable
    (503), none is a 500, and the log holds no traceback."""
    login = terminated_login
    with contextlib.ExitStack() as stack:
        environ = {**login.environ(), "ENV_FOR_DYNACONF": "testing"}
        if through == "pgbouncer":
            bouncer = stack.enter_context(pgbouncer(pg_cluster, {login.username: login.password}))
            environ["DATABASE_URL"] = f"postgresql://{bouncer.host}:{bouncer.port}/{login.database}"
            environ["APP_DATABASE__PGBOUNCER"] = "true"
        toml = postgres_toml(pool="size = 3\nmax_overflow = 2")
        server = stack.enter_context(
            servers.uvicorn(project(tmp_path, toml), environ, app=WORK_APP, options=("--factory",))
        )
        server.wait_serving()

        async def load_and_kill() -> tuple[list[Outcome], int]:
            outcomes: list[Outcome] = []
            load = asyncio.create_task(
                hammer(server.url, "/work", clients=12, requests=1000, outcomes=outcomes)
            )
            ended = 0
            while not load.done():
                await asyncio.sleep(0.05)
                ended += await terminate_sessions(pg_cluster, login.username)
            return await load, ended

        outcomes, ended = asyncio.run(load_and_kill())
        server.stop()

    statuses = Counter(o.status or o.error for o in outcomes)
    assert ended >= 10, ended  # the connections really were killed while requests ran
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] > 0
    for outcome in outcomes:
        if outcome.status == 503:
            assert outcome.body["detail"].startswith("The database is unavailable")
    assert "Traceback" not in server.output, server.output
