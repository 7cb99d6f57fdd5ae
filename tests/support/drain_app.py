"""An application built on the framework alone, with nothing of ``app/``: ``settings_lifespan``
with :class:`settings.Settings` and ``settings_middleware()``. ``GET /slow`` waits a minute,
``GET /started`` says whether one is waiting. Served by ``uvicorn --factory``."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from settings import Settings
from settings.fastapi import settings_lifespan, settings_middleware

#: ``uvicorn --factory`` target.
DRAIN_APP = "tests.support.drain_app:create_drain_app"


def create_drain_app() -> FastAPI:
    app = FastAPI(lifespan=settings_lifespan(model=Settings), middleware=settings_middleware())
    waiting = asyncio.Event()

    @app.get("/health/live")
    async def live() -> str:
        return "pass"

    @app.get("/slow")
    async def slow() -> str:
        waiting.set()
        await asyncio.sleep(60)
        return "too late"

    @app.get("/started")
    async def started() -> bool:
        return waiting.is_set()

    return app
