"""Start a uvicorn server as a child process, wait for its first 200, stop it."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from benchmarks.common import free_port

TIMEOUT = 30.0


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]


def start(target: str, root: Path, environ: dict[str, str], *extra: str) -> Server:
    """``python -m uvicorn target`` on a free loopback port: one worker, no access log."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--no-access-log",
        "--log-level",
        "warning",
        *extra,
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
    process = subprocess.Popen(command, cwd=root, env=environ, stdout=log, stderr=log)
    return Server(process, port, log)


def wait_until_live(server: Server, path: str = "/health/live", host: str = "127.0.0.1") -> None:
    """Return at the first 200 from ``path``; raise if the process dies or never answers."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    deadline = time.perf_counter() + TIMEOUT
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"server exited with {code}:\n{server.output()}")
        try:
            with socket.create_connection((host, server.port), timeout=1.0) as sock:
                sock.sendall(request)
                if sock.recv(12)[9:12] == b"200":
                    return
        except OSError:
            pass
        time.sleep(0.002)
    stop(server)
    raise RuntimeError(f"no 200 from {path} within {TIMEOUT:.0f} s:\n{server.output()}")


def stop(server: Server) -> None:
    """SIGTERM (a graceful uvicorn shutdown), then SIGKILL after 10 s."""
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()
    server.log.close()
