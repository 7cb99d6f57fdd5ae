"""The database battery: where the database is, and the rules about it.

``DatabaseConfig`` composes the SQLAlchemy URL (``database.url``) from its parts; a model
declares ``DATABASE_URL`` on its field (``Annotated[DatabaseConfig, EnvVar("DATABASE_URL")]``,
as :class:`settings.Settings` does). Its rules have ``security.`` and ``database.`` ids.

For an application's own connection manager (the reference app's ``app/db.py``), imported on
first use: :func:`driver_url` and :func:`connect_args` (asyncpg's arguments: TLS, PgBouncer's
statement names, the server options), :data:`APPLICATION_NAME`, :func:`read_secret_file` (a
rotated password, read again), and :func:`ask_server`, what a start asks the server over one
connection: PgBouncer or PostgreSQL, and the connection budget (:class:`Budget`, where
:func:`budget_applies`). :func:`server_problems` turns its answer into the problems ``python -m
settings check --connect`` reports (``database.W001``/``W002`` when ``database.pgbouncer`` says
otherwise, ``database.E001`` over budget), less the silenced ones, for the start to log.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from settings.contrib.database._config import DatabaseConfig, PoolConfig

if TYPE_CHECKING:
    from settings.contrib.database._budget import Budget, budget_applies
    from settings.contrib.database._checks import server_problems
    from settings.contrib.database._driver import (
        APPLICATION_NAME,
        connect_args,
        driver_url,
        read_secret_file,
    )
    from settings.contrib.database._server_kind import ServerAnswer, ask_server

__all__ = [
    "APPLICATION_NAME",
    "Budget",
    "DatabaseConfig",
    "PoolConfig",
    "ServerAnswer",
    "ask_server",
    "budget_applies",
    "connect_args",
    "driver_url",
    "read_secret_file",
    "server_problems",
]

#: Where each name a connection manager needs lives: imported on first use (PEP 562), so a
#: load imports neither ssl nor the budget's query.
_LAZY = {
    "APPLICATION_NAME": "_driver",
    "Budget": "_budget",
    "budget_applies": "_budget",
    "connect_args": "_driver",
    "driver_url": "_driver",
    "read_secret_file": "_driver",
    "ServerAnswer": "_server_kind",
    "ask_server": "_server_kind",
    "server_problems": "_checks",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
