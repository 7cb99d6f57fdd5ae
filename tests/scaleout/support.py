"""Real servers for the scale-out tests: PgBouncer, clusters started with options of their own,
and the app under uvicorn with a route that runs a transaction.

PgBouncer is Debian's ``pgbouncer``, started as the ``postgres`` user (as the clusters are)
in a ``/tmp`` directory that user can read, on a free loopback port, in transaction pooling mode
with ``default_pool_size = 2``; it is stopped at the end of its ``with`` block.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep
from app.main import create_app
from settings import Settings
from tests.conftest import unavailable
from tests.hardening import servers
from tests.pgcluster import SUPERUSER, PgCluster, find_bindir, free_port

#: ``uvicorn --factory`` target: the app plus ``GET /work``.
WORK_APP = "tests.scaleout.support:create_work_app"


def create_work_app(settings: Settings | None = None) -> FastAPI:
    """``create_app(settings)`` plus ``GET /work``: one transaction of two parameterised
    statements, the shape that breaks prepared statements behind PgBouncer."""
    app = create_app(settings)

    @app.get("/pid")
    async def pid() -> int:
        return os.getpid()

    @app.get("/work")
    async def work(session: SessionDep) -> int:
        first = (await session.execute(text("SELECT CAST(:n AS int) + 1"), {"n": 41})).scalar_one()
        second = (await session.execute(text("SELECT CAST(:m AS int)"), {"m": first})).scalar_one()
        await session.commit()
        return int(second)

    return app


def project(directory: Path, toml: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.toml").write_text(toml, encoding="utf-8")
    return directory


def postgres_toml(*, pool: str = "size = 2\nmax_overflow = 2", extra: str = "") -> str:
    """A settings.toml whose [testing] environment talks to PostgreSQL (variables say where)."""
    return f"""\
[default]
secret_key = "tests-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
allowed_hosts = ["localhost", "127.0.0.1", "testserver"]
{extra}
[default.database]
driver = "postgresql+asyncpg"
connect_timeout = 2.0

[default.database.pool]
{pool}
timeout = 10.0

[testing]
"""


@dataclass
class OptionsCluster(PgCluster):
    """A throwaway cluster started with extra server options (``-c name=value ...``)."""

    options: str = ""

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={self.host} -c unix_socket_directories=''"
            f" -c fsync=off -c max_connections=30 {self.options}"
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            "30",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
        )

    def postmaster_pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def signal_all(self, number: int) -> None:
        """Send ``number`` to the postmaster and every process it started."""
        pid = self.postmaster_pid()
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        for process in [pid, *map(int, children)]:
            os.kill(process, number)


def owned_tempdir(prefix: str) -> Path:
    """A directory in /tmp that the ``postgres`` user owns (pytest's tmp is private to root)."""
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(directory, SUPERUSER)
    return directory


@contextmanager
def options_cluster(options: str = "", setup: str = "") -> Iterator[OptionsCluster]:
    """A started throwaway cluster with ``options``; ``setup`` runs (as root) after initdb,
    before the start, with the data directory as its working directory."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("no initdb/pg_ctl found for a throwaway PostgreSQL cluster (set PG_BINDIR)")
    cluster = OptionsCluster(bindir, owned_tempdir("pgcluster-"), options=options)
    try:
        cluster.init()
        if setup:
            subprocess.run(["sh", "-c", setup], cwd=cluster.data, check=True)
        cluster.start()
        yield cluster
    finally:
        with suppress(OSError, ValueError):  # a test that stopped it must not leave it stopped
            cluster.signal_all(signal.SIGCONT)
        cluster.remove()


@dataclass
class PgBouncer:
    """One running PgBouncer in front of a cluster."""

    process: subprocess.Popen[bytes]
    directory: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def log(self) -> str:
        path = self.directory / "pgbouncer.log"
        return path.read_text("utf-8", errors="replace") if path.exists() else ""


@contextmanager
def pgbouncer(cluster: PgCluster, users: Mapping[str, str]) -> Iterator[PgBouncer]:
    """PgBouncer in transaction mode, two server connections per database and user."""
    binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
    if not Path(binary).exists():
        unavailable("PgBouncer is not installed (apt-get install pgbouncer)")
    directory, port = owned_tempdir("pgbouncer-"), free_port()
    userlist = "".join(f'"{name}" "{password}"\n' for name, password in users.items())
    (directory / "userlist.txt").write_text(userlist, encoding="utf-8")
    (directory / "pgbouncer.ini").write_text(
        f"""\
[databases]
* = host={cluster.host} port={cluster.port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = 2
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 500
logfile = {directory}/pgbouncer.log
pidfile = {directory}/pgbouncer.pid
""",
        encoding="utf-8",
    )
    for path in directory.iterdir():
        if os.geteuid() == 0:
            shutil.chown(path, SUPERUSER)
        path.chmod(0o600)
    user = SUPERUSER if os.geteuid() == 0 else None
    process = subprocess.Popen(
        [binary, str(directory / "pgbouncer.ini")],
        user=user,
        group=user,
        extra_groups=[] if user else None,
        # Never a pipe nobody reads: PgBouncer would block on a full one (it logs to a file).
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bouncer = PgBouncer(process, directory, port)
    try:
        _wait_listening(bouncer)
        yield bouncer
    finally:
        if process.poll() is None:
            process.terminate()  # PgBouncer's immediate shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(directory, ignore_errors=True)


def _wait_listening(bouncer: PgBouncer) -> None:
    import socket

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if bouncer.process.poll() is not None:
            raise AssertionError(f"pgbouncer exited: {bouncer.log}")
        with socket.socket() as probe:
            if probe.connect_ex((bouncer.host, bouncer.port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"pgbouncer did not listen on {bouncer.port}: {bouncer.log}")


async def sessions_named(cluster: PgCluster, application_name: str) -> int:
    """Server sessions whose ``application_name`` is ``application_name``."""
    admin = await cluster.admin()
    try:
        count = await admin.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            application_name,
        )
        return int(count)
    finally:
        await admin.close()


async def admin_execute(cluster: PgCluster, *statements: str) -> None:
    admin: asyncpg.Connection = await cluster.admin()
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def get(server: servers.Server, path: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
        return client.get(path)


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]
