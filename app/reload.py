"""What a settings reload changes in this application, all in one step.

:class:`settings.reload.SettingsReloader` loads and checks; :class:`AppReload` is its ``swap``:

- a changed ``database`` section gets a new :class:`app.db.DatabaseManager` (its engine made
  before anything switches); the old one is retired: disposed once the requests in flight have
  returned its connections, waiting at most ``pool.timeout`` before closing the idle ones, then
  closing each late one as it comes back;
- the log level is set again;
- ``app.state.settings`` and ``app.state.database`` switch together, with no ``await`` between
  them, so a new request sees the new settings and their engine, while the middleware (hosts,
  CORS) rebuilds itself on the first request that sees the new object.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.pool import Pool, QueuePool
from sqlalchemy.util import greenlet_spawn

from app.db import DatabaseManager
from app.logging import configure_logging
from settings import Settings

logger = logging.getLogger("app.reload")


class AppReload:
    """The swap of one app's reloads, and the old database managers it is retiring."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._retiring: set[asyncio.Task[None]] = set()

    async def __call__(self, old: Settings, new: Settings) -> None:
        database: DatabaseManager = self.app.state.database
        replacement = database
        if old.database.model_dump() != new.database.model_dump():
            replacement = DatabaseManager(new.database)
            await replacement.initialize()
        configure_logging(new)
        # One step, no await: what every new request reads.
        self.app.state.settings, self.app.state.database = new, replacement
        if replacement is not database:
            logger.info("Database settings changed: new connections go to %s; the pool of %s "
                        "closes once its connections are returned", replacement.target,
                        database.target)
            task = asyncio.get_running_loop().create_task(self._retire(database))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    async def _retire(self, database: DatabaseManager) -> None:
        """Dispose ``database`` once its connections are back (idle ones closed after at most
        ``pool.timeout``), then close every late one as it is returned."""
        pool = database.engine.pool
        try:
            try:
                async with asyncio.timeout(database.config.pool.timeout):
                    await _all_returned(pool)
            except TimeoutError:
                logger.warning("%d connection(s) to %s still in use by requests in flight; "
                               "each closes when returned", _checked_out(pool), database.target)
            await database.dispose()
            await _all_returned(pool)
        finally:  # also when shutdown cancels the wait
            await database.dispose()
            await greenlet_spawn(pool.dispose)  # those returned since, idle in the old pool

    async def close(self) -> None:
        """At shutdown: retire the old managers now, whatever is still in use."""
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)


async def _all_returned(pool: Pool) -> None:
    """Wait until no connection of ``pool`` is checked out."""
    returned = asyncio.Event()

    def on_checkin(*_: object) -> None:
        returned.set()

    event.listen(pool, "checkin", on_checkin)
    try:
        while True:
            returned.clear()
            if not _checked_out(pool):
                return
            await returned.wait()
    finally:
        event.remove(pool, "checkin", on_checkin)


def _checked_out(pool: Pool) -> int:
    return pool.checkedout() if isinstance(pool, QueuePool) else 0
