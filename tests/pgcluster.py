"""A throwaway PostgreSQL cluster: its own data directory, port and scram-sha-256 passwords.

Tests stop and restart it to prove the app survives an outage, which they cannot do to a shared
server. Run as the ``postgres`` user when we are root (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import asyncio
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

SUPERUSER = "postgres"


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PgCluster:
    """One cluster in a temporary directory, listening on 127.0.0.1:``port`` only."""

    bindir: Path
    root: Path
    port: int = field(default_factory=free_port)
    superuser_password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    host: str = "127.0.0.1"

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
            " -c fsync=off -c max_connections=30"
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
