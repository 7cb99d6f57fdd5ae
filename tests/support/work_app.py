"""The reference app with two more routes, served by ``uvicorn --factory`` in a project
directory of its own: ``GET /work`` runs a transaction, ``GET /pid`` names the worker.

``project`` writes the directory, ``postgres_toml`` its settings.toml for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep
from app.main import create_app
from settings import Settings
from tests.support.uvicorn import Server

#: ``uvicorn --factory`` target: the app plus ``GET /work``.
WORK_APP = "tests.support.work_app:create_work_app"


def create_work_app(settings: Settings | None = None) -> FastAPI:
    """``create_app(settings)`` plus ``GET /work``: one transaction of two parameterised
    statements, the shape that breaks prepared statements behind PgBouncer."""
    app = create_app(settings)

    @app.get("/pid")
    async def pid() -> int:
        return os.getpid()

    @app.get("/work")
    async def work(session: SessionDep) -> int:
        first = (await session.execute(text("SELECT CAST(:n AS int) + 1"), {"n": 41})).scalar_one()
        second = (await session.execute(text("SELECT CAST(:m AS int)"), {"m": first})).scalar_one()
        await session.commit()
        return int(second)

    return app


def project(directory: Path, toml: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "settings.toml").write_text(toml, encoding="utf-8")
    return directory


def postgres_toml(*, pool: str = "size = 2\nmax_overflow = 2", extra: str = "") -> str:
    """A settings.toml whose [testing] environment talks to PostgreSQL (variables say where)."""
    return f"""\
[default]
secret_key = "tests-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
allowed_hosts = ["localhost", "127.0.0.1", "testserver"]
{extra}
[default.database]
driver = "postgresql+asyncpg"
connect_timeout = 2.0

[default.database.pool]
{pool}
timeout = 10.0

[testing]
"""


def get(server: Server, path: str) -> httpx.Response:
    """``GET path`` on a running server, with a client of its own."""
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
        return client.get(path)


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]
