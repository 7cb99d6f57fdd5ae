"""Instructions per request and per cold start, counted by valgrind's callgrind: what the CPU
does for one request or one start, unmoved by what else the machine does.

The request benchmarks time servers under load; on a shared 2-core machine their rounds spread
by +-30 %, more than the few percent their targets are about. An instruction count does not
spread: the same binary, inputs and environment execute the same instructions, whatever the
other core is doing. So each pair of the timed benchmarks is counted here too:

- **request path** (issue 19): ``GET /bench`` of the reference app, the handler returning a
  module constant against the same handler reading ``SettingsDep``
  (:mod:`benchmarks.request_apps`);
- **database request** (issue 17.1): ``GET /bench/db``, two statements in a transaction, the
  minimal FastAPI + SQLAlchemy app against the reference app's ``SessionDep``, the same pool,
  on the local PostgreSQL (:mod:`benchmarks.db_request`);
- **cold start** (issue 19): the commands of :mod:`benchmarks.cold_start` (``import settings``
  and one ``load_settings``, plain and with one ``@format`` token) against naive Dynaconf +
  Pydantic and pydantic-settings, each one whole process counted from start to exit;
- **app start** (issue 19): :mod:`benchmarks.app_start`'s two servers, each counted from the
  process's start to its first 200 from ``/health/live`` (``callgrind_control --dump`` once it
  answered).

Each request variant is one ``uvicorn`` worker started under ``valgrind --tool=callgrind``,
with the event loop and HTTP parser of each flavour in :data:`FLAVOURS` that is installed. It serves
``warmup`` requests one after another on one keep-alive connection; its counters are then
zeroed (``callgrind_control --zero``), it serves ``requests`` more, and its counters are dumped
(``callgrind_control --dump``): the dump's total over ``requests`` is the figure. The count
covers the server's whole process (HTTP parsing, the event loop, the app, the driver); the
database server's work is not in it.

A request ratio here is ``reference / ours`` of instructions, read as the timed targets' ``ours
/ reference`` of requests per second would read on a machine with nothing else to do (a cold
start's is ``ours / reference``, as its timed target). Instructions
are not time (a cache miss costs more than an addition), so the timed benchmarks keep their
targets; these rows say where they would land without the noise. Skipped without valgrind.
"""

from __future__ import annotations

import http.client
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from benchmarks import app_start, cold_start
from benchmarks.app_start import ENVIRON as SERVER_ENVIRON
from benchmarks.common import (
    BENCH_HOST,
    PRODUCTION_ENVIRON,
    TOKEN_ENVIRON,
    child_environ,
    settings_dir,
    token_settings_dir,
)
from benchmarks.db_request import database_environ
from benchmarks.measure import Section, Target
from benchmarks.servers import start, stop, wait_until_live

TITLE = "instructions per request (callgrind)"
TITLE_COLD = "instructions per cold start and app start (callgrind)"
#: uvicorn's event loop and HTTP parser: asyncio's and h11 (``uvicorn``), uvloop's and
#: httptools' (``uvicorn[standard]``, what ``--loop auto --http auto`` picks when installed).
FLAVOURS = {
    "asyncio + h11": ("asyncio", "h11"),
    "uvloop + httptools": ("uvloop", "httptools"),
}


@dataclass(frozen=True)
class Pair:
    """A timed benchmark's two servers, counted here: its path, factories, environment and the
    limit of its timed target."""

    label: str
    path: str
    reference: tuple[str, str]  # (what the table calls it, its factory)
    ours: tuple[str, str]
    environ: Callable[[], dict[str, str]]
    limit: float


