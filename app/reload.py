"""What a settings reload changes in this application, all in one step.

:class:`settings.fastapi._reload.SettingsReloader` (which ``settings_lifespan`` runs) loads and
checks; :class:`AppReload` is its ``swap``:

- a changed ``database`` section gets a new :class:`app.db.DatabaseManager` (its engine made
  before anything switches); the old one is retired: disposed once every request that began
  before the switch (and so may use it) has ended, which returns its connections. After
  ``pool.timeout`` its idle connections are closed anyway, and the rest as those requests end.
  :class:`InFlightMiddleware` counts the requests by the manager current when each began;
- the log level is set again;
- ``app.state.settings`` and ``app.state.database`` switch together, with no ``await`` between
  them, so a new request sees the new settings and their engine, and the middleware (hosts,
  CORS) rebuilds itself on the first request that sees the new object. A request in flight
  keeps the settings it began with (:func:`settings.fastapi.pin`), middleware and handlers alike.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

from fastapi import FastAPI
from sqlalchemy.util import greenlet_spawn
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db import DatabaseManager
from app.logging import configure_logging
from settings import BaseSettings, Settings
from settings.contrib.metrics import record_settings
from settings.fastapi import pin

logger = logging.getLogger("app.reload")


class AppReload:
    """The swap of one app's reloads, and the old database managers it is retiring."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.in_flight = RequestsInFlight()
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
                    await self.in_flight.ended(database)
            except TimeoutError:
                logger.warning(
                    "Requests begun before the reload still use %s; its idle "
                    "connections are closed now, the others when they end",
                    database.target,
                )
                await database.engine.dispose()  # the manager stays usable for them
                await self.in_flight.ended(database)
        finally:  # also when shutdown cancels the wait
            await database.dispose()
            await greenlet_spawn(pool.dispose)  # returned to the first pool after a dispose

    async def close(self) -> None:
        """At shutdown: retire the old managers now, whatever is still in use."""
        for task in list(self._retiring):
            task.cancel()
        await asyncio.gather(*self._retiring, return_exceptions=True)


class RequestsInFlight:
    """How many requests are in flight, by the database manager current when each began."""

    def __init__(self) -> None:
        self._counts: dict[int, int] = {}
        self._waiters: dict[int, asyncio.Event] = {}

    @contextmanager
    def began(self, database: object) -> Iterator[None]:
        key = id(database)
        self._counts[key] = self._counts.get(key, 0) + 1
        try:
            yield
        finally:
            self._counts[key] -= 1
            if not self._counts[key]:
                del self._counts[key]
                if key in self._waiters:
                    self._waiters.pop(key).set()

    async def ended(self, database: object) -> None:
        """Wait until no request that began with ``database`` is in flight."""
        key = id(database)
        if self._counts.get(key):
            await self._waiters.setdefault(key, asyncio.Event()).wait()


class InFlightMiddleware:
    """Pure ASGI: pins the settings each HTTP request began with (its handlers' ``SettingsDep``
    returns them even if a reload swaps the app's meanwhile), counts the request under the
    database manager current when it began, so that a reload retires an old manager only once
    nothing can still use it, and runs it under the shutdown's deadline (:mod:`app.shutdown`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state
        reload = getattr(state, "reload", None) if scope["type"] == "http" else None
        if not isinstance(reload, AppReload):
            await self.app(scope, receive, send)
            return
        pin(scope, state.settings)  # what SettingsMiddleware reads next, with no await between
        with reload.in_flight.began(state.database):
            await state.drain.serve(self.app, scope, receive, send)
