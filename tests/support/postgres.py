"""PostgreSQL for the tests: the shared server's URL, logins, and throwaway clusters.

A throwaway cluster has its own data directory, port and scram-sha-256 passwords. Tests stop and
restart it to prove the app survives an outage, which they cannot do to a shared server; an
``options_cluster`` starts with server options of its own. Run as the ``postgres`` user when we
are root (PostgreSQL refuses to run as root).

``unavailable`` skips a test that cannot have a server, or fails it with ``REQUIRE_POSTGRES=1``
(as ``.ci/run`` sets), so CI cannot pass by skipping.
"""

from __future__ import annotations

import asyncio
import glob
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest

from tests.support.ports import free_port

SUPERUSER = "postgres"
DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


def unavailable(reason: str) -> NoReturn:
    """Skip: no PostgreSQL here. Fail instead when ``REQUIRE_POSTGRES=1``."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}, and REQUIRE_POSTGRES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Login:
    """A role on a server, with its password in clear (as a deployment would set DB_PASSWORD)."""

    host: str
    port: int
    username: str
    password: str
    database: str

    def environ(self, password: str | None = None) -> dict[str, str]:
        """Deployment variables for this login; the password goes raw into ``DB_PASSWORD``."""
        return {
            "DATABASE_URL": f"postgresql://{self.host}:{self.port}/{self.database}",
            "DB_USERNAME": self.username,
            "DB_PASSWORD": self.password if password is None else password,
        }


def find_bindir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` live: ``$PG_BINDIR``, the PATH, or Debian's layout."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    on_path = shutil.which("initdb")
    candidates.append(str(Path(on_path).parent) if on_path else "")
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in filter(None, candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


@dataclass
class PgCluster:
    """One cluster in a temporary directory, listening on 127.0.0.1:``port`` only."""

    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)
    superuser_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    host: str = "127.0.0.1"
    #: Extra server options (``-c name=value ...``), for a cluster started differently.
    options: str = ""

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", SUPERUSER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if result.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{result.stdout}{result.stderr}")

    def init(self) -> None:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.superuser_password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, SUPERUSER)
            shutil.chown(pwfile, SUPERUSER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--pwfile",
            str(pwfile),
            "--auth",
            "scram-sha-256",
            "--encoding",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )

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

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def remove(self) -> None:
        if self.is_running():
            self._run("pg_ctl", "stop", "-w", "-m", "immediate", "-D", str(self.data))
        shutil.rmtree(self.root, ignore_errors=True)

    async def admin(self) -> asyncpg.Connection:
        """A superuser connection; close it."""
        return await asyncpg.connect(
            host=self.host,
            port=self.port,
            user=SUPERUSER,
            password=self.superuser_password,
            database="postgres",
        )

    async def create_role(self, name: str, password: str) -> None:
        """A login role owning a database of the same name."""
        connection = await self.admin()
        try:
            literal = password.replace("'", "''")
            await connection.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{literal}'")
            await connection.execute(f'CREATE DATABASE "{name}" OWNER "{name}"')
        finally:
            await connection.close()

    async def sessions_of(self, role: str) -> int:
        """How many server sessions ``role`` has open now."""
        connection = await self.admin()
        try:
            count = await connection.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = $1", role
            )
            return int(count)
        finally:
            await connection.close()


async def eventually_zero(count: Callable[[], Awaitable[int]]) -> int:
    """Backends exit a moment after their client hangs up: poll briefly."""
    for _ in range(40):
        if (left := await count()) == 0:
            break
        await asyncio.sleep(0.05)
    return left


@contextmanager
def throwaway_cluster(bindir: Path) -> Iterator[PgCluster]:
    """A started cluster, removed afterwards whatever happened."""
    cluster = PgCluster(bindir, Path(tempfile.mkdtemp(prefix="pgcluster-")))
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


@dataclass
class OptionsCluster(PgCluster):
    """A throwaway cluster started with extra server options (``options``)."""

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
    """Run ``statements`` as the superuser."""
    admin: asyncpg.Connection = await cluster.admin()
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()
