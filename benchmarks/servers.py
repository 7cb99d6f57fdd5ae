"""Start a uvicorn server as a child process, wait for its first 200, stop it."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from benchmarks.common import free_port
from benchmarks.loadgen import cpu_seconds, measure
from benchmarks.measure import Section, Series

TIMEOUT = 30.0


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]


def start(
    target: str, root: Path, environ: dict[str, str], *extra: str, wrapper: Sequence[str] = ()
) -> Server:
    """``python -m uvicorn target`` on a free loopback port: one worker, no access log; run by
    ``wrapper`` when given (``valgrind ...``)."""
    port = free_port()
    command = [
        *wrapper,
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


def wait_until_live(
    server: Server, path: str = "/health/live", host: str = "127.0.0.1", timeout: float = TIMEOUT
) -> None:
    """Return at the first 200 from ``path``; raise if the process dies or never answers."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.process.poll() is not None:
            code, output = server.process.returncode, server.output()
            stop(server)  # closes its log
            raise RuntimeError(f"server exited with {code}:\n{output}")
        try:
            with socket.create_connection((host, server.port), timeout=1.0) as sock:
                sock.sendall(request)
                if sock.recv(12)[9:12] == b"200":
                    return
        except OSError:
            pass
        time.sleep(0.002)
    output = server.output()
    stop(server)
    raise RuntimeError(f"no 200 from {path} within {timeout:.0f} s:\n{output}")


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


#: What a server's CPU series is called: ``server CPU/request: <variant>``.
CPU = "server CPU/request: "
#: Keep-alive connections of the load generator, for every server benchmark.
CONNECTIONS = 16

Variant = tuple[list[Series], Callable[[], tuple[float, ...]]]


def load_variants(
    section: Section,
    servers: Mapping[str, Server],
    path: str,
    seconds: float,
    check: Callable[[int], None] | None = None,
) -> list[Variant]:
    """One interleavable variant per running server: ``GET path`` under load, its requests
    per second and, where ``/proc`` tells, the server's CPU per request (µs). ``check`` is
    called with each server's port once it is live (the body it answers)."""
    variants: list[Variant] = []
    for name, server in servers.items():
        wait_until_live(server)
        if check is not None:
            check(server.port)
        probe = cpu_seconds(server.process.pid)
        series = [section.add(name, "req/s", higher_is_better=True)]
        if probe is not None:
            series.append(section.add(CPU + name, "µs"))
        variants.append((series, _sampler(server.port, path, seconds, probe)))
    return variants


def _sampler(
    port: int, path: str, seconds: float, probe: Callable[[], float] | None
) -> Callable[[], tuple[float, ...]]:
    def sample() -> tuple[float, ...]:
        result = measure(port, path, connections=CONNECTIONS, seconds=seconds, probe=probe)
        if probe is None:
            return (result.rate,)
        if result.probe_per_request is None:  # no request completed (a --smoke sample)
            return result.rate, float("nan")
        return result.rate, result.probe_per_request * 1e6

    return sample
