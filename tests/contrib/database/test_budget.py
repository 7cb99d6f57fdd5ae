"""The connection budget against a server started with ``max_connections=20``: three workers
(``WEB_CONCURRENCY=3``) of pools of 5 + 5 may open 30 connections where the server allows 17
(20 less 3 reserved for superusers). The app warns and reports ``database:budget`` as ``warn``;
``check --deploy --connect`` exits 1. A small pool is quiet."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import load_settings
from settings.contrib.database._budget import Allowance
from tests.support.app_client import running
from tests.support.postgres import Login, OptionsCluster, options_cluster
from tests.support.uvicorn import clean_environ
from tests.support.work_app import create_work_app, postgres_toml, project

BIG, SMALL = "size = 5\nmax_overflow = 5", "size = 2\nmax_overflow = 2"


@pytest.fixture(scope="module")
def small_server() -> Iterator[tuple[OptionsCluster, Login]]:
    with options_cluster("-c max_connections=20") as cluster:
        asyncio.run(cluster.create_role("budget", "budget-pw"))
        yield cluster, Login(cluster.host, cluster.port, "budget", "budget-pw", "budget")


def environ(login: Login, workers: str) -> dict[str, str]:
    return {
        **login.environ(),
        "WEB_CONCURRENCY": workers,
        "ENV_FOR_DYNACONF": "testing",
        "SECRET_KEY": "budget-tests-key-5f2a9c0e7d1b4a6f8e3c2d9b0a7f6e5d",
    }


def check_connect(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "settings", "check", "--deploy", "--connect"],
        cwd=root,
        env=clean_environ(env),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_a_ceiling_above_what_the_server_allows_warns(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, login = small_server
    root = project(tmp_path, postgres_toml(pool=BIG))
    settings = load_settings("testing", root=root, environ=environ(login, "3"))

    with caplog.at_level("WARNING", logger="app.db"):
        async with running(create_work_app(settings)) as client:
            ready = await client.get("/health/ready")

    assert ready.status_code == 200
    body = ready.json()
    [budget] = body["checks"]["database:budget"]
    assert (body["status"], budget["status"]) == ("warn", "warn")
    assert budget["observedValue"] == {"ceiling": 30, "allowed": 17}
    # the line check --deploy --connect prints, from the same problem
    assert (
        "ERROR database.E001 database.pool: can open more connections than the server allows: "
        "server.replicas 1 x server.workers 3 x (pool.size 5 + pool.max_overflow 5) = 30 "
        "connections; the server allows 17 to role budget on database budget (max_connections "
        "20 less 3 reserved)"
    ) in caplog.text
    assert "fix: lower pool.size or pool.max_overflow" in caplog.text
    assert login.password not in caplog.text


async def test_a_silenced_budget_is_not_logged_at_start(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``silenced_checks`` silences database.E001 at start as it does in ``check --connect``;
    readiness still shows the figures."""
    _, login = small_server
    root = project(tmp_path, postgres_toml(pool=BIG))
    env = {**environ(login, "3"), "APP_SILENCED_CHECKS": "database.E001"}
    settings = load_settings("testing", root=root, environ=env)

    with caplog.at_level("WARNING", logger="app.db"):
        async with running(create_work_app(settings)) as client:
            ready = await client.get("/health/ready")

    [budget] = ready.json()["checks"]["database:budget"]
    assert budget["observedValue"] == {"ceiling": 30, "allowed": 17}
    assert [r.getMessage() for r in caplog.records if r.name == "app.db"] == []
    assert check_connect(root, env).returncode == 0


def test_check_deploy_connect_reports_it_as_an_error(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path
) -> None:
    _, login = small_server
    root = project(tmp_path, postgres_toml(pool=BIG))

    result = check_connect(root, environ(login, "3"))

    assert result.returncode == 1, result.stderr
    assert (
        "ERROR database.E001 database.pool: can open more connections than the server "
        "allows: server.replicas 1 x server.workers 3" in result.stderr
    )
    assert login.password not in result.stderr + result.stdout


def test_the_error_says_where_the_pool_s_figures_come_from(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path
) -> None:
    """Not whichever key of the section was set last ([default]'s pool.timeout here)."""
    _, login = small_server
    toml = postgres_toml(pool=SMALL) + "\n[testing.database.pool]\nsize = 5\nmax_overflow = 5\n"
    root = project(tmp_path, toml)

    result = check_connect(root, environ(login, "3"))

    assert result.returncode == 1, result.stderr
    [line] = [line for line in result.stderr.splitlines() if "database.E001" in line]
    assert line.endswith("(from settings.toml [testing])"), line


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("ALTER ROLE budget CONNECTION LIMIT {}", "rolconnlimit"),
        ("ALTER DATABASE budget CONNECTION LIMIT {}", "datconnlimit"),
    ],
)
def test_a_role_or_database_limit_counts_too(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path, statement: str, shown: str
) -> None:
    cluster, login = small_server
    root = project(tmp_path, postgres_toml(pool=SMALL))

    async def limit(value: int) -> None:
        admin = await cluster.admin()
        try:
            await admin.execute(statement.format(value))
        finally:
            await admin.close()

    asyncio.run(limit(3))
    try:
        result = check_connect(root, environ(login, "1"))
    finally:
        asyncio.run(limit(-1))

    assert result.returncode == 1
    assert "= 4 connections; the server allows 3 to role budget" in result.stderr
    assert f"{shown} 3" in result.stderr


def test_a_superuser_is_held_to_max_connections_only() -> None:
    allowance = Allowance(20, 3, 2, 1, superuser=True, role="postgres", database="app")

    assert allowance.allowed == 20
    assert allowance.explain() == "max_connections 20"


async def test_a_ceiling_within_the_allowance_is_quiet(
    small_server: tuple[OptionsCluster, Login], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _, login = small_server
    root = project(tmp_path, postgres_toml(pool=SMALL))
    settings = load_settings("testing", root=root, environ=environ(login, "1"))

    with caplog.at_level("WARNING", logger="app.db"):
        async with running(create_work_app(settings)) as client:
            ready = await client.get("/health/ready")
    result = check_connect(root, environ(login, "1"))

    assert ready.json()["status"] == "pass"
    assert ready.json()["checks"]["database:budget"][0]["status"] == "pass"
    assert "budget" not in caplog.text.lower()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: testing with deployment rules: 0 errors")
