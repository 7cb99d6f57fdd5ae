"""What handlers declare: ``SettingsDep``, ``DatabaseDep`` and ``SessionDep``.

The settings dependency is an ``async def`` on purpose: FastAPI runs a sync dependency in a
thread pool, which costs more than the lookup itself. It returns the frozen object the lifespan
loaded, or the innermost ``override_settings`` while one is active.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from app.db import DatabaseManager
from settings import Settings
from settings.overrides import active_override


def current_settings(app: Any) -> Settings:
    """The settings an app serves with: an active override, else those its lifespan loaded."""
    override = active_override()
    if override is not None:
        return override
    try:
        settings: Settings = app.state.settings
    except AttributeError:
        raise RuntimeError("settings are not loaded: the app's lifespan has not run") from None
    return settings


def settings_or_none(app: Any) -> Settings | None:
    """Like :func:`current_settings`, but ``None`` before the lifespan ran (for error paths)."""
    try:
        return current_settings(app)
    except RuntimeError:
        return None


async def get_request_settings(connection: HTTPConnection) -> Settings:
    return current_settings(connection.app)


async def get_database(connection: HTTPConnection) -> DatabaseManager:
    database: DatabaseManager = connection.app.state.database
    return database


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """A session on a connection taken from the pool before the handler runs.

    Taking it up front turns an exhausted pool or a database that is down into
    :class:`app.db.DatabaseUnavailableError` (a 503), not an error halfway through a handler.
    """
    database: DatabaseManager = connection.app.state.database
    bound = await database.connect()
    try:
        async with AsyncSession(bind=bound) as session:
            yield session
    finally:
        await bound.close()


SettingsDep = Annotated[Settings, Depends(get_request_settings)]
DatabaseDep = Annotated[DatabaseManager, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
