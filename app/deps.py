"""What handlers declare: ``SettingsDep``, ``DatabaseDep`` and ``SessionDep``.

``SettingsDep`` is the framework's settings dependency typed with this application's model, so a
type checker sees :class:`app.config.AppSettings`' fields. It returns the frozen object the
lifespan loaded, with any active ``override_settings`` applied.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from app.config import AppSettings
from app.db import DatabaseManager
from settings.fastapi import request_settings


async def get_database(connection: HTTPConnection) -> AsyncIterator[DatabaseManager]:
    """The database manager current when the request asked for it, held until the request
    ends: a reload that replaces it retires it only once no request holds it."""
    database: DatabaseManager = connection.app.state.database
    with database.held():
        yield database


async def get_session(connection: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """A session whose transaction holds a connection taken from the pool before the handler
    runs (:meth:`app.db.DatabaseManager.session`).

    The manager is held until the session is closed, so that a reload that replaces it
    disposes it only after (:mod:`app.reload`). Taking the connection up front turns an
    exhausted pool or a database that is down into :class:`app.db.DatabaseUnavailableError`
    (a 503), not an error halfway through a handler.
    ``expire_on_commit=False``, as SQLAlchemy's asyncio documentation advises: reading an
    attribute after ``commit()`` would otherwise need I/O that asyncio cannot do implicitly.
    """
    database: DatabaseManager = connection.app.state.database
    with database.held():  # before the first await: a reload may swap the manager meanwhile
        async with await database.session() as session:
            yield session


SettingsDep = Annotated[AppSettings, Depends(request_settings)]
DatabaseDep = Annotated[DatabaseManager, Depends(get_database)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
