"""PgBouncer in front of a throwaway cluster.

Debian's ``pgbouncer``, started as the ``postgres`` user (as the clusters are) in a ``/tmp``
directory that user can read, on a free loopback port, in transaction pooling mode with
``default_pool_size = 2``; it is stopped at the end of its ``with`` block.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port
from tests.support.postgres import SUPERUSER, PgCluster, owned_tempdir, unavailable


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
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if bouncer.process.poll() is not None:
            raise AssertionError(f"pgbouncer exited: {bouncer.log}")
        with socket.socket() as probe:
            if probe.connect_ex((bouncer.host, bouncer.port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"pgbouncer did not listen on {bouncer.port}: {bouncer.log}")
