"""The database battery's rules: the password, the engine, certificate files, and (asking the
server, with ``python -m settings check --connect``) whether it answers, whether it is PgBouncer,
and the connection budget.

Each rule runs on every :class:`DatabaseConfig` of the model, at any depth, and names its key
(``replica.password``); a model without one has none of them. The constants are written for the
field named ``database``, the one the deployment variables (``DB_PASSWORD``...) set.

Ids: ``security.`` for what makes a deployment unsafe, ``database.`` for what would fail or
overload the server.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final, cast

from settings._errors import Problem
from settings.checks import Error, Warning, register
from settings.checks._builtin import is_placeholder
from settings.checks._run import reported
from settings.contrib.database._config import DatabaseConfig
from settings.schema import BaseSettings, Section
from settings.schema._config import reading_of
from settings.schema._keys import declared_variables

if TYPE_CHECKING:
    from settings._provenance import Sources
    from settings.contrib._settings import Settings
    from settings.contrib.database._server_kind import ServerAnswer

#: The field the constants below are written for (their keys and hints).
DATABASE = DatabaseConfig.variables_field or "database"

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


def databases(settings: BaseSettings) -> Iterator[tuple[str, DatabaseConfig]]:
    """Each :class:`DatabaseConfig` of ``settings`` with its dotted key, in the model's order."""
    yield from _within(settings, "")


def _within(section: Section, prefix: str) -> Iterator[tuple[str, DatabaseConfig]]:
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, DatabaseConfig):
            yield prefix + name, value
        elif isinstance(value, Section):
            yield from _within(value, f"{prefix}{name}.")


def _at(problem: Problem, key: str, hint: str | None = None) -> Problem:
    """``problem`` (written for ``database``) about the database at ``key``, with ``hint``
    there (else the same hint, naming ``key``'s keys: ``replica.pgbouncer``)."""
    if key == DATABASE:
        return problem
    moved = f"{key}{problem.key.removeprefix(DATABASE)}"
    if hint is None and problem.hint is not None:
        hint = problem.hint.replace(f"{DATABASE}.", f"{key}.")
    return dataclasses.replace(problem, key=moved, hint=hint)


def _section_variables(settings: BaseSettings, key: str) -> list[str]:
    """The variables the model declares on the section at ``key`` (``REPLICA_URL``)."""
    return [name for name, target in declared_variables(type(settings)).items() if target == key]


def _variable(settings: BaseSettings, key: str) -> str:
    """The variable that sets ``key``: one the model declares (``DB_DATABASE``), else
    ``APP_<KEY>`` (``APP_REPLICA__DATABASE``)."""
    declared = [
        name for name, target in declared_variables(type(settings)).items() if target == key
    ]
    return declared[0] if declared else reading_of(type(settings)).variable(key)


def _set_password(settings: BaseSettings, key: str) -> str:
    """``set APP_REPLICA__PASSWORD (or APP_REPLICA__PASSWORD_FILE), or the password in
    REPLICA_URL``."""
    variable = _variable(settings, f"{key}.password")
    urls = "".join(f", or the password in {url}" for url in _section_variables(settings, key))
    return f"set {variable} (or {variable}_FILE){urls}"


@register(id=E006.id, deploy=True)
def check_database_password(settings: BaseSettings) -> list[Problem]:
    return [
        _at(
            E006,
            key,
            f"{_set_password(settings, key)}; with peer or certificate authentication, add "
            "security.E006 to silenced_checks",
        )
        for key, database in databases(settings)
        if not database.is_sqlite and not database.password.get_secret_value()
    ]


@register(id=E011.id, deploy=True)
def check_database_password_placeholder(settings: BaseSettings) -> list[Problem]:
    return [
        _at(E011, key, f"{_set_password(settings, key)} to the real password")
        for key, database in databases(settings)
        if is_placeholder(database.password.get_secret_value())
    ]


