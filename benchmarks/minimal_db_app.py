"""The database request-path reference: FastAPI + SQLAlchemy async, nothing of ours.

The same pool as the reference app's (``pool.size`` 5 + ``max_overflow`` 5, pre-ping), the same
driver and server, the same route: two parameterised statements in a transaction, through a
session dependency as SQLAlchemy's and FastAPI's documentation write it. No middleware.
"""

# No ``from __future__ import annotations``: FastAPI must see the dependency's real annotation.
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

#: The bench's database: the local PostgreSQL (``BENCH_DATABASE_URL`` overrides).
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FIRST = "SELECT CAST(:n AS int) + 1"
SECOND = "SELECT CAST(:m AS int)"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    engine = create_async_engine(
        os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        pool_size=5,
        max_overflow=5,
        pool_pre_ping=True,
        pool_timeout=30,
    )
    app.state.engine = engine
    yield
    await engine.dispose()


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with AsyncSession(request.app.state.engine, expire_on_commit=False) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def transaction(session: AsyncSession) -> int:
    """The route's work: two parameterised statements in a transaction, committed."""
    first = (await session.execute(text(FIRST), {"n": 41})).scalar_one()
    second = (await session.execute(text(SECOND), {"m": first})).scalar_one()
    await session.commit()
    return int(second)


def create_minimal_app() -> FastAPI:
    app = FastAPI(lifespan=lifespan)

    @app.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "pass"}

    @app.get("/bench/db")
    async def bench_db(session: SessionDep) -> int:
        return await transaction(session)

    return app