PAIRS = (
    Pair(
        "request path",
        "/bench",
        ("handler returns a module constant", "benchmarks.request_apps:constant"),
        ("ours: SettingsDep", "benchmarks.request_apps:settings_dep"),
        lambda: {**SERVER_ENVIRON, "APP_DATABASE__HOST": BENCH_HOST},  # as request_path runs it
        0.95,
    ),
    Pair(
        "database request",
        "/bench/db",
        ("FastAPI + SQLAlchemy, same pool", "benchmarks.minimal_db_app:create_minimal_app"),
        ("ours: app.main + SessionDep", "benchmarks.request_apps:session_dep"),
        database_environ,
        0.90,
    ),
)
#: The cold starts (issue 19): the settings directory, its variables, and ours' limit against
#: each reference, as :mod:`benchmarks.cold_start` times them.
COLD = (
    (
        "cold start",
        settings_dir,
        PRODUCTION_ENVIRON,
        {cold_start.DYNACONF: 0.85, cold_start.PYDANTIC_SETTINGS: 0.95},
    ),
    (
        "cold start, one @format token",
        token_settings_dir,
        TOKEN_ENVIRON,
        {cold_start.DYNACONF: 1.0},
    ),
)
PYDANTIC = cold_start.PYDANTIC_SETTINGS
#: How long a server under valgrind (about 50x slower) may take to start or to answer.
TIMEOUT = 600.0


def available() -> bool:
    return shutil.which("valgrind") is not None and shutil.which("callgrind_control") is not None


def installed_flavours() -> dict[str, tuple[str, str]]:
    return {
        name: (loop, parser)
        for name, (loop, parser) in FLAVOURS.items()
        if loop == "asyncio" or (find_spec(loop) is not None and find_spec(parser) is not None)
    }


def run(warmup: int = 100, requests: int = 300) -> list[Section]:
    """Every pair under every installed flavour, then the cold starts and the app starts; two
    processes at a time (a count does not depend on what runs beside it)."""
    section, cold = Section(TITLE), Section(TITLE_COLD)
    jobs: dict[str, Callable[[], float]] = {}
    with ExitStack() as stack:
        root = stack.enter_context(settings_dir())
        for pair in PAIRS:
            environ = child_environ({**pair.environ(), "BENCH_SETTINGS_ROOT": str(root)})
            for flavour, loop_and_http in installed_flavours().items():
                names = []
                for side, target in (pair.reference, pair.ours):
                    names.append(f"{pair.label}, {flavour}: {side}")
                    jobs[names[-1]] = partial(
                        count, target, pair.path, loop_and_http, environ, root, warmup, requests
                    )
                    section.add(names[-1], "instructions")
                label = f"{pair.label}, {flavour}: {pair.reference[0]} / {pair.ours[0]}"
                section.targets.append(Target(label, names[0], names[1], ">=", pair.limit))
        for title, directory, variables, limits in COLD:
            start_root = stack.enter_context(directory())
            cold_start.write_flat_toml(start_root, "production")
            environ = {**child_environ(variables), "PYTHONHASHSEED": "0"}
            if find_spec("pydantic_settings") is None and PYDANTIC in limits:
                limits = {name: limit for name, limit in limits.items() if name != PYDANTIC}
                cold.notes.append(f"{title}: pydantic-settings not counted (not installed)")
            for name in (cold_start.OURS, *limits):
                argv = cold_start.VARIANTS[name]
                jobs[f"{title}: {name}"] = partial(process_count, argv, start_root, environ)
                cold.add(f"{title}: {name}", "instructions")
            for reference, limit in limits.items():
                ours, theirs = f"{title}: {cold_start.OURS}", f"{title}: {reference}"
                label = f"{title}: {cold_start.OURS} / {reference}"
                cold.targets.append(Target(label, ours, theirs, "<=", limit))
        start_environ = {**child_environ(app_start.ENVIRON), "PYTHONHASHSEED": "0"}
        for name, target in (
            (app_start.OURS, app_start.OURS_TARGET),
            (app_start.REFERENCE, app_start.REFERENCE_TARGET),
        ):
            jobs[f"{app_start.TITLE}: {name}"] = partial(start_count, target, root, start_environ)
            cold.add(f"{app_start.TITLE}: {name}", "instructions")
        label = f"{app_start.TITLE}: {app_start.OURS} / {app_start.REFERENCE}"
        ours, theirs = (
            f"{app_start.TITLE}: {name}" for name in (app_start.OURS, app_start.REFERENCE)
        )
        cold.targets.append(Target(label, ours, theirs, "<=", app_start.LIMIT))
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = pool.map(lambda job: job(), jobs.values())
            for name, value in zip(jobs, counts, strict=True):
                (section if name in section.series else cold).series[name].samples.append(value)
    section.notes.append(
        f"one uvicorn worker under valgrind --tool=callgrind, {warmup} requests of "
        f"warm-up, then the count over {requests} sequential requests on one keep-alive "
        "connection; the whole server process, the database server's work excluded; "
        "deterministic, so one sample each (its limit is the timed target's)"
    )
    cold.notes.append(
        "each benchmarks.cold_start command (`python -c ...`: import and one load) run once "
        "under valgrind --tool=callgrind, every module from bytecode, PYTHONHASHSEED=0; the "
        "whole process, interpreter start included; the kernel's work (reading files) is not "
        "counted"
    )
    cold.notes.append(
        "app start: each benchmarks.app_start server under callgrind, counted from its process's "
        "start to its first 200 from /health/live, PYTHONHASHSEED=0"
    )
    return [section, cold]


