"""What a request costs with a database (issue 17.1): the reference app against the plainest
FastAPI + SQLAlchemy app, on the same PostgreSQL, with the same pool.

- **ours**: ``app.main.create_app`` (host check, CORS, request id, drain, error pages,
  metrics: every feature on) with one more route of the app's own, ``GET /bench/db``, two
  parameterised statements in a transaction through ``app.deps.SessionDep``
  (:func:`benchmarks.request_apps.session_dep`); and, for reference, the same route added
  after ``create_app``, behind the operational routes (FastAPI's routing cost of that place);
- **reference**: :mod:`benchmarks.minimal_db_app`, FastAPI and a SQLAlchemy async engine with
  the same pool (``pool.size`` 5 + ``max_overflow`` 5, pre-ping), the same route, no middleware.

Both under uvicorn (one worker, ``--no-access-log``), loaded in interleaved rounds by
:mod:`benchmarks.loadgen`: requests/s (the target, >= 0.90x) and the server's CPU per request.
Then the breakdown, in-process (no server, no sockets, one request at a time): the same two
apps on ``/bench/db``, and the reference app on a route that touches nothing (``/health/live``)
with each middleware left out in turn, so that each piece's cost is the difference. Last, the
session path alone (no app, no HTTP): the route's transaction through each way of opening a
session, by this process's CPU time per transaction (the server's work is not in it).

Needs the local PostgreSQL (``BENCH_DATABASE_URL``, default ``postgres@127.0.0.1:5432/test``).
"""

from __future__ import annotations

import asyncio
import os
import time
import urllib.request
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks import asgi
from benchmarks.app_start import ENVIRON
from benchmarks.common import child_environ, settings_dir
from benchmarks.measure import Section, Target, interleave
from benchmarks.minimal_db_app import DEFAULT_URL
from benchmarks.servers import CONNECTIONS, CPU, Server, load_variants, start, stop

TITLE = "database request"
TITLE_PIECES = "request path, piece by piece"
TITLE_SESSION = "session path"
PLAIN = "AsyncSession(engine), as the reference"
TIMED = "AsyncSession(engine), asyncpg command_timeout set"
SESSION = "ours: DatabaseManager.session() (SessionDep)"
BOUND = "ours before: connect(), then a session bound to it"
OURS = "ours: app.main + SessionDep"
REFERENCE = "FastAPI + SQLAlchemy, same pool"
ASGI = "in-process ASGI: "
PATH = "/bench/db"
ADDED_LAST = "ours, /bench/db added after create_app (behind the operational routes)"
FULL = "every piece"
BARE = "no middleware of ours"
#: The middleware left out, one at a time, by class name (``app.main.create_app``'s stack).
PIECES = {
    "without MetricsMiddleware (metrics)": "MetricsMiddleware",
    "without SettingsMiddleware (pinning, request id, host check, CORS, drain, error pages)": (
        "SettingsMiddleware"
    ),
}


def database_environ() -> dict[str, str]:
    """Production, every feature on, the local PostgreSQL, a pool of 5 + 5 with pre-ping."""
    url = make_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    return {
        **ENVIRON,
        "APP_DATABASE__HOST": url.host or "127.0.0.1",
        "APP_DATABASE__PORT": str(url.port or 5432),
        "APP_DATABASE__USERNAME": url.username or "postgres",
        "APP_DATABASE__PASSWORD": url.password or "bench-password",
        "APP_DATABASE__DATABASE": url.database or "test",
        "APP_DATABASE__POOL__SIZE": "5",
        "APP_DATABASE__POOL__MAX_OVERFLOW": "5",
        "APP_DATABASE__POOL__PRE_PING": "true",
        "APP_CORS__ORIGINS": '["https://app.example.com"]',
        "APP_METRICS__ENABLED": "true",
        "BENCH_DATABASE_URL": url.render_as_string(hide_password=False),
    }


