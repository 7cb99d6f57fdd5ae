"""The connection budget: how many connections the app may open, against what the server allows.

The ceiling is ``server.replicas x server.workers x (pool.size + pool.max_overflow)``, the
workers being those really serving where that can be known (``uvicorn --workers 3``, see
:mod:`settings.contrib._workers`), else ``server.workers`` when set; when nothing says, one is
assumed and the budget says so (a warning, and ``warn`` in readiness). What the
server allows this role on this database is the smallest of ``max_connections`` less the
reserved connections, the role's ``rolconnlimit`` and the database's ``datconnlimit`` (-1: no
limit); a superuser is held to ``max_connections`` only, as PostgreSQL does. Behind PgBouncer
(``database.pgbouncer``) the pool talks to PgBouncer, not the server, so there is nothing to
compare, and SQLite has no server.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Final

from settings.contrib._workers import Workers, worker_count

if TYPE_CHECKING:
    from settings.contrib._settings import Settings

ALLOWANCE_QUERY = """
SELECT current_setting('max_connections')::int,
       current_setting('superuser_reserved_connections')::int
         + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0),
       r.rolconnlimit, d.datconnlimit, r.rolsuper, current_user, current_database()
FROM pg_roles r, pg_database d
WHERE r.rolname = current_user AND d.datname = current_database()
"""


class Allowance:
    """What the server says about connections, for the role and database the app uses."""

    __slots__ = (
        "database",
        "database_limit",
        "max_connections",
        "reserved",
        "role",
        "role_limit",
        "superuser",
    )
    __match_args__ = (
        "max_connections",
        "reserved",
        "role_limit",
        "database_limit",
        "superuser",
        "role",
        "database",
    )

    def __init__(
        self,
        max_connections: int,
        reserved: int,
        role_limit: int,
        database_limit: int,
        superuser: bool,
        role: str,
        database: str,
    ) -> None:
        self.max_connections: Final = max_connections
        self.reserved: Final = reserved
        self.role_limit: Final = role_limit
        self.database_limit: Final = database_limit
        self.superuser: Final = superuser
        self.role: Final = role
        self.database: Final = database

    def _fields(self) -> tuple[int, int, int, int, bool, str, str]:
        return (
            self.max_connections,
            self.reserved,
            self.role_limit,
            self.database_limit,
            self.superuser,
            self.role,
            self.database,
        )

    def __repr__(self) -> str:
        return (
            f"Allowance(max_connections={self.max_connections!r}, reserved={self.reserved!r}, "
            f"role_limit={self.role_limit!r}, database_limit={self.database_limit!r}, "
            f"superuser={self.superuser!r}, role={self.role!r}, database={self.database!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Allowance):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    @property
    def allowed(self) -> int:
        if self.superuser:
            return self.max_connections
        limits = [self.max_connections - self.reserved]
        limits += [limit for limit in (self.role_limit, self.database_limit) if limit >= 0]
        return min(limits)

    def explain(self) -> str:
        parts = [f"max_connections {self.max_connections}"]
        if not self.superuser:
            parts[0] += f" less {self.reserved} reserved"
            if self.role_limit >= 0:
                parts.append(f"rolconnlimit {self.role_limit}")
            if self.database_limit >= 0:
                parts.append(f"datconnlimit {self.database_limit}")
        return ", ".join(parts)


class Budget:
    """The app's ceiling next to the server's allowance."""

    __slots__ = (
        "allowance",
        "max_overflow",
        "pool_size",
        "replicas",
        "workers",
        "workers_known",
        "workers_source",
    )
    __match_args__ = (
        "replicas",
        "workers",
        "pool_size",
        "max_overflow",
        "allowance",
        "workers_source",
        "workers_known",
    )

    def __init__(
        self,
        replicas: int,
        workers: int,
        pool_size: int,
        max_overflow: int,
        allowance: Allowance,
        workers_source: str = "server.workers",
        workers_known: bool = True,
    ) -> None:
        self.replicas: Final = replicas
        self.workers: Final = workers
        self.pool_size: Final = pool_size
        self.max_overflow: Final = max_overflow
        self.allowance: Final = allowance
        #: What counted the workers, and whether they could be counted at all.
        self.workers_source: Final = workers_source
        self.workers_known: Final = workers_known

    def _fields(self) -> tuple[int, int, int, int, Allowance, str, bool]:
        return (
            self.replicas,
            self.workers,
            self.pool_size,
            self.max_overflow,
            self.allowance,
            self.workers_source,
            self.workers_known,
        )

    def __repr__(self) -> str:
        return (
            f"Budget(replicas={self.replicas!r}, workers={self.workers!r}, "
            f"pool_size={self.pool_size!r}, max_overflow={self.max_overflow!r}, "
            f"allowance={self.allowance!r}, workers_source={self.workers_source!r}, "
            f"workers_known={self.workers_known!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Budget):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    @property
    def ceiling(self) -> int:
        return self.replicas * self.workers * (self.pool_size + self.max_overflow)

    @property
    def exceeded(self) -> bool:
        return self.ceiling > self.allowance.allowed

    def describe(self) -> str:
        """``server.replicas 1 x server.workers 3 x (pool.size 5 + pool.max_overflow 5) = 30
        connections; the server allows 17 to role app on database app (...)``."""
        allowance = self.allowance
        return (
            f"server.replicas {self.replicas} x server.workers {self.workers} x "
            f"(pool.size {self.pool_size} + pool.max_overflow {self.max_overflow}) = "
            f"{self.ceiling} connections; the server allows {allowance.allowed} to role "
            f"{allowance.role} on database {allowance.database} ({allowance.explain()})"
            f"; {self.workers_note()}"
        )

    def workers_note(self) -> str:
        if self.workers_known:
            return f"workers counted from {self.workers_source}"
        return (
            f"how many workers serve is not known ({self.workers_source}), "
            f"{self.workers} assumed: set server.workers (WEB_CONCURRENCY)"
        )

    @property
    def status(self) -> str:
        """``warn`` when the ceiling is above the allowance or the workers are not known."""
        return "warn" if self.exceeded or not self.workers_known else "pass"

    @property
    def output(self) -> str | None:
        """What readiness says beside a ``warn``."""
        if self.exceeded:
            return "the app may open more connections than the server allows"
        if not self.workers_known:
            return f"the ceiling assumes {self.workers} worker: {self.workers_note()}"
        return None


def budget_applies(settings: Settings) -> bool:
    """Whether there is a server to compare with: PostgreSQL, not through PgBouncer."""
    return not settings.database.is_sqlite and not settings.database.pgbouncer


def budget(settings: Settings, allowance: Allowance, workers: Workers | None = None) -> Budget:
    """The budget of ``settings`` against ``allowance``, for ``workers`` (by default, those
    serving this process's app, :func:`settings.contrib._workers.worker_count`)."""
    pool = settings.database.pool
    workers = worker_count(settings) if workers is None else workers
    return Budget(
        settings.server.replicas,
        settings.server.workers if workers.count is None else workers.count,
        pool.size,
        pool.max_overflow,
        allowance,
        workers_source=workers.source,
        workers_known=workers.count is not None,
    )


def measured(settings: Settings, row: tuple[Any, ...]) -> Budget:
    """The budget of ``settings`` against the server's answer to :data:`ALLOWANCE_QUERY`; when
    the workers are not known, a warning says so (when the budget is exceeded, its owner warns
    already)."""
    found = budget(settings, Allowance(*row))
    if not found.workers_known and not found.exceeded:
        logging.getLogger("settings.budget").warning("Connection budget: %s", found.workers_note())
    return found
