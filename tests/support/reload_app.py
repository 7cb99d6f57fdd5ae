"""The real app plus two routes for the reload tests, served by
``uvicorn --factory tests.support.reload_app:create_reload_app``.

``/where`` says which server and pool size a new request gets. ``/held`` and ``/held-db``
are requests in flight during a reload: each waits until ``/release`` is called (``/started``
says whether one is waiting); ``/held`` then reads its settings, ``/held-db`` holds a pooled
connection meanwhile and says which server it was on.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import text

from app.deps import SessionDep, SettingsDep
from app.main import create_app
from settings.fastapi import request_settings


def create_reload_app() -> FastAPI:
    app = create_app()

    @app.get("/where")
    async def where(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
        port = (await session.execute(text("SELECT inet_server_port()"))).scalar_one()
        return {"port": port, "pool_size": settings.database.pool.size}

    started, released = asyncio.Event(), asyncio.Event()

    @app.get("/held")
    async def held(request: Request) -> dict[str, Any]:
        started.set()  # its settings were pinned when it began
        await released.wait()
        settings = await request_settings(request)
        return {"orders_v2": settings.features.orders_v2}  # type: ignore[attr-defined]

    @app.get("/held-db")
    async def held_db(session: SessionDep) -> dict[str, Any]:
        port = (await session.execute(text("SELECT inet_server_port()"))).scalar_one()
        started.set()
        await released.wait()
        return {"port": port}

    @app.get("/started")
    async def held_started() -> bool:
        return started.is_set()

    @app.get("/release")
    async def release() -> None:
        released.set()

    return app
