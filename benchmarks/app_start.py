"""App start: process start to the first 200 from ``/health/live``, under the same uvicorn.

Measured: wall clock (the target), and the server's CPU time at that first 200.

- ours: ``uvicorn app.main:app`` in production (its variables set), run from a directory
  holding only ``settings.toml``;
- reference: :mod:`benchmarks.minimal_app`, FastAPI with one route and a SQLAlchemy async engine
  created in its lifespan, same driver and same database address.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import PRODUCTION_ENVIRON, REPO, child_environ, settings_dir
from benchmarks.loadgen import cpu_seconds
from benchmarks.measure import Section, Target, interleave
from benchmarks.servers import start, stop, wait_until_live

TITLE = "app start"
OURS = "ours: uvicorn app.main:app"
REFERENCE = "FastAPI + async engine in lifespan"
OURS_TARGET = "app.main:app"
REFERENCE_TARGET = "benchmarks.minimal_app:app"
#: Issue 19's figure: ours / reference.
LIMIT = 1.10
CPU = "CPU: "

#: Production, pointed at a local address so that no DNS lookup can stall a start.
ENVIRON = {
    **PRODUCTION_ENVIRON,
    "ENV_FOR_DYNACONF": "production",
    "APP_DATABASE__HOST": "127.0.0.1",
    "APP_ALLOWED_HOSTS": '["127.0.0.1"]',
    "BENCH_DATABASE_URL": "postgresql+asyncpg://postgres:bench-password@127.0.0.1:5432/app",
}


def available() -> bool:
    return (REPO / "app" / "main.py").is_file()


def run(rounds: int, warmup: int = 1) -> Section:
    section = Section(TITLE)
    with settings_dir() as root:
        environ = child_environ(ENVIRON)
        walls = [section.add(OURS, "ms"), section.add(REFERENCE, "ms")]
        cpus = [section.add(CPU + OURS, "ms"), section.add(CPU + REFERENCE, "ms")]
        variants = [
            ([walls[0], cpus[0]], _timer(OURS_TARGET, root, environ)),
            ([walls[1], cpus[1]], _timer(REFERENCE_TARGET, root, environ)),
        ]
        interleave(variants, rounds, warmup)
    label = f"{OURS} / {REFERENCE}"
    section.targets.append(Target(label, OURS, REFERENCE, "<=", LIMIT))
    section.targets.append(Target(f"{label}, CPU time", CPU + OURS, CPU + REFERENCE, None))
    return section


def _timer(target: str, root: Path, environ: dict[str, str]) -> Callable[[], tuple[float, ...]]:
    def sample() -> tuple[float, ...]:
        """Wall milliseconds to the first 200, and the server's CPU milliseconds by then."""
        began = time.perf_counter()
        server = start(target, root, environ)
        try:
            probe = cpu_seconds(server.process.pid)
            wait_until_live(server)
            elapsed = (time.perf_counter() - began) * 1000
            return elapsed, (probe() * 1000 if probe else float("nan"))
        finally:
            stop(server)

    return sample
