"""The app-start reference: FastAPI, one route, a SQLAlchemy async engine made in the lifespan.

The same libraries as ``app.main``, none of our code: what the settings framework, the
middleware and the connection manager add to a start is the difference between the two.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import create_async_engine

DEFAULT_URL = "postgresql+asyncpg://postgres:bench-password@127.0.0.1:5432/app"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    app.state.engine = engine
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "pass"}
