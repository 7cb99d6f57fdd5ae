"""The real app plus two routes for the reload tests, served by
``uvicorn --factory tests.app.reload_app:create_reload_app``.

``/where`` says which server and pool size a new request gets; ``/sleep`` holds a pooled
connection for a while, as a request in flight during a reload.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep, SettingsDep
from app.main import create_app


def create_reload_app() -> FastAPI:
    app = create_app()

    @app.get("/where")
    async def where(session: SessionDep, settings: SettingsDep) -> dict[str, Any]:
        port = (await session.execute(text("SELECT inet_server_port()"))).scalar_one()
        return {"port": port, "pool_size": settings.database.pool.size}

    @app.get("/sleep")
    async def sleep(session: SessionDep, seconds: float) -> dict[str, Any]:
        await session.execute(text("SELECT pg_sleep(:seconds)"), {"seconds": seconds})
        port = (await session.execute(text("SELECT inet_server_port()"))).scalar_one()
        return {"port": port}

    return app
