"""PgBouncer told from PostgreSQL, at start and by ``check --connect``: a warning with its id when
``database.pgbouncer`` disagrees with the server, either way, none when it agrees; and a server
that never answers (frozen with SIGSTOP) is reported as "timed out after N s"."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import DatabaseManager
from settings import load_settings
from tests.support.cli import Run
from tests.support.pgbouncer import PgBouncer, pgbouncer
from tests.support.ports import free_port
from tests.support.postgres import Login, OptionsCluster, options_cluster
from tests.support.work_app import postgres_toml, project


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[OptionsCluster, Login, PgBouncer]]:
    """A throwaway cluster with a role of its own, and PgBouncer in front of it."""
    with options_cluster() as cluster:
        login = Login(cluster.host, cluster.port, "kind", "kind-pw-71c0", "kind")
        asyncio.run(cluster.create_role(login.username, login.password))
        with pgbouncer(cluster, {login.username: login.password}) as bouncer:
            yield cluster, login, bouncer


def environ(login: Login, port: int, pgbouncer: bool) -> dict[str, str]:
    return {
        **login.environ(),
        "DATABASE_URL": f"postgresql://{login.host}:{port}/{login.database}",
        "APP_DATABASE__PGBOUNCER": "true" if pgbouncer else "false",
        "APP_DATABASE__CONNECT_TIMEOUT": "2",
    }


CASES = [
    pytest.param("pgbouncer", False, "database.W001", id="PgBouncer, setting off"),
    pytest.param("postgresql", True, "database.W002", id="PostgreSQL, setting on"),
    pytest.param("pgbouncer", True, None, id="PgBouncer, setting on"),
    pytest.param("postgresql", False, None, id="PostgreSQL, setting off"),
]


@pytest.mark.parametrize(("through", "setting", "warning"), CASES)
def test_check_connect_warns_when_the_setting_and_the_server_disagree(
    server: tuple[OptionsCluster, Login, PgBouncer],
    cli: Run,
    tmp_path: Path,
    through: str,
    setting: bool,
    warning: str | None,
) -> None:
    cluster, login, bouncer = server
    port = bouncer.port if through == "pgbouncer" else cluster.port
    root = project(tmp_path / "project", postgres_toml())

    result = cli(
        "check", "--env", "testing", "--connect", root=root, environ=environ(login, port, setting)
    )

    assert result.code == 0, result.err
    found = {code for code in ("database.W001", "database.W002") if code in result.err}
    assert found == ({warning} if warning else set()), result.err
    assert login.password not in result.out + result.err


@pytest.mark.parametrize(("through", "setting", "warning"), CASES)
async def test_the_start_logs_the_same_warning(
    server: tuple[OptionsCluster, Login, PgBouncer],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    through: str,
    setting: bool,
    warning: str | None,
) -> None:
    cluster, login, bouncer = server
    port = bouncer.port if through == "pgbouncer" else cluster.port
    root = project(tmp_path / "project", postgres_toml())
    settings = load_settings("testing", root=root, environ=environ(login, port, setting))
    manager = DatabaseManager.for_settings(settings)

    await manager.initialize()
    try:
        with caplog.at_level("WARNING", logger="app.db"):
            await manager.check_budget()
    finally:
        await manager.dispose()

    logged = [r.getMessage() for r in caplog.records if r.name == "app.db"]
    assert [m.split()[0] for m in logged if m.startswith("database.W")] == (
        [warning] if warning else []
    )
    # where the setting came from, as check --connect says
    assert all("APP_DATABASE__PGBOUNCER" in m for m in logged if m.startswith("database.W"))


async def test_a_start_against_a_frozen_server_waits_one_connect_timeout(
    server: tuple[OptionsCluster, Login, PgBouncer], tmp_path: Path
) -> None:
    """What the server is and what it allows are asked over one connection: a server that
    does not answer holds the start for one ``connect_timeout``, not one per question."""
    cluster, login, _ = server
    root = project(tmp_path / "project", postgres_toml())
    settings = load_settings("testing", root=root, environ=environ(login, cluster.port, False))
    manager = DatabaseManager.for_settings(settings)
    await manager.initialize()
    cluster.signal_all(signal.SIGSTOP)
    try:
        started = time.monotonic()
        found = await manager.check_budget()
        took = time.monotonic() - started
    finally:
        cluster.signal_all(signal.SIGCONT)
        await manager.dispose()

    assert found is None
    assert settings.database.connect_timeout == 2
    assert took < 2 + 1.5  # one connect_timeout, and the cancelled attempt's cleanup


def test_check_connect_against_a_frozen_server_says_it_timed_out(
    server: tuple[OptionsCluster, Login, PgBouncer], cli: Run, tmp_path: Path
) -> None:
    cluster, login, _ = server
    root = project(tmp_path / "project", postgres_toml())
    cluster.signal_all(signal.SIGSTOP)
    try:
        started = time.monotonic()
        result = cli(
            "check",
            "--env",
            "testing",
            "--connect",
            root=root,
            environ=environ(login, cluster.port, False),
        )
        took = time.monotonic() - started
    finally:
        cluster.signal_all(signal.SIGCONT)

    assert result.code == 1
    assert "database.E002 database: cannot connect" in result.err, result.err
    assert "(timed out after 2 s)" in result.err, result.err
    assert "CancelledError" not in result.err
    # One connection asks all that --connect checks: one connect_timeout (two took 4.1 s).
    assert took < 2 + 1.5  # and the interpreter's start and the cleanup


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"DB_PASSWORD": "wrong-password-5521"}, id="wrong password"),
        pytest.param({"DB_DATABASE": "nosuchdb"}, id="unknown database"),
        pytest.param({"PORT": "nothing listens"}, id="nothing listens"),
    ],
)
def test_check_connect_behind_pgbouncer_still_connects_and_reports_a_failure(
    server: tuple[OptionsCluster, Login, PgBouncer],
    cli: Run,
    tmp_path: Path,
    fault: dict[str, str],
) -> None:
    """``pgbouncer = true`` skips the budget (PgBouncer's pools bound the server), not the
    question whether the database answers: a deploy check that passes against a wrong password
    is no check."""
    _, login, bouncer = server
    root = project(tmp_path / "project", postgres_toml())
    port = free_port() if "PORT" in fault else bouncer.port
    variables = {**environ(login, port, True), **fault}
    variables.pop("PORT", None)
    if "DB_DATABASE" in fault:
        variables["DATABASE_URL"] = f"postgresql://{login.host}:{port}/nosuchdb"

    result = cli("check", "--env", "testing", "--connect", root=root, environ=variables)

    assert result.code == 1, result.out + result.err
    assert "database.E002 database: cannot connect" in result.err, result.err
    assert "wrong-password-5521" not in result.out + result.err
