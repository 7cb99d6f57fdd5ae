"""``running(app)``: the app between its lifespan's startup and shutdown, with a client on it;
``session_app(settings)``: an app with a route that needs a database session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep
from app.main import create_app
from settings import Settings


@asynccontextmanager
async def running(app: FastAPI, host: str = "localhost") -> AsyncIterator[httpx.AsyncClient]:
    """Start the lifespan, yield a client, then shut the app down (disposing its pool)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            yield client


def session_app(settings: Settings) -> FastAPI:
    """``create_app(settings)`` plus ``GET /now``, which runs a query through ``SessionDep``."""
    app = create_app(settings)

    @app.get("/now")
    async def now(session: SessionDep) -> str:
        return str((await session.execute(text("SELECT CURRENT_TIMESTAMP"))).scalar_one())

    return app