def run(rounds: int, seconds: float, warmup: int = 1, asgi_requests: int = 2000) -> list[Section]:
    section = Section(TITLE)
    pieces = Section(TITLE_PIECES)
    sessions = Section(TITLE_SESSION)
    with settings_dir() as root:
        environ = {**database_environ(), "BENCH_SETTINGS_ROOT": str(root)}
        _under_uvicorn(section, root, child_environ(environ), rounds, seconds, warmup)
        _in_process(section, pieces, environ, rounds, warmup, asgi_requests)
        _session_path(sessions, environ, rounds, warmup, asgi_requests // 4)
    section.targets += [
        Target(f"{OURS} / reference, req/s", OURS, REFERENCE, ">=", 0.90),
        Target(f"{ADDED_LAST} / reference, req/s", ADDED_LAST, REFERENCE, None),
        Target("server CPU/request (reference / ours)", CPU + REFERENCE, CPU + OURS, None),
        Target(
            "server CPU/request (reference / ours, route added last)",
            CPU + REFERENCE,
            CPU + ADDED_LAST,
            None,
        ),
        Target("in-process (reference / ours)", ASGI + REFERENCE, ASGI + OURS, None),
        Target(
            "in-process (reference / ours, route added last)",
            ASGI + REFERENCE,
            ASGI + ADDED_LAST,
            None,
        ),
    ]
    section.notes.append(
        f"load: {CONNECTIONS} keep-alive connections, {seconds:g} s per sample; pool 5 + 5, "
        "pre-ping, on the local PostgreSQL"
    )
    for name in PIECES:
        pieces.targets.append(Target(f"{name} / {FULL}, time", name, FULL, None))
    pieces.targets.append(Target(f"{BARE} / {FULL}, time", BARE, FULL, None))
    pieces.notes.append(
        "GET /health/live of the reference app in-process, one middleware left out at a time; "
        "a piece's cost is its row's time less the full stack's"
    )
    sessions.targets += [
        Target(f"{SESSION} / {TIMED}, CPU", SESSION, TIMED, None),
        Target(f"{TIMED} / {PLAIN}, CPU", TIMED, PLAIN, None),
        Target(f"{BOUND} / {SESSION}, CPU", BOUND, SESSION, None),
    ]
    sessions.notes.append(
        "two statements and a commit, one transaction at a time, no app and no HTTP; this "
        "process's CPU time (time.process_time) per transaction, the server's excluded; pool "
        "5 + 5, pre-ping, metrics on"
    )
    return [section, pieces, sessions]


def _under_uvicorn(
    section: Section,
    root: Any,
    environ: dict[str, str],
    rounds: int,
    seconds: float,
    warmup: int,
) -> None:
    targets = {
        OURS: "benchmarks.request_apps:session_dep",
        ADDED_LAST: "benchmarks.request_apps:session_dep_added_last",
        REFERENCE: "benchmarks.minimal_db_app:create_minimal_app",
    }
    servers: dict[str, Server] = {}
    try:
        for name, target in targets.items():
            servers[name] = start(target, root, environ, "--factory")
        interleave(load_variants(section, servers, PATH, seconds, _check_body), rounds, warmup)
    finally:
        for server in servers.values():
            stop(server)


def _check_body(port: int) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{PATH}", headers={"Host": "127.0.0.1"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    if body != b"42":
        raise RuntimeError(f"unexpected {PATH} body: {body[:200]!r}")


def _in_process(
    section: Section,
    pieces: Section,
    environ: dict[str, str],
    rounds: int,
    warmup: int,
    requests: int,
) -> None:
    from benchmarks import request_apps
    from benchmarks.minimal_db_app import create_minimal_app
    from settings import load_settings

    saved = dict(os.environ)
    os.environ["BENCH_DATABASE_URL"] = environ["BENCH_DATABASE_URL"]
    settings = load_settings(root=environ["BENCH_SETTINGS_ROOT"], environ=environ)
    apps = {
        OURS: request_apps.session_dep(settings),
        ADDED_LAST: request_apps.session_dep_added_last(settings),
        REFERENCE: create_minimal_app(),
    }
    stacks = {FULL: request_apps.session_dep(settings)}
    for name, left_out in PIECES.items():
        stacks[name] = without(request_apps.session_dep(settings), {left_out})
    stacks[BARE] = without(request_apps.session_dep(settings), set(PIECES.values()))
    loop = asgi.new_loop()
    stack = AsyncExitStack()
    try:
        for app in [*apps.values(), *stacks.values()]:
            loop.run_until_complete(stack.enter_async_context(asgi.running(app)))
        variants = [
            (section.add(ASGI + name, "µs"), asgi.sampler(loop, app, PATH, requests // 4))
            for name, app in apps.items()
        ]
        interleave(variants, rounds, warmup)
        variants = [
            (pieces.add(name, "µs"), asgi.sampler(loop, app, "/health/live", requests))
            for name, app in stacks.items()
        ]
        interleave(variants, rounds, warmup)
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
        os.environ.clear()
        os.environ.update(saved)


def without(app: Any, names: set[str]) -> Any:
    """``app`` with the middleware of these class names left out (before its first request)."""
    app.user_middleware = [m for m in app.user_middleware if m.cls.__name__ not in names]
    return app


def _session_path(
    section: Section, environ: dict[str, str], rounds: int, warmup: int, requests: int
) -> None:
    """The route's transaction through each way of opening a session, in one event loop."""
    from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

    from app.db import DatabaseManager
    from benchmarks.minimal_db_app import transaction
    from settings import load_settings
    from settings.contrib.metrics import record_settings

    settings = load_settings(root=environ["BENCH_SETTINGS_ROOT"], environ=environ)
    url = environ["BENCH_DATABASE_URL"]
    pool = {"pool_size": 5, "max_overflow": 5, "pool_pre_ping": True, "pool_timeout": 30}
    timeout = {"command_timeout": settings.database.command_timeout}
    plain = create_async_engine(url, **pool)
    timed = create_async_engine(url, **pool, connect_args=timeout)
    manager = DatabaseManager.for_settings(settings)

    async def through_engine(engine: Any) -> None:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await transaction(session)

    async def through_session() -> None:
        session = await manager.session()
        async with session:
            await transaction(session)

    async def through_bound() -> None:
        bound = await manager.connect()
        try:
            async with AsyncSession(bind=bound, expire_on_commit=False) as session:
                await transaction(session)
        finally:
            await bound.close()

    variants: dict[str, Callable[[], Any]] = {
        PLAIN: lambda: through_engine(plain),
        TIMED: lambda: through_engine(timed),
        SESSION: through_session,
        BOUND: through_bound,
    }
    loop = asgi.new_loop()
    try:
        record_settings(settings)
        loop.run_until_complete(manager.initialize())
        interleave(
            [
                (section.add(name, "µs CPU"), _cpu_sampler(loop, run, requests))
                for name, run in variants.items()
            ],
            rounds,
            warmup,
        )
    finally:
        loop.run_until_complete(manager.dispose())
        loop.run_until_complete(plain.dispose())
        loop.run_until_complete(timed.dispose())
        loop.close()


def _cpu_sampler(
    loop: asyncio.AbstractEventLoop, run: Callable[[], Any], requests: int
) -> Callable[[], float]:
    async def many() -> float:
        started = time.process_time()
        for _ in range(requests):
            await run()
        return (time.process_time() - started) / requests * 1e6

    def sample() -> float:
        return loop.run_until_complete(many())

    return sample
