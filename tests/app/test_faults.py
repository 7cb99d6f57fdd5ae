"""Faults a deployment meets: the database going away under load, a mounted secret that cannot
be read any more, a settings file broken by an edit. Each against the real app under uvicorn.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import uvicorn as servers
from tests.support.canaries import PASSWORD, assert_no_leak
from tests.support.load import Outcome, database_output, hammer
from tests.support.postgres import Login, PgCluster, eventually_zero
from tests.support.project import BASE_SETTINGS_TOML

CONNECT_TIMEOUT = 1.0


def project_dir(directory: Path, toml: str = BASE_SETTINGS_TOML) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.toml").write_text(toml, encoding="utf-8")
    return directory


async def wait_for(
    outcomes: list[Outcome], wanted: Callable[[Outcome], bool], count: int, within: float = 30
) -> None:
    """Poll the running load until ``count`` outcomes are ``wanted``."""
    deadline = time.monotonic() + within
    while sum(1 for outcome in outcomes if wanted(outcome)) < count:
        seen = sorted({(o.status, o.error) for o in outcomes[-50:]}, key=str)
        assert time.monotonic() < deadline, f"waited {within} s; lately: {seen}"
        await asyncio.sleep(0.02)


CUT_OFF = "unexpected EOF on client connection"


@pytest.fixture(scope="module")
def watched_login(pg_cluster: PgCluster) -> Login:
    """A role of the throwaway cluster whose sessions log a client that hangs up without a word.

    PostgreSQL notes such an end (``unexpected EOF on client connection``) only at DEBUG1, so
    the role turns that level on for its own sessions. A pool disposed at shutdown says goodbye
    on every connection; a process that merely exits, with the pool still open, does not.
    """
    if not pg_cluster.is_running():
        pg_cluster.start()
    login = Login(
        pg_cluster.host, pg_cluster.port, "hardening_app", "p@ss:w/rd?#%-hardening", "hardening_app"
    )

    async def create() -> None:
        await pg_cluster.create_role(login.username, login.password)
        admin = await pg_cluster.admin()
        try:
            await admin.execute(f"ALTER ROLE {login.username} SET log_min_messages = 'debug1'")
        finally:
            await admin.close()

    asyncio.run(create())
    return login


def logged_since(cluster: PgCluster, offset: int) -> str:
    with (cluster.root / "server.log").open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        return log.read()


def log_size(cluster: PgCluster) -> int:
    return (cluster.root / "server.log").stat().st_size


# --- PostgreSQL stopped and started again under load --------------------------------------------


@pytest.mark.postgres
async def test_postgres_stopped_and_restarted_under_load(
    tmp_path: Path, running_cluster: PgCluster, watched_login: Login
) -> None:
    """503 during the outage, quickly; 200 again once it is back, with the same process; no
    other status, no dropped connection; and a shutdown that closes its sessions cleanly."""
    environ = {
        **watched_login.environ(),
        "ENV_FOR_DYNACONF": "testing",
        "APP_ALLOWED_HOSTS": "127.0.0.1",
        "APP_DATABASE__CONNECT_TIMEOUT": str(CONNECT_TIMEOUT),
        "APP_DATABASE__POOL__SIZE": "2",
        "APP_DATABASE__POOL__MAX_OVERFLOW": "1",
        "APP_DATABASE__POOL__TIMEOUT": "1",
    }
    outcomes: list[Outcome] = []
    stop_load = False

    with servers.uvicorn(
        project_dir(tmp_path), environ, app="app.main:app", options=("--no-access-log",)
    ) as server:
        await asyncio.to_thread(server.wait_serving)
        load = asyncio.create_task(
            hammer(
                server.url, "/health/ready", clients=10, until=lambda: stop_load, outcomes=outcomes
            )
        )
        try:
            await wait_for(outcomes, lambda o: o.status == 200, count=20)
            await asyncio.to_thread(running_cluster.stop)
            stopped = time.monotonic()
            await wait_for(outcomes, lambda o: o.started > stopped, count=30)
            restarting = time.monotonic()
            await asyncio.to_thread(running_cluster.start)
            restarted = time.monotonic()
            await wait_for(outcomes, lambda o: o.started > restarted and o.status == 200, count=20)
        finally:
            stop_load = True
            await load
            if not running_cluster.is_running():
                running_cluster.start()
        still_the_same_process = server.process.poll() is None
        log_before_shutdown = log_size(running_cluster)
        exit_status = await asyncio.to_thread(server.stop, signal.SIGINT)

    errors = [outcome.error for outcome in outcomes if outcome.error]
    statuses = {outcome.status for outcome in outcomes}
    outage = [o for o in outcomes if o.started > stopped and o.ended < restarting]
    assert errors == []
    assert statuses <= {200, 503}, statuses
    assert outage, "no request fell wholly within the outage"
    assert {o.status for o in outage} == {503}
    assert max(o.elapsed for o in outage) < CONNECT_TIMEOUT + 1
    assert {database_output(o) for o in outage} <= {
        "connection failed (ConnectionRefusedError)",
        f"no answer within {CONNECT_TIMEOUT:g} s",
    }
    assert still_the_same_process
    assert exit_status == 0
    assert "Database check failed" in server.stderr and "answers again" in server.stderr
    # Shutdown disposed the pool: every session said goodbye, none was just cut off, and none
    # is left on the server.
    assert CUT_OFF not in logged_since(running_cluster, log_before_shutdown)
    assert await eventually_zero(lambda: running_cluster.sessions_of(watched_login.username)) == 0


# --- a deployment broken between two starts ----------------------------------------------------


@dataclass
class TwoStarts:
    """What a running app and the next start (with ``check`` beside it) did around an edit."""

    still_serving: int  # the running app's /health/ready status after the edit
    first_exit: int
    first: servers.Server
    second: servers.Server
    second_exit: int
    check_exit: int
    check_out: str
    check_err: str


async def start_break_and_start_again(
    directory: Path, environ: dict[str, str], edit: Callable[[], object]
) -> TwoStarts:
    """Serve, ``edit`` the deployment while serving, stop; then start again and run ``check``."""
    with servers.uvicorn(directory, environ, app="app.main:app", label="first") as first:
        await asyncio.to_thread(first.wait_serving)
        edit()
        async with httpx.AsyncClient(base_url=first.url, trust_env=False) as client:
            still_serving = await client.get("/health/ready")  # settings are read once
        first_exit = await asyncio.to_thread(first.stop)
    with servers.uvicorn(directory, environ, app="app.main:app", label="second") as second:
        check = servers.run_cli(directory, environ, "check")
        second_exit = await asyncio.to_thread(second.wait_exit)
        check_exit, check_out, check_err = await asyncio.to_thread(servers.finish, check)
    return TwoStarts(
        still_serving.status_code,
        first_exit,
        first,
        second,
        second_exit,
        check_exit,
        check_out,
        check_err,
    )


# --- a mounted secret that cannot be read any more ----------------------------------------------


def replace_with_directory(path: Path) -> str:
    path.unlink()
    path.mkdir()
    return "it is a directory, not a regular file"


def delete(path: Path) -> str:
    path.unlink()
    return "No such file or directory"


@pytest.mark.parametrize("breakage", [replace_with_directory, delete], ids=lambda f: f.__name__)
async def test_an_unreadable_password_file_stops_the_next_start(
    tmp_path: Path, breakage: Callable[[Path], str]
) -> None:
    directory = project_dir(tmp_path)
    secret = directory / "run-secrets" / "db_password"
    secret.parent.mkdir()
    secret.write_text(PASSWORD.value + "\n", encoding="utf-8")
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "APP_ALLOWED_HOSTS": "127.0.0.1",
        "DB_PASSWORD_FILE": str(secret),
    }

    reasons: list[str] = []
    run = await start_break_and_start_again(
        directory, environ, lambda: reasons.append(breakage(secret))
    )

    assert (run.still_serving, run.first_exit) == (200, 0)
    assert run.second_exit != 0
    assert run.check_exit == 1
    for report in (run.second.stderr, run.check_err):
        assert "Improperly configured" in report
        assert str(secret) in report and reasons[0] in report
        assert "file named by DB_PASSWORD_FILE" in report
    assert "Uvicorn running" not in run.second.output
    assert_no_leak(
        {
            "first server": run.first.output,
            "second server": run.second.output,
            "check stdout": run.check_out,
            "check stderr": run.check_err,
        }
    )


# --- settings.toml broken by an edit ------------------------------------------------------------


async def test_settings_toml_edited_to_invalid_toml_stops_the_next_start(tmp_path: Path) -> None:
    directory = project_dir(tmp_path)
    environ = {"ENV_FOR_DYNACONF": "testing", "APP_ALLOWED_HOSTS": "127.0.0.1"}
    lines = BASE_SETTINGS_TOML.splitlines()
    broken_line = lines.index("[default.database]") + 2  # the line after it, counted from 1
    lines.insert(broken_line - 1, "debug = tru")  # 'tru' starts at column 9

    settings_toml = directory / "settings.toml"
    run = await start_break_and_start_again(
        directory, environ, lambda: settings_toml.write_text("\n".join(lines) + "\n", "utf-8")
    )

    assert (run.still_serving, run.first_exit) == (200, 0)
    assert run.second_exit != 0
    assert run.check_exit == 1
    for report in (run.second.stderr, run.check_err):
        assert "settings.toml" in report and "invalid TOML" in report
        assert f"line {broken_line}, column 9" in report
    assert "Uvicorn running" not in run.second.output


@pytest.mark.postgres
def test_the_cluster_log_names_a_connection_that_was_cut_off(
    tmp_path: Path, running_cluster: PgCluster, watched_login: Login
) -> None:
    """The shutdown check above has teeth: a killed app, its pool open, is logged as cut off."""
    environ = {
        **watched_login.environ(),
        "ENV_FOR_DYNACONF": "testing",
        "APP_ALLOWED_HOSTS": "127.0.0.1",
    }

    with servers.uvicorn(project_dir(tmp_path), environ, app="app.main:app") as server:
        server.wait_serving()
        assert httpx.get(server.url + "/health/ready", trust_env=False).status_code == 200
        before = log_size(running_cluster)
        server.stop(signal.SIGKILL)

    deadline = time.monotonic() + 5
    while CUT_OFF not in logged_since(running_cluster, before):
        assert time.monotonic() < deadline, f"no {CUT_OFF!r} logged for a killed client"
        time.sleep(0.05)
