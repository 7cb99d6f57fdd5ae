"""The database battery's rules: the password, the engine, certificate files, and (asking the
server, with ``python -m settings check --connect``) the connection budget.

Ids: ``security.`` for what makes a deployment unsafe, ``database.`` for what would fail or
overload the server.
"""

from __future__ import annotations

import dataclasses

from settings._errors import Problem
from settings.checks import Error, register
from settings.checks._builtin import is_placeholder
from settings.contrib._settings import Settings

E006 = Error(
    "database.password",
    "is empty",
    id="security.E006",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE), or the password in DATABASE_URL; with peer "
    "or certificate authentication, add security.E006 to silenced_checks",
)


E007 = Error(
    "database.driver",
    "is SQLite; production requires PostgreSQL",
    id="security.E007",
    hint="set DATABASE_URL=postgresql://... or the DB_* variables",
)


E011 = Error(
    "database.password",
    "is a <placeholder> from .secrets.toml.example",
    id="security.E011",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE) to the real password",
)


DATABASE_E003 = Error(
    "database.options",
    "names certificate files the driver cannot use",
    id="database.E003",
    hint="point sslrootcert, sslcert and sslkey at readable PEM files (sslkey unencrypted)",
)


@register(id=E006.id, deploy=True)
def check_database_password(settings: Settings) -> list[Problem]:
    database = settings.database
    return [E006] if not database.is_sqlite and not database.password.get_secret_value() else []


@register(id=E011.id, deploy=True)
def check_database_password_placeholder(settings: Settings) -> list[Problem]:
    return [E011] if is_placeholder(settings.database.password.get_secret_value()) else []


@register(id=E007.id, deploy=True)
def check_database_engine(settings: Settings) -> list[Problem]:
    return [E007] if settings.database.is_sqlite else []


@register(id=DATABASE_E003.id)
def check_certificate_files(settings: Settings) -> list[Problem]:
    """The files of ``sslrootcert``/``sslcert``/``sslkey`` load now, not at the first
    connection (where the start would end in a traceback)."""
    database = settings.database
    if database.is_sqlite or "ssl" not in database.options:
        return []
    from settings.contrib.database._driver import (
        ssl_argument,
    )  # ssl is imported only where TLS is configured

    try:
        ssl_argument(database.options)
    except ValueError as exc:
        message = str(exc).removeprefix("database.options: ")
        return [dataclasses.replace(DATABASE_E003, message=message)]
    return []


DATABASE_E004 = Error(
    "database.database",
    "names no database for the driver a later layer chose",
    id="database.E004",
    hint="name the database in the same layer that sets the driver",
)


@register(id=DATABASE_E004.id)
def check_inherited_database(settings: Settings) -> list[Problem]:
    """A database name is its driver's: when a layer (``DATABASE_URL`` without a database)
    switches the driver, the name a lower layer gave for the other driver (SQLite's
    ``development.sqlite3``) is not inherited. The problem says what to add."""
    history = settings.sources.history if settings.sources else {}
    drivers, names = history.get("database.driver", ()), history.get("database.database", ())
    if not drivers or not names or drivers[-1].origin == names[-1].origin:
        return []
    driver, named_by = settings.database.driver, names[-1].origin
    beside = [a for a in drivers if a.origin == named_by and not a.removed]
    if not beside or beside[-1].value == driver:
        return []
    switched_by = drivers[-1].origin
    fix = (
        "add /NAME to the URL or set DB_DATABASE"
        if "DATABASE_URL" in switched_by
        else "set database in the same table"
        if not switched_by.startswith(("env ", "file "))
        else "set DB_DATABASE"
    )
    message = (
        f"{switched_by.removeprefix('env ')} sets the driver {driver} but names no "
        f"database; {names[-1].value!r} ({named_by}) is a {beside[-1].value} database: {fix}"
    )
    origin = drivers[-1].origin
    return [dataclasses.replace(DATABASE_E004, message=message, origin=origin, hint=None)]


DATABASE_E001 = Error(
    "database.pool",
    "can open more connections than the server allows",
    id="database.E001",
    hint="lower pool.size or pool.max_overflow, run fewer workers or replicas, put "
    "PgBouncer in front (database.pgbouncer = true), or raise the server's limits",
)
DATABASE_E002 = Error(
    "database",
    "cannot ask the server about the connection budget",
    id="database.E002",
    hint="check that the server runs and answers within database.connect_timeout",
)


@register(id=[DATABASE_E001.id, DATABASE_E002.id], connect=True)
def check_connection_budget(settings: Settings) -> list[Problem]:
    """The app's ceiling, replicas x workers x (pool.size + pool.max_overflow), against what
    the server allows this role on this database (:mod:`._budget`); asks the server, so it
    runs only with ``python -m settings check --connect``."""
    import asyncio

    from settings.contrib.database._budget import budget_applies, measure_budget

    if not budget_applies(settings):
        return []
    try:
        found = asyncio.run(measure_budget(settings))
    except Exception as exc:
        # The class name of the innermost cause: never its text, which may quote a secret.
        while exc.__cause__ is not None and isinstance(exc.__cause__, Exception):
            exc = exc.__cause__
        waited = settings.database.connect_timeout
        timed_out = isinstance(exc, TimeoutError)
        reason = f"timed out after {waited:g} s" if timed_out else type(exc).__name__
        message = f"{DATABASE_E002.message} ({reason})"
        return [dataclasses.replace(DATABASE_E002, message=message)]
    if not found.exceeded:
        return []
    message = f"{DATABASE_E001.message}: {found.describe()}"
    return [dataclasses.replace(DATABASE_E001, message=message)]