def process_count(argv: list[str], root: Path, environ: dict[str, str]) -> float:
    """Instructions of one ``python argv`` process, from start to exit, under callgrind."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        completed = subprocess.run(
            [*command, sys.executable, *argv],
            cwd=root,
            env=environ,
            capture_output=True,
            timeout=TIMEOUT,
        )
        if completed.returncode != 0:
            stderr = completed.stderr.decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(argv)} failed ({completed.returncode}):\n{stderr}")
        return _total(out)


def count(
    target: str,
    path: str,
    flavour: tuple[str, str],
    environ: dict[str, str],
    root: Path,
    warmup: int,
    requests: int,
) -> float:
    """Instructions per request of ``GET path`` on ``target`` served by uvicorn under callgrind."""
    loop, parser = flavour
    options = ("--factory", "--loop", loop, "--http", parser)
    with _callgrind(target, root, environ, *options) as (port, control):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            _get(connection, path, warmup)
            control("--zero")
            _get(connection, path, requests)
            return control("--dump") / requests
        finally:
            connection.close()


def _get(connection: http.client.HTTPConnection, path: str, times: int) -> None:
    for _ in range(times):
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:200]!r}")


@dataclass
class _Control:
    """``callgrind_control`` for one process, always by its pid (a bare ``callgrind_control
    --zero`` would reach every callgrind process on the machine)."""

    process: subprocess.Popen[Any]  # bytes or text, whatever its pipes
    out: Path

    def __call__(self, command: str) -> float:
        before = set(self.out.parent.glob(self.out.name + ".*"))
        subprocess.run(
            ["callgrind_control", command, str(self.process.pid)],
            check=True,
            capture_output=True,
            timeout=TIMEOUT,
        )
        if command != "--dump":
            return 0.0
        dumps = set(self.out.parent.glob(self.out.name + ".*")) - before
        if len(dumps) != 1:
            pid = self.process.pid
            raise RuntimeError(f"callgrind_control --dump {pid}: files {sorted(dumps)}")
        return _total(dumps.pop())


def _total(dump: Path) -> float:
    """The ``summary:`` (or ``totals:``) line of a callgrind dump: instructions executed."""
    for line in dump.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return float(line.split()[1])
    raise RuntimeError(f"{dump}: no summary line")


def start_count(target: str, root: Path, environ: dict[str, str]) -> float:
    """Instructions of ``uvicorn target`` from its process's start to its first 200 from
    ``/health/live``, as :mod:`benchmarks.app_start` times it."""
    with _callgrind(target, root, environ) as (_, control):
        return control("--dump")


@contextmanager
def _callgrind(
    target: str, root: Path, environ: dict[str, str], *options: str
) -> Iterator[tuple[int, _Control]]:
    """``uvicorn target *options`` under callgrind, once it answers ``/health/live``."""
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as scratch:
        out = Path(scratch) / "callgrind.out"
        wrapper = ("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}")
        server = start(target, root, environ, *options, wrapper=wrapper)
        wait_until_live(server, timeout=TIMEOUT)  # else stopped, its output in the error
        try:
            yield server.port, _Control(server.process, out)
        except BaseException:
            print(f"{target} under callgrind:\n{server.output()}", file=sys.stderr)
            raise
        finally:
            stop(server)
