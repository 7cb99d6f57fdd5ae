"""The request-path variants: ``create_app(settings)`` plus one ``GET /bench`` route each.

Every variant has the app's full middleware stack; only the way the handler gets the value
differs. uvicorn serves them with ``--factory benchmarks.request_apps:<variant>`` (the settings
directory comes from ``BENCH_SETTINGS_ROOT``); the in-process measurement passes ``settings``.
"""

# No ``from __future__ import annotations``: FastAPI must see the closures' real annotations.
import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import text

from app.deps import SessionDep, SettingsDep
from app.main import create_app
from benchmarks.common import BENCH_HOST as HOST
from benchmarks.minimal_db_app import FIRST, SECOND
from settings import Settings, load_settings


def _app(settings: Settings | None, routers: Sequence[APIRouter] = ()) -> tuple[FastAPI, Settings]:
    if settings is None:
        settings = load_settings(root=os.environ["BENCH_SETTINGS_ROOT"])
    return create_app(settings, routers=routers), settings


def constant(settings: Settings | None = None) -> FastAPI:
    """The reference: the handler returns a module constant."""
    app, _ = _app(settings)

    @app.get("/bench")
    async def bench() -> dict[str, str | None]:
        return {"host": HOST}

    return app


def settings_dep(settings: Settings | None = None) -> FastAPI:
    """Ours: the frozen settings through ``app.deps.SettingsDep``."""
    app, _ = _app(settings)

    @app.get("/bench")
    async def bench(settings: SettingsDep) -> dict[str, str | None]:
        return {"host": settings.database.host}

    return app


async def _host() -> str | None:
    return HOST


def constant_dep(settings: Settings | None = None) -> FastAPI:
    """For reference, FastAPI's floor for any dependency: an ``async`` one that takes nothing
    and returns a module constant. ``SettingsDep`` pays the same, and three calls of its own."""
    app, _ = _app(settings)

    @app.get("/bench")
    async def bench(host: Annotated[str | None, Depends(_host)]) -> dict[str, str | None]:
        return {"host": host}

    return app


def app_state(settings: Settings | None = None) -> FastAPI:
    """For reference: the settings stored on ``app.state``, read through ``Request``."""
    app, loaded = _app(settings)
    app.state.bench_settings = loaded

    @app.get("/bench")
    async def bench(request: Request) -> dict[str, str | None]:
        return {"host": request.app.state.bench_settings.database.host}

    return app


def sync_depends(settings: Settings | None = None) -> FastAPI:
    """For reference: FastAPI's documented ``@lru_cache def get_settings()`` under ``Depends``."""
    app, loaded = _app(settings)

    @lru_cache
    def get_settings() -> Settings:
        return loaded

    @app.get("/bench")
    async def bench(
        settings: Annotated[Settings, Depends(get_settings)],
    ) -> dict[str, str | None]:
        return {"host": settings.database.host}

    return app


async def _bench_db(session: SessionDep) -> int:
    first = (await session.execute(text(FIRST), {"n": 41})).scalar_one()
    second = (await session.execute(text(SECOND), {"m": first})).scalar_one()
    await session.commit()
    return int(second)


def session_dep(settings: Settings | None = None) -> FastAPI:
    """The reference app (every middleware, its settings' features on) with one more route of
    its own, ``GET /bench/db``: two statements in a transaction through ``app.deps.SessionDep``,
    as :mod:`benchmarks.minimal_db_app` runs them. Given to ``create_app(routers=...)``, it is
    matched where the app's own routes are, before the operational ones."""
    router = APIRouter()
    router.add_api_route("/bench/db", _bench_db, methods=["GET"])
    return _app(settings, [router])[0]


def session_dep_added_last(settings: Settings | None = None) -> FastAPI:
    """:func:`session_dep` with ``/bench/db`` added after ``create_app`` returns, so matched
    after every router the app includes (health, metrics and API docs among them): the
    difference is what FastAPI's routing costs a route placed there."""
    app, _ = _app(settings)
    app.add_api_route("/bench/db", _bench_db, methods=["GET"])
    return app
