"""App start: process start to the first 200 from ``/health/live``, under the same uvicorn.

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
from benchmarks.measure import Section, Target, interleave
from benchmarks.servers import start, stop, wait_until_live

TITLE = "app start"
OURS = "ours: uvicorn app.main:app"
REFERENCE = "FastAPI + async engine in lifespan"

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
        variants = [
            (section.add(OURS, "ms"), _timer("app.main:app", root, environ)),
            (section.add(REFERENCE, "ms"), _timer("benchmarks.minimal_app:app", root, environ)),
        ]
        interleave(variants, rounds, warmup)
    section.targets.append(Target(f"{OURS} / {REFERENCE}", OURS, REFERENCE, "<=", 1.15))
    return section


def _timer(target: str, root: Path, environ: dict[str, str]) -> Callable[[], float]:
    def sample() -> float:
        began = time.perf_counter()
        server = start(target, root, environ)
        try:
            wait_until_live(server)
            return (time.perf_counter() - began) * 1000
        finally:
            stop(server)

    return sample
