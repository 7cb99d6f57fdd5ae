"""The connection manager: one SQLAlchemy async engine per app, made at startup, never at import.

``initialize`` builds the engine from :class:`settings.DatabaseConfig` (for SQLite it also creates
the file's directory); ``health_check`` makes a real ``SELECT 1`` round trip bounded by
``connect_timeout``; ``session`` opens a request's session on a pooled connection;
``pool_status`` reads the pool's counters; ``check_budget`` asks the server, over one
connection, whether it is PgBouncer and what it allows; ``dispose`` closes every pooled
connection at shutdown, within ``connect_timeout``.

Behind PgBouncer (``database.pgbouncer``) the engine keeps its pool, sized as without it, and
follows SQLAlchemy's advice for transaction pooling: no statement caches, unique statement names
(:mod:`settings.contrib.database._driver`). Each pooled connection is a client of PgBouncer, which
lends it a server connection per transaction, so the pool saves the login to PgBouncer on every
request (a connection per request cost 0.36x the throughput; ``benchmarks/pgbouncer.py``). A
password given by a file (``DB_PASSWORD_FILE``) is read again for each new connection, so a
rotated secret is used without a restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool, QueuePool
from sqlalchemy.util import greenlet_spawn

from app.redaction import describe_error, driver_error
from settings import DatabaseConfig, Settings, redact
from settings.contrib.database import (
    Budget,
    ask_server,
    connect_args,
    driver_url,
    read_secret_file,
    server_problems,
)
from settings.contrib.health import HealthCheck
from settings.contrib.metrics import pool_wait, record_pool

logger = logging.getLogger("app.db")

#: The managers alive in this process, whose pools the metrics add up.
_MANAGERS: weakref.WeakSet[DatabaseManager] = weakref.WeakSet()
#: Readiness probes given up on, held until their own cleanup ends.
_BACKGROUND: set[asyncio.Future[None]] = set()
#: Seconds between two writes of the pool's figures while they change (a scrape reads them
#: fresh in the process that answers it; other workers' are at most this old).
PUBLISH_INTERVAL = 1.0
#: Seconds between two log lines about failed connection attempts (each line counts those
#: since the previous one).
FAILURE_LOG_INTERVAL = 10.0


def _forget(probe: asyncio.Future[None]) -> None:
    _BACKGROUND.discard(probe)
    _retrieve(probe)


def _retrieve(probe: asyncio.Future[None]) -> None:
    """Mark the outcome seen, so asyncio logs nothing about a probe no one waits for now."""
    if not probe.cancelled():
        probe.exception()


#: SQLSTATEs of a server that ended the connection: the connection exception class, a
#: shutdown or ``pg_terminate_backend`` (57P01), a crash (57P02), a server still starting
#: (57P03), idle timeouts (57P05, 25P03); PgBouncer reports its own ends as 08P01.
LOST_STATES = ("08", "57P01", "57P02", "57P03", "57P05", "25P03")


def lost_connection(exc: BaseException) -> bool:
    """Whether ``exc`` (SQLAlchemy's, its asyncpg adapter's or asyncpg's own) means the
    connection is gone or unusable: what SQLAlchemy's "Dealing with Disconnects" calls a
    disconnect, and asyncpg's ``InternalClientError`` ("cannot switch to state ..."), whose
    connection is left mid-protocol when the server ends it between two statements
    (sqlalchemy#13241)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(4):  # the wrapper, the adapter's error, asyncpg's, and its cause
        if seen is None:
            return False
        if isinstance(seen, ConnectionError) or _lost_in_driver(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _lost_in_driver(error: BaseException) -> bool:
    sqlstate = getattr(error, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(LOST_STATES):
        return True
    if not type(error).__module__.startswith("asyncpg"):
        return False
    import asyncpg  # type: ignore[import-untyped]  # loaded already: the error came from it

    closed = isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error)
    return closed or isinstance(error, asyncpg.exceptions.InternalClientError)


class DatabaseUnavailableError(Exception):
    """No connection could be had. ``str()`` says what failed and is safe to show a client."""


@dataclass(frozen=True)
class PoolStatus:
    """The pool's counters: configured size, connections in use, overflow connections open;
    ``busy`` when every connection it may open is in use (requests wait for one)."""

    size: int
    checked_out: int
    overflow: int
    busy: bool = False


def engine_options(config: DatabaseConfig) -> dict[str, Any]:
    """Keyword arguments for ``create_async_engine``: pool, driver options and timeouts."""
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
        options["connect_args"] = connect_args(config)
    return options


class DatabaseManager:
    """Owns the app's engine between ``initialize()`` and ``dispose()``."""

    def __init__(
        self,
        config: DatabaseConfig,
        *,
        password_file: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.config = config
        self.password_file = password_file
        self.settings = settings
        self.budget: Budget | None = None
        self._engine: AsyncEngine | None = None
        self._last_failure: str | None = None
        # The password, and each one read again from its file (see _secrets).
        self._passwords = {config.password.get_secret_value()}
        self._latest_password: str | None = None
        self._open: dict[int, Any] = {}  # id of the DBAPI connection: the driver's connection
        self._probe_engine: AsyncEngine | None = None  # readiness, when the pool is all in use
        self._own_probe: asyncio.Future[None] | None = None
        self._used = 0
        self._failures = _FailureLog()
        self._users = 0  # requests holding this manager (app.deps): a reload's retire waits
        self._unused: asyncio.Event | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> DatabaseManager:
        """The manager of ``settings.database``, re-reading a password given by a file."""
        sources = settings.sources
        files = getattr(sources, "secret_files", None) or {}
        return cls(
            settings.database, password_file=files.get("database.password"), settings=settings
        )

    @property
    def engine(self) -> AsyncEngine:
        if self._engine is None:
            raise RuntimeError("the database is not initialized; the app's lifespan has not run")
        return self._engine

    @property
    def target(self) -> str:
        """The database URL with its password masked, and any copy of it (a username a token
        copied from the password), for logs."""
        return redact(self.config.url.render_as_string(hide_password=True), *self._secrets)

    async def initialize(self) -> None:
        """Create the engine. Connects to nothing: a database that is down does not stop us."""
        if self._engine is not None:
            return
        if self.config.is_sqlite and self.config.database != ":memory:":
            Path(self.config.database).parent.mkdir(parents=True, exist_ok=True)
        url = self.config.url if self.config.is_sqlite else driver_url(self.config)
        self._engine = create_async_engine(url, **engine_options(self.config))
        self._watch(self._engine)
        _MANAGERS.add(self)
        # Read at each scrape, and written now: every worker counts its pool's maximum from
        # the start.
        record_pool(_pool_figures)

    def _watch(self, engine: AsyncEngine) -> None:
        """Count connections for the metrics, keep the driver's connections for a bounded
        shutdown, and read the password file again for each new connection."""
        target = engine.sync_engine

        @event.listens_for(target, "connect")
        def connected(dbapi_connection: Any, record: Any) -> None:
            self._open[id(dbapi_connection)] = record.driver_connection
            _changed()

        @event.listens_for(target, "close")
        @event.listens_for(target, "close_detached")
        def closed(dbapi_connection: Any, *record: Any) -> None:
            self._open.pop(id(dbapi_connection), None)
            _changed()

        # On every request's path: a count, and the figures are read when /metrics is scraped.
        @event.listens_for(target, "checkout")
        def checked_out(*_: Any) -> None:
            self._used += 1
            _changed()

        @event.listens_for(target, "checkin")
        def checked_in(*_: Any) -> None:
            self._used = max(0, self._used - 1)
            _changed()

        @event.listens_for(target, "handle_error")
        def disconnect(context: Any) -> None:
            # SQLAlchemy's hook for disconnect errors its dialect does not know: the connection
            # is invalidated (never handed out again, a pre-ping reconnects) and the error
            # says connection_invalidated, which app.errors answers with a 503.
            if lost_connection(context.original_exception):
                context.is_disconnect = True

        self._watch_password(engine)

    def _watch_password(self, engine: AsyncEngine) -> None:
        """Read the password file again for each new connection of ``engine``."""
        if self.password_file is not None and not self.config.is_sqlite:

            @event.listens_for(engine.sync_engine, "do_connect")
            def fresh_password(dialect: Any, record: Any, args: Any, params: Any) -> None:
                password = self._current_password()
                if password is not None:
                    params["password"] = password

    def _current_password(self) -> str | None:
        """The file's content now; if it cannot be read (logged), the last content read, or
        ``None`` for the password loaded at startup."""
        assert self.password_file is not None
        try:
            password = read_secret_file(self.password_file)
        except ValueError as exc:
            logger.warning("Kept the last database password read: %s", exc)
            return self._latest_password
        if not password:  # a file being rewritten, caught half-way: never an empty password
            logger.warning("Kept the last database password read: %s is empty", self.password_file)
            return self._latest_password
        self._passwords.add(password)
        self._latest_password = password
        return password

    async def check_budget(self) -> Budget | None:
        """Ask the server over one connection (:func:`ask_server`) and log what ``python -m
        settings check --connect`` would report (:func:`server_problems`): ``database.pgbouncer``
        against the server (``database.W001``/``W002``), and a connection budget higher than
        the server allows (``database.E001``, logged as a warning: the worker count it assumes
        may be wrong). Never raises: a server that cannot be asked is logged at debug level and
        both are left out."""
        settings = self.settings
        if settings is None or self.config.is_sqlite:
            return None
        try:
            answer = await ask_server(settings)
        except Exception as exc:
            logger.debug(
                "Server kind and connection budget not checked: %s",
                describe_error(exc, *self._secrets),
            )
            return None
        for problem in server_problems(settings, answer):  # masked as check --connect masks
            problem.log(logger)
        self.budget = answer.budget
        return self.budget

    async def dispose(self) -> None:
        """Close every pooled connection, within ``connect_timeout`` whatever the server does;
        the manager can be initialized again.

        Each connection is closed gracefully in parallel; one whose server does not answer in
        time is terminated (its socket closed), and one line says so.
        """
        if self._engine is None:
            return
        engine, self._engine = self._engine, None
        drivers = [driver for driver in self._open.values() if hasattr(driver, "terminate")]
        if drivers:
            limit = self.config.connect_timeout
            closed = await asyncio.gather(*(_close(driver, limit) for driver in drivers))
            if not all(closed):
                logger.warning(
                    "Shutdown: %d of %d database connections closed; the server did not answer "
                    "within %g s, so the other %d were terminated",
                    sum(closed),
                    len(closed),
                    limit,
                    len(closed) - sum(closed),
                )
        await engine.dispose()
        if self._probe_engine is not None:
            await self._probe_engine.dispose()
            self._probe_engine = None
        _MANAGERS.discard(self)
        self._open.clear()
        self._used = 0
        _publish()

    async def connect(self) -> AsyncConnection:
        """A pooled connection, waiting at most ``pool.timeout`` for a free one.

        Raises :class:`DatabaseUnavailableError` when none can be had, with the cause logged.
        """
        try:
            with pool_wait(timeout_errors=(sa_exc.TimeoutError,)):
                return await self.engine.connect()
        except Exception as exc:
            raise self._unavailable(exc) from exc

    async def session(self) -> AsyncSession:
        """A session (``expire_on_commit=False``) whose transaction already holds a pooled
        connection, waiting at most ``pool.timeout`` for a free one; the caller closes it.

        The connection is taken in the same step as the session's ``BEGIN``, as the session's
        first statement would take it: one switch into SQLAlchemy's greenlet, where a
        connection taken first and a session bound to it took two more (the connection, then
        its close). After ``commit()`` the connection goes back to the pool and a later
        statement takes one again, as with any ``AsyncSession(engine)``.

        Raises :class:`DatabaseUnavailableError` when no connection can be had, with the cause
        logged (at most one line per ``FAILURE_LOG_INTERVAL``).
        """
        session = AsyncSession(self.engine, expire_on_commit=False)
        try:
            with pool_wait(timeout_errors=(sa_exc.TimeoutError,)):
                # What AsyncSession.connection() does, less the AsyncConnection proxy it also
                # builds for the connection (nothing here uses it).
                await greenlet_spawn(session.sync_session.connection)
        except Exception as exc:
            await session.close()
            raise self._unavailable(exc) from exc
        return session

    @contextmanager
    def held(self) -> Iterator[DatabaseManager]:
        """Hold this manager, for a request's session or for the manager itself, until the
        block ends: a reload that replaces it disposes it only after (:meth:`unused`). Enter
        before the first ``await``, which a reload may run at."""
        self._users += 1
        try:
            yield self
        finally:
            self._users -= 1
            if not self._users and self._unused is not None:
                self._unused.set()
                self._unused = None

    async def unused(self) -> None:
        """Wait until no request holds this manager."""
        if self._users:
            if self._unused is None:
                self._unused = asyncio.Event()
            await self._unused.wait()

    def _unavailable(self, exc: BaseException) -> DatabaseUnavailableError:
        """Log a failed attempt to get a connection (rate-limited) and say what failed."""
        failure = self._failure(exc)
        self._failures.add(self.target, failure, describe_error(exc, *self._secrets))
        return DatabaseUnavailableError(failure)

    def pool_status(self) -> PoolStatus:
        pool = self.engine.pool
        if isinstance(pool, QueuePool):
            # overflow() counts down from -size while the pool is still filling up.
            used, limit = pool.checkedout(), pool.size() + self.config.pool.max_overflow
            return PoolStatus(pool.size(), used, max(0, pool.overflow()), busy=used >= limit)
        return PoolStatus(size=1, checked_out=0, overflow=0)

    @property
    def connection_limit(self) -> int | None:
        """The most connections the pool may open; ``None`` without a pool of its own."""
        if self._engine is None or not isinstance(self._engine.pool, QueuePool):
            return None
        return self.config.pool.size + self.config.pool.max_overflow

    async def health_check(self) -> HealthCheck:
        """``SELECT 1`` within ``connect_timeout``, answered in that time whatever the server
        does: "the database does not answer" (a failure), never "the pool is busy".

        The round trip uses an idle pooled connection when there is one; when every pooled
        connection is in use (the app's own load) it uses a short-lived connection of its own,
        outside the pool, one at a time (probes that arrive meanwhile share its result).
        """
        timeout = self.config.connect_timeout
        started = time.perf_counter()
        probe = asyncio.ensure_future(self._round_trip())
        # Never await a timed-out probe: SQLAlchemy's cleanup of a cancelled connection waits
        # up to 2 s more for a graceful close (a frozen server never answers it).
        done, _ = await asyncio.wait({probe}, timeout=timeout)
        failure: str | None = None
        detail: str | None = None
        if not done:
            probe.cancel()
            _BACKGROUND.add(probe)
            probe.add_done_callback(_forget)
            failure = f"no answer within {timeout:g} s"
            detail = "a probe timed out"
        elif (exc := probe.exception()) is not None:
            failure, detail = self._failure(exc), describe_error(exc, *self._secrets)
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        self._log_transition(failure, detail)
        return HealthCheck(ok=failure is None, latency_ms=latency_ms, failure=failure)

    async def _round_trip(self) -> None:
        """A pooled round trip while the pool has a connection to give; when it has none, or
        the checkout is not done within a grace period (the pool filled up meanwhile, or a
        pre-ping waits), a connection of its own. The pooled attempt is never cancelled: it
        ends by itself and gives its connection back."""
        pool = self.engine.pool
        if self.config.is_sqlite or not isinstance(pool, QueuePool):
            await self._pooled_round_trip()
            return
        if not self.pool_status().busy:
            pooled = asyncio.ensure_future(self._pooled_round_trip())
            _BACKGROUND.add(pooled)
            pooled.add_done_callback(_forget)
            done, _ = await asyncio.wait(
                {pooled}, timeout=min(1.0, self.config.connect_timeout / 4)
            )
            if done and not isinstance(pooled.exception(), sa_exc.TimeoutError):
                return pooled.result()  # passed, or failed for a reason other than a busy pool
        if self._own_probe is None or self._own_probe.done():
            self._own_probe = asyncio.ensure_future(self._own_round_trip())
            self._own_probe.add_done_callback(_retrieve)
        await asyncio.shield(self._own_probe)

    async def _pooled_round_trip(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _own_round_trip(self) -> None:
        """``SELECT 1`` over a new connection, outside the pool and its metrics."""
        if self._probe_engine is None:
            url = driver_url(self.config)
            options = {"poolclass": NullPool, "connect_args": connect_args(self.config)}
            self._probe_engine = create_async_engine(url, **options)
            self._watch_password(self._probe_engine)
        async with self._probe_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    def _failure(self, exc: BaseException) -> str:
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
    def _secrets(self) -> tuple[Settings | str | None, ...]:
        """Every secret of the settings (a copy of one may sit in the URL), and each password
        read again from its file."""
        return (self.settings, *sorted(self._passwords))

    def _log_transition(self, failure: str | None, detail: str | None) -> None:
        """Log a failure when it starts or changes, and the recovery; not every probe."""
        if failure is not None and detail != self._last_failure:
            logger.warning("Database check failed for %s: %s (%s)", self.target, failure, detail)
        elif failure is None and self._last_failure is not None:
            logger.info("Database %s answers again", self.target)
        self._last_failure = detail if failure is not None else None


async def _close(driver: Any, limit: float) -> bool:
    """Close one driver connection gracefully within ``limit`` seconds, else terminate it."""
    if driver.is_closed():
        return True
    try:
        await driver.close(timeout=limit)
    except Exception:  # asyncpg aborts the connection itself when the close fails
        driver.terminate()
        return False
    return True


class _FailureLog:
    """The WARNING about failed connection attempts, at most one line per
    ``FAILURE_LOG_INTERVAL``: the first failure at once, then one line at the end of each
    interval that had failures, with their count and reasons (their count by reason is also
    ``db_client_connection_failures_total``). Under load a refusing server fails every
    request's attempt: one line each was thousands of lines a minute."""

    def __init__(self) -> None:
        self.reasons: Counter[str] = Counter()
        self.target = ""
        self.detail = ""
        self.last_line = 0.0  # time.monotonic() of the last line
        self.next_line = 0.0  # from when a failure is logged at once
        self.timer: asyncio.TimerHandle | None = None

    def add(self, target: str, failure: str, detail: str) -> None:
        self.reasons[failure] += 1
        self.target, self.detail = target, detail
        now = time.monotonic()
        if now >= self.next_line:
            self._write(now)
            return
        if self.timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # no loop to come back later: the count waits for the next
                return
            self.timer = loop.call_later(self.next_line - now, self._flush)

    def _flush(self) -> None:
        self.timer = None
        if self.reasons:
            self._write(time.monotonic())

    def _write(self, now: float) -> None:
        count = sum(self.reasons.values())
        if count == 1:
            [failure] = self.reasons
            logger.warning("No connection to %s: %s (%s)", self.target, failure, self.detail)
        else:
            reasons = ", ".join(f"{failure} x {n}" for failure, n in self.reasons.most_common())
            logger.warning(
                "No connection to %s: %d attempts failed since the last line, %.0f s ago: %s; "
                "the last: %s",
                self.target,
                count,
                now - self.last_line,
                reasons,
                self.detail,
            )
        self.reasons.clear()
        self.last_line = now
        self.next_line = now + FAILURE_LOG_INTERVAL


#: The event loop whose timer writes the pool's figures next, if one is pending.
_publishing: asyncio.AbstractEventLoop | None = None


def _changed() -> None:
    """A pool's figures changed: read fresh by the next scrape of this process, and written
    within ``PUBLISH_INTERVAL`` for the other workers' scrapes (multiprocess mode), not at
    every checkout: each write cost about as much as the rest of the checkout's bookkeeping."""
    global _publishing
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a connection closed outside the loop (garbage collection)
        _publish()
        return
    if _publishing is not loop:
        _publishing = loop
        loop.call_later(PUBLISH_INTERVAL, _publish_later)


def _publish_later() -> None:
    global _publishing
    _publishing = None
    _publish()


def _pool_figures() -> tuple[int, int, int]:
    """This process's pool figures, added over its live managers: used, idle, maximum."""
    managers = list(_MANAGERS)
    used = sum(manager._used for manager in managers)
    opened = sum(len(manager._open) for manager in managers)
    maximum = sum(limit for manager in managers if (limit := manager.connection_limit) is not None)
    return used, max(0, opened - used), maximum


def _publish() -> None:
    """This process's pool figures, written now for ``/metrics``."""
    used, idle, maximum = _pool_figures()
    record_pool(used=used, idle=idle, maximum=maximum)
