"""What a settings reload changes in this application, all in one step.

:class:`settings.fastapi._reload.SettingsReloader` (which ``settings_lifespan`` runs) loads and
checks; :class:`AppReload` is its ``swap``:

- a changed ``database`` section gets a new :class:`app.db.DatabaseManager` (its engine made
  before anything switches); the old one is retired: disposed once no request holds it (a
  ``SessionDep`` or ``DatabaseDep`` taken before the switch, :mod:`app.deps`), which returns
  its connections. After ``pool.timeout`` its idle connections are closed anyway, and the rest
  as those requests end;
- the log level is set again;
- ``app.state.settings`` and ``app.state.database`` switch together, with no ``await`` between
  them, so a new request sees the new settings and their engine, and the middleware (hosts,
  CORS) rebuilds itself on the first request that sees the new object. A request in flight
  keeps the settings it began with (:class:`settings.fastapi.SettingsMiddleware` pins them),
  middleware and handlers alike.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

from fastapi import FastAPI
from sqlalchemy.util import greenlet_spawn

from app.db import DatabaseManager
from app.logging import configure_logging
from settings import BaseSettings, Settings
from settings.contrib.metrics import record_settings

logger = logging.getLogger("app.reload")


class AppReload:
    """The swap of one app's reloads, and the old database managers it is retiring."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._retiring: set[asyncio.Task[None]] = set()

    @staticmethod
    def of(app: FastAPI) -> AppReload:
        """The one the app's lifespan made (``settings_lifespan(swap=AppReload.of)``)."""
        reload: AppReload = app.state.reload
        return reload

    async def __call__(self, old: BaseSettings, new: BaseSettings) -> None:
        old, new = cast(Settings, old), cast(Settings, new)  # what this app's start loaded
        database: DatabaseManager = self.app.state.database
        replacement = database
        if old.database.model_dump() != new.database.model_dump():
            replacement = DatabaseManager.for_settings(new)
            await replacement.initialize()
            await replacement.check_budget()
        configure_logging(new)
        record_settings(new)
        # One step, no await: what every new request reads.
        self.app.state.settings, self.app.state.database = new, replacement
        if replacement is not database:
            logger.info(
                "Database settings changed: new connections go to %s; the pool of %s "
                "closes once its connections are returned",
                replacement.target,
                database.target,
            )
            task = asyncio.get_running_loop().create_task(self._retire(database))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _retire(self, database: DatabaseManager) -> None:
        """Dispose ``database`` once the requests that may use it have ended; after
        ``pool.timeout``, close its idle connections while waiting for the rest."""
        pool = database.engine.pool
        try:
            try:
                async with asyncio.timeout(database.config.pool.timeout):
                    await database.unused()
            except TimeoutError:
                logger.warning(
                    "Requests begun before the reload still use %s; its idle "
                    "connections are closed now, the others when they end",
                    database.target,
                )
                await database.engine.dispose()  # the manager stays usable for them
                await database.unused()
        finally:  # also when shutdown cancels the wait
            await database.dispose()
            await greenlet_spawn(pool.dispose)  # returned to the first pool after a dispose

    async def close(self) -> None:
        """At shutdown: retire the old managers now, whatever is still in use."""
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)