@register(id=E007.id, deploy=True)
def check_database_engine(settings: BaseSettings) -> list[Problem]:
    def hint(key: str) -> str:
        urls = [f"{url}=postgresql://..." for url in _section_variables(settings, key)]
        driver = f"{_variable(settings, f'{key}.driver')}=postgresql+asyncpg"
        return f"set {' or '.join([*urls, driver])}"

    return [
        _at(E007, key, hint(key)) for key, database in databases(settings) if database.is_sqlite
    ]


@register(id=DATABASE_E003.id)
def check_certificate_files(settings: BaseSettings) -> list[Problem]:
    """The files of ``sslrootcert``/``sslcert``/``sslkey`` load now, not at the first
    connection (where the start would end in a traceback)."""
    problems = []
    for key, database in databases(settings):
        if database.is_sqlite or "ssl" not in database.options:
            continue
        from settings.contrib.database._driver import (
            ssl_argument,
        )  # ssl is imported only where TLS is configured

        try:
            ssl_argument(database.options)
        except ValueError as exc:
            message = str(exc).removeprefix("database.options: ")
            problems.append(_at(dataclasses.replace(DATABASE_E003, message=message), key))
    return problems


DATABASE_E004 = Error(
    "database.database",
    "names no database for the driver a later layer chose",
    id="database.E004",
    hint="name the database in the same layer that sets the driver",
)


@register(id=DATABASE_E004.id)
def check_inherited_database(settings: BaseSettings) -> list[Problem]:
    """A database name is its driver's: when a layer (``DATABASE_URL`` without a database)
    switches the driver, the name a lower layer gave for the other driver (SQLite's
    ``development.sqlite3``) is not inherited. The problem says what to add."""
    history = settings.sources.history if settings.sources else {}
    problems = []
    for key, database in databases(settings):
        drivers, names = history.get(f"{key}.driver", ()), history.get(f"{key}.database", ())
        if not drivers or not names or drivers[-1].origin == names[-1].origin:
            continue
        driver, named_by = database.driver, names[-1].origin
        beside = [a for a in drivers if a.origin == named_by and not a.removed]
        if not beside or beside[-1].value == driver:
            continue
        switched_by = drivers[-1].origin
        name_variable = _variable(settings, f"{key}.database")
        fix = (
            f"add /NAME to the URL or set {name_variable}"
            if any(url in switched_by for url in _section_variables(settings, key))
            else f"set {name_variable}"
            if switched_by.startswith(("env ", "file ", ".env "))
            else "set database in the same table"
        )
        message = (
            f"{switched_by.removeprefix('env ')} sets the driver {driver} but names no "
            f"database; {names[-1].value!r} ({named_by}) is a {beside[-1].value} database: {fix}"
        )
        problem = dataclasses.replace(DATABASE_E004, message=message, origin=switched_by, hint=None)
        problems.append(_at(problem, key))
    return problems


DATABASE_E001 = Error(
    "database.pool",
    "can open more connections than the server allows",
    id="database.E001",
    hint="lower pool.size or pool.max_overflow, run fewer workers or replicas, put "
    "PgBouncer in front (database.pgbouncer = true), or raise the server's limits",
)
DATABASE_E002 = Error(
    "database",
    "cannot connect (the server, its address, or the credentials)",
    id="database.E002",
    hint="check database.host, database.port, database.database, the username and password, "
    "and that the server answers within database.connect_timeout",
)


W001 = Warning(
    "database.pgbouncer",
    "is false, but the server is PgBouncer",
    id="database.W001",
    hint="set database.pgbouncer = true (statement caches off, unique statement names); in "
    "session pooling mode it is not needed: add database.W001 to silenced_checks",
)
W002 = Warning(
    "database.pgbouncer",
    "is true, but the server is PostgreSQL, not PgBouncer",
    id="database.W002",
    hint="set database.pgbouncer = false, so that the connection budget is checked and "
    "statements are cached, or point DATABASE_URL at PgBouncer",
)


