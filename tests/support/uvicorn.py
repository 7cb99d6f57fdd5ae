"""Real ``uvicorn`` processes, the one way the tests start them: started, polled until they
serve, stopped; and ``python -m settings`` as a real process.

A server runs in a project directory of its own (the settings are read from the working
directory), with the loader's variables removed from the environment and the test's added.
Its stdout and stderr go to files, so a chatty server can never block on a full pipe. Each
server leads a process group of its own, and the whole group is killed at the end of its
``with`` block, whatever happened: a supervisor killed with ``--workers`` would otherwise leave
its workers serving, orphaned, for the rest of the run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.environ import REPO, clean_environ
from tests.support.ports import free_port

#: ``create_app()`` plus two routes that fail on purpose (see :mod:`tests.support.probe_app`).
PROBE_APP = "tests.support.probe_app:create_probe_app"
#: The reference app as a user serves it.
APP = "app.main:app"


def server_environ(environ: Mapping[str, str], *, repository: bool = True) -> dict[str, str]:
    """``clean_environ(environ)``; with ``repository``, ``PYTHONPATH`` names the repository, so
    that a server can import the apps under ``tests/`` (a project's own wheel must not)."""
    cleaned = clean_environ(environ)
    if repository:
        path = [str(REPO), os.environ.get("PYTHONPATH", "")]
        cleaned["PYTHONPATH"] = os.pathsep.join(filter(None, path))
    return cleaned


@dataclass
class Server:
    """One ``uvicorn`` process and where its output goes."""

    process: subprocess.Popen[bytes]
    port: int
    directory: Path
    label: str = "uvicorn"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stdout(self) -> str:
        return (self.directory / f"{self.label}.stdout").read_text("utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return (self.directory / f"{self.label}.stderr").read_text("utf-8", errors="replace")

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def wait_serving(self, timeout: float = 30) -> None:
        """Poll ``/health/live`` until it answers; fail with the server's output if it exits."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=2, trust_env=False) as client:
            while time.monotonic() < deadline and self.process.poll() is None:
                try:
                    client.get("/health/live")
                    return
                except httpx.TransportError:
                    time.sleep(0.05)
        raise AssertionError(
            f"uvicorn did not serve {self.url} (exit status {self.process.poll()}):\n{self.output}"
        )

    def stop(self, signal_number: int = signal.SIGINT, timeout: float = 30) -> int:
        """Ask for a graceful shutdown and wait for it; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal_number)
        return self.process.wait(timeout=timeout)

    def wait_exit(self, timeout: float = 60) -> int:
        """For a server that must refuse to start: its exit status (it is killed if it serves)."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start(
    directory: Path,
    environ: Mapping[str, str],
    *,
    app: str = PROBE_APP,
    options: tuple[str, ...] = (),
    port: int | None = None,
    label: str = "uvicorn",
    python: str = sys.executable,
    repository: bool = True,
) -> Server:
    """Start ``uvicorn`` in ``directory`` with the loader variables of ``environ`` only.

    ``python`` is the interpreter (a fresh virtual environment's, for an installed wheel);
    ``repository`` puts this repository on ``PYTHONPATH``. Its output goes to
    ``<label>.stdout`` and ``<label>.stderr`` in ``directory``.
    """
    port = free_port() if port is None else port
    factory = ("--factory",) if app == PROBE_APP else ()
    command = [
        python,
        "-m",
        "uvicorn",
        app,
        *factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options,
    ]
    with (
        (directory / f"{label}.stdout").open("wb") as out,
        (directory / f"{label}.stderr").open("wb") as err,
    ):
        process = subprocess.Popen(
            command,
            cwd=directory,
            env=server_environ(environ, repository=repository),
            stdout=out,
            stderr=err,
            start_new_session=True,  # its own process group, workers included: see kill()
        )
    return Server(process, port, directory, label)


def kill(server: Server) -> None:
    """Make sure the server is gone, with every process it started (uvicorn's ``--workers``
    outlive a supervisor killed with SIGKILL): a test that failed midway, or one that never
    stopped its server, must not leave one behind."""
    with suppress(ProcessLookupError):  # the group is empty: every process has exited
        os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=30)


@contextmanager
def uvicorn(directory: Path, environ: Mapping[str, str], **options: object) -> Iterator[Server]:
    """A started server (not yet serving: call ``wait_serving``), killed after the block."""
    server = start(directory, environ, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        kill(server)


@contextmanager
def many(setups: list[tuple[Path, Mapping[str, str]]], **options: object) -> Iterator[list[Server]]:
    """Several servers started at once (their imports overlap), each killed after the block."""
    ports: set[int] = set()
    while len(ports) < len(setups):
        ports.add(free_port())
    with ExitStack() as stack:
        servers = [
            stack.enter_context(uvicorn(directory, environ, port=port, **options))
            for (directory, environ), port in zip(setups, sorted(ports), strict=True)
        ]
        yield servers


def run_cli(directory: Path, environ: Mapping[str, str], *argv: str) -> subprocess.Popen[bytes]:
    """``python -m settings ARGV`` in ``directory``, started; read it with ``finish``."""
    return subprocess.Popen(
        [sys.executable, "-m", "settings", *argv],
        cwd=directory,
        env=server_environ(environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[bytes], timeout: float = 60) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of a started process (killed if it outlives ``timeout``)."""
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")
