"""Whether the app talks to PgBouncer or to PostgreSQL itself, and whether
``database.pgbouncer`` says the same.

PgBouncer answers the login itself: the process id of its ``BackendKeyData`` message is a random
number of its own (the key clients cancel with), while ``pg_backend_pid()`` runs on the server
connection it lends. PostgreSQL sends its own process id, so the two are equal. The server's
version and parameters cannot tell them apart: PgBouncer passes on the server's. The probe runs
its statements unnamed, with no statement cache, which is safe behind PgBouncer in any mode, and
asks the connection budget's question (:mod:`._budget`) on the same connection.

``python -m settings check --connect`` reports a disagreement as ``database.W001`` (PgBouncer,
setting off) or ``database.W002`` (PostgreSQL, setting on); the reference app logs the same at
start.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from settings._errors import Problem
from settings.contrib.database._checks import W001, W002

if TYPE_CHECKING:
    from settings.contrib._settings import Settings
    from settings.contrib.database._budget import Budget
    from settings.contrib.database._config import DatabaseConfig

ServerKind = Literal["pgbouncer", "postgresql"]
T = TypeVar("T")


async def within(seconds: float, awaitable: Awaitable[T]) -> T:
    """``awaitable`` within ``seconds``, else ``TimeoutError("timed out after N s")`` at once:
    never a ``CancelledError``, nor the driver's cleanup of a frozen server's connection."""
    import asyncio

    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        task.cancel()
        raise TimeoutError(f"timed out after {seconds:g} s")
    return task.result()


async def probe(
    config: DatabaseConfig, query: str | None = None
) -> tuple[ServerKind, tuple[Any, ...] | None]:
    """Ask the server over one connection of its own, within ``connect_timeout``: what it is,
    and the row ``query`` returns (``None`` without one)."""
    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlalchemy.pool import NullPool

    from settings.contrib.database._driver import connect_args, driver_url

    arguments = connect_args(config)
    arguments.update(statement_cache_size=0, prepared_statement_cache_size=0)
    arguments["prepared_statement_name_func"] = lambda: ""  # unnamed: nothing left behind
    engine = create_async_engine(driver_url(config), poolclass=NullPool, connect_args=arguments)

    async def ask() -> tuple[ServerKind, tuple[Any, ...] | None]:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            announced = raw.driver_connection.get_server_pid()  # type: ignore[union-attr]
            result = await connection.exec_driver_sql("SELECT pg_backend_pid()")
            running = result.scalar_one()
            row = None
            if query is not None:
                row = tuple((await connection.exec_driver_sql(query)).one())
        return "postgresql" if announced == running else "pgbouncer", row

    try:
        return await within(config.connect_timeout, ask())
    finally:
        await engine.dispose()


class ServerAnswer:
    """What an app's start learns from the server, over one connection: ``disagreement``, the
    warning when ``database.pgbouncer`` says otherwise (``database.W001``/``W002``), and
    ``budget``, the connection budget (``None`` where none applies: SQLite, PgBouncer)."""

    __slots__ = ("budget", "disagreement", "kind")
    __match_args__ = ("kind", "disagreement", "budget")

    def __init__(
        self, kind: ServerKind, disagreement: Problem | None, budget: Budget | None
    ) -> None:
        self.kind: Final = kind
        self.disagreement: Final = disagreement
        self.budget: Final = budget

    def __repr__(self) -> str:
        return (
            f"ServerAnswer(kind={self.kind!r}, disagreement={self.disagreement!r}, "
            f"budget={self.budget!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerAnswer):
            return NotImplemented
        return (self.kind, self.disagreement, self.budget) == (
            other.kind,
            other.disagreement,
            other.budget,
        )

    def __hash__(self) -> int:
        return hash((self.kind, self.disagreement, self.budget))


async def ask_server(settings: Settings) -> ServerAnswer:
    """Ask the server of ``settings.database`` what it is and, where the budget applies, what it
    allows, over one connection of its own within ``connect_timeout``. Raises ``TimeoutError``
    or the driver's error when the server cannot be asked."""
    from settings.contrib.database._budget import ALLOWANCE_QUERY, budget_applies, measured

    config = settings.database
    kind, row = await probe(config, ALLOWANCE_QUERY if budget_applies(settings) else None)
    found = None if row is None else measured(settings, row)
    return ServerAnswer(kind, disagreement(config, kind), found)


def disagreement(config: DatabaseConfig, kind: ServerKind) -> Problem | None:
    """The warning when ``database.pgbouncer`` and the server disagree, else ``None``."""
    if kind == "pgbouncer" and not config.pgbouncer:
        return W001
    if kind == "postgresql" and config.pgbouncer:
        return W002
    return None