@register(id=[DATABASE_E001.id, DATABASE_E002.id, W001.id, W002.id], connect=True)
def check_server(settings: BaseSettings) -> list[Problem]:
    """Each database's server, asked over one connection of its own (so only with ``python -m
    settings check --connect``): whether it answers (``database.E002``), whether it is PgBouncer
    or PostgreSQL against ``database.pgbouncer`` (``database.W001``/``W002``), and the app's
    ceiling, replicas x workers x (pool.size + pool.max_overflow), against what it allows this
    role on this database (``database.E001``, :mod:`._budget`)."""
    import asyncio

    from settings.contrib.database._server_kind import ask_server
    from settings.contrib.server import ServerConfig

    problems = []
    server = getattr(settings, "server", None)
    processes = server if isinstance(server, ServerConfig) else ServerConfig()
    for key, database in databases(settings):
        if database.is_sqlite:
            continue
        # The budget reads ``database`` and ``server``: this database, the model's processes.
        view = cast("Settings", _BudgetView(database, processes, settings.sources))
        try:
            answer = asyncio.run(ask_server(view))
        except Exception as exc:
            # The class name of the innermost cause: never its text, which may quote a secret.
            while exc.__cause__ is not None and isinstance(exc.__cause__, Exception):
                exc = exc.__cause__
            waited = database.connect_timeout
            timed_out = isinstance(exc, TimeoutError)
            reason = f"timed out after {waited:g} s" if timed_out else type(exc).__name__
            message = f"{DATABASE_E002.message} ({reason})"
            origin = _origins(settings, key, ("host", "port", "database", "username"))
            unreachable = dataclasses.replace(DATABASE_E002, message=message, origin=origin)
            problems.append(_at(unreachable, key))
            continue
        problems += _answer_problems(settings, answer, key)
    return problems


def server_problems(
    settings: BaseSettings, answer: ServerAnswer, key: str = DATABASE
) -> list[Problem]:
    """What ``answer`` (:func:`ask_server`'s, for the database at ``key``) says is wrong, as
    ``python -m settings check --connect`` reports it: ``database.W001``/``W002`` when
    ``pgbouncer`` and the server disagree, ``database.E001`` with the numbers when the budget is
    exceeded, each saying where its values came from, through the checks' own route
    (:func:`settings.checks._run.reported`: masked, and the ids ``silenced_checks`` names left
    out): an application's start logs these."""
    return reported(_answer_problems(settings, answer, key), settings).problems


def _answer_problems(settings: BaseSettings, answer: ServerAnswer, key: str) -> list[Problem]:
    problems = []
    if answer.disagreement is not None:
        origin = _origins(settings, key, ("pgbouncer",))
        problems.append(_at(dataclasses.replace(answer.disagreement, origin=origin), key))
    budget = answer.budget
    if budget is not None and budget.exceeded:
        message = f"{DATABASE_E001.message}: {budget.describe()}"
        origin = _origins(settings, key, ("pool.size", "pool.max_overflow"))
        exceeded = dataclasses.replace(DATABASE_E001, message=message, origin=origin)
        problems.append(_at(exceeded, key))
    return problems


def _origins(settings: BaseSettings, key: str, names: tuple[str, ...]) -> str | None:
    """Where the values a server problem is about came from (``names`` inside the database
    at ``key``), each place once: a report's "from" then points at what to change, not at
    whichever key of the section was set last."""
    sources = settings.sources
    if sources is None:
        return None
    found = [sources.origin(f"{key}.{name}") or "schema default" for name in names]
    return ", ".join(dict.fromkeys(found))


class _BudgetView:
    """What the budget reads of the settings, for one database."""

    __slots__ = ("database", "server", "sources")

    def __init__(self, database: DatabaseConfig, server: object, sources: Sources | None) -> None:
        self.database: Final = database
        self.server: Final = server
        #: Where ``server.workers`` came from, for the worker count
        #: (:mod:`settings.contrib._workers`).
        self.sources: Final = sources
