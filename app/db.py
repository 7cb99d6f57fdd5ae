"""The connection manager: one SQLAlchemy async engine per app, made at startup, never at import.

``initialize`` builds the engine from :class:`settings.DatabaseConfig` (for SQLite it also creates
the file's directory); ``health_check`` makes a real ``SELECT 1`` round trip bounded by
``connect_timeout``; ``pool_status`` reads the pool's counters; ``dispose`` closes every pooled
connection at shutdown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from app.redaction import describe_error, driver_error, redact
from settings import DatabaseConfig

logger = logging.getLogger("app.db")

#: How the app's connections show up in ``pg_stat_activity``.
APPLICATION_NAME = "fastapi-layered-settings"


class DatabaseUnavailableError(Exception):
    """No connection could be had. ``str()`` says what failed and is safe to show a client."""


@dataclass(frozen=True)
class PoolStatus:
    """The pool's counters: configured size, connections in use, overflow connections open."""

    size: int
    checked_out: int
    overflow: int


@dataclass(frozen=True)
class HealthCheck:
    """One round trip: whether it worked, how long it took, and what failed (no internals)."""

    ok: bool
    latency_ms: float
    failure: str | None = None


def engine_options(config: DatabaseConfig) -> dict[str, Any]:
    """Keyword arguments for ``create_async_engine``: pool and driver timeouts."""
    options: dict[str, Any] = {"pool_pre_ping": config.pool.pre_ping}
    if config.is_sqlite and config.database == ":memory:":
        return options  # SQLAlchemy picks a StaticPool, which takes no sizing arguments
    options.update(
        pool_size=config.pool.size,
        max_overflow=config.pool.max_overflow,
        pool_timeout=config.pool.timeout,
        pool_recycle=config.pool.recycle,
    )
    if not config.is_sqlite:
        options["connect_args"] = {
            "timeout": config.connect_timeout,
            "command_timeout": config.command_timeout,
            "server_settings": {"application_name": APPLICATION_NAME},
        }
    return options


class DatabaseManager:
    """Owns the app's engine between ``initialize()`` and ``dispose()``."""

    def __init__(self, config: DatabaseConfig) -> None:
        self.config = config
        self._engine: AsyncEngine | None = None
        self._last_failure: str | None = None

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the database is not initialized; the app's lifespan has not run")
        return self._engine

    @property
    def target(self) -> str:
        """The database URL with its password masked, and any copy of it (a username a token
        copied from the password), for logs."""
        return redact(self.config.url.render_as_string(hide_password=True), self._secrets)

    async def initialize(self) -> None:
        """Create the engine. Connects to nothing: a database that is down does not stop us."""
        if self._engine is not None:
            return
        if self.config.is_sqlite and self.config.database != ":memory:":
            Path(self.config.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_async_engine(self.config.url, **engine_options(self.config))

    async def dispose(self) -> None:
        """Close every pooled connection; the manager can be initialized again."""
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()

    async def connect(self) -> AsyncConnection:
        """A pooled connection, waiting at most ``pool.timeout`` for a free one.

        Raises :class:`DatabaseUnavailableError` when none can be had, with the cause logged.
        """
        try:
            return await self.engine.connect()
        except Exception as exc:
            failure = self._failure(exc)
            detail = describe_error(exc, self._secrets)
            logger.warning("No connection to %s: %s (%s)", self.target, failure, detail)
            raise DatabaseUnavailableError(failure) from exc

    def pool_status(self) -> PoolStatus:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            # overflow() counts down from -size while the pool is still filling up.
            return PoolStatus(pool.size(), pool.checkedout(), max(0, pool.overflow()))
        return PoolStatus(size=1, checked_out=0, overflow=0)

    async def health_check(self) -> HealthCheck:
        """``SELECT 1`` through the pool, all of it within ``connect_timeout``."""
        timeout = self.config.connect_timeout
        failure: str | None = None
        detail: str | None = None
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except Exception as exc:
            failure, detail = self._failure(exc), describe_error(exc, self._secrets)
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        self._log_transition(failure, detail)
        return HealthCheck(ok=failure is None, latency_ms=latency_ms, failure=failure)

    def _failure(self, exc: Exception) -> str:
        """What failed, in words safe for a public health body (no host, no message)."""
        pool = self.config.pool
        if isinstance(exc, sa_exc.TimeoutError):
            return f"no pooled connection free within {pool.timeout:g} s"
        if isinstance(exc, TimeoutError):
            waited = self.config.connect_timeout
            if self.pool_status().checked_out >= pool.size + pool.max_overflow:
                return f"no pooled connection free within {waited:g} s"  # pool.timeout > waited
            return f"no answer within {waited:g} s"
        return f"connection failed ({type(driver_error(exc)).__name__})"

    @property
    def _secrets(self) -> list[str]:
        return [self.config.password.get_secret_value()]

    def _log_transition(self, failure: str | None, detail: str | None) -> None:
        """Log a failure when it starts or changes, and the recovery; not every probe."""
        if failure is not None and detail != self._last_failure:
            logger.warning("Database check failed for %s: %s (%s)", self.target, failure, detail)
        elif failure is None and self._last_failure is not None:
            logger.info("Database %s answers again", self.target)
        self._last_failure = detail if failure is not None else None
