"""Deployment rules, in the style of Django's ``check --deploy``.

Each rule is a constant with a stable id and a small pure function ``(Settings) -> list[Problem]``
that never raises, so a test reads ``assert check_debug(settings) == [E001]``. Errors stop a
production start; warnings are reported and do not. :func:`run_checks` adds each problem's
origin from the settings' provenance.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable

from settings.errors import Problem
from settings.keys import settable_keys
from settings.schema import Settings

E001 = Problem(
    "debug", "debug is on; tracebacks would reach clients", id="security.E001",
    hint="set debug = false in the environment's table of settings.toml, or unset APP_DEBUG",
)
E002 = Problem(
    "secret_key", "is shorter than 32 characters", id="security.E002",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to 32+ random characters",
)
E003 = Problem(
    "secret_key", "has fewer than 5 distinct characters", id="security.E003",
    hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
)
E004 = Problem(
    "secret_key", "is a well-known insecure default or a <placeholder>", id="security.E004",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to a freshly generated value",
)
E005 = Problem(
    "secret_key", "is the development value from settings.toml", id="security.E005",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) in the deployment; never reuse the dev key",
)
E006 = Problem(
    "database.password", "is empty", id="security.E006",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE), or the password in DATABASE_URL",
)
E007 = Problem(
    "database.driver", "is SQLite; production requires PostgreSQL", id="security.E007",
    hint="set DATABASE_URL=postgresql://... or the DB_* variables",
)
E008 = Problem(
    "cors.origins", "allows any origin ('*') together with credentials", id="security.E008",
    hint="list the origins in CORS_ORIGINS, or set cors.allow_credentials = false",
)
E009 = Problem(
    "allowed_hosts", "contains '*': any Host header is accepted", id="security.E009",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E010 = Problem(
    "allowed_hosts", "is empty: every request would be refused", id="security.E010",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E011 = Problem(
    "database.password", "is a <placeholder> from .secrets.toml.example", id="security.E011",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE) to the real password",
)
W001 = Problem(
    "settings", "settings.local.toml is loaded; it is meant for one developer's machine",
    origin="settings.local.toml", id="security.W001", severity="warning",
    hint="remove settings.local.toml from the deployment",
)
W002 = Problem(
    "settings", "unknown APP_ variable", id="settings.W002", severity="warning",
    hint="fix its spelling (APP_<KEY>, nested with __) or unset it",
)
W004 = Problem(
    "settings", ".env is loaded; it is meant for local development", origin=".env",
    id="settings.W004", severity="warning",
    hint="set the deployment's variables in its environment, and leave .env out of it",
)

INSECURE_SECRET_KEYS = frozenset({
    "changeme", "change-me", "change_me", "secret", "secret-key", "secretkey", "secret_key",
    "password", "development", "dev", "insecure", "your-secret-key", "your_secret_key",
    "supersecret", "super-secret", "notsecret", "xxx", "test", "django-insecure",
})

Check = Callable[[Settings], list[Problem]]


def check_debug(settings: Settings) -> list[Problem]:
    return [E001] if settings.debug else []


def check_secret_key_length(settings: Settings) -> list[Problem]:
    return [E002] if len(settings.secret_key.get_secret_value()) < 32 else []


def check_secret_key_variety(settings: Settings) -> list[Problem]:
    return [E003] if len(set(settings.secret_key.get_secret_value())) < 5 else []


def check_secret_key_default(settings: Settings) -> list[Problem]:
    key = settings.secret_key.get_secret_value().strip().lower()
    insecure = key in INSECURE_SECRET_KEYS or key.startswith(("django-insecure", "insecure-"))
    return [E004] if insecure or is_placeholder(key) else []


def check_secret_key_development(settings: Settings) -> list[Problem]:
    sources = settings.sources
    development = sources.development_secrets if sources else frozenset()
    return [E005] if settings.secret_key.get_secret_value() in development else []


def check_database_password(settings: Settings) -> list[Problem]:
    database = settings.database
    return [E006] if not database.is_sqlite and not database.password.get_secret_value() else []


def check_database_password_placeholder(settings: Settings) -> list[Problem]:
    return [E011] if is_placeholder(settings.database.password.get_secret_value()) else []


def is_placeholder(value: str) -> bool:
    """``<32+ random characters>``: how .secrets.toml.example marks a value to fill in."""
    value = value.strip()
    return value.startswith("<") and value.endswith(">")


def check_database_engine(settings: Settings) -> list[Problem]:
    return [E007] if settings.database.is_sqlite else []


def check_cors(settings: Settings) -> list[Problem]:
    cors = settings.cors
    return [E008] if "*" in cors.origins and cors.allow_credentials else []


def check_allowed_hosts(settings: Settings) -> list[Problem]:
    if "*" in settings.allowed_hosts:
        return [E009]
    return [] if settings.allowed_hosts else [E010]


def check_local_file(settings: Settings) -> list[Problem]:
    sources = settings.sources
    return [W001] if sources and "settings.local.toml" in sources.files else []


def check_dotenv(settings: Settings) -> list[Problem]:
    sources = settings.sources
    return [W004] if sources and ".env" in sources.files else []


def check_unknown_variables(settings: Settings) -> list[Problem]:
    sources = settings.sources
    names = sources.unknown_variables if sources else ()
    return [
        dataclasses.replace(W002, origin=f"env {ascii(name)[1:-1]}",
                            hint=_spelling_hint(type(settings), name) or W002.hint)
        for name in names
    ]


def _spelling_hint(model: type[Settings], name: str) -> str | None:
    """``did you mean APP_DATABASE__HOST?`` for ``APP_DATABSE__HOST``, if a key is close."""
    dotted = name.removeprefix("APP_").lower().replace("__", ".")
    known = settable_keys(model)
    close = difflib.get_close_matches(dotted, known, n=1)
    return f"did you mean APP_{close[0].upper().replace('.', '__')}?" if close else None


#: Run on every load, in every environment.
ALWAYS: tuple[Check, ...] = (check_unknown_variables,)

#: Run for production, and by ``python -m settings check --deploy`` whatever the environment.
DEPLOYMENT: tuple[Check, ...] = (
    check_debug,
    check_secret_key_length,
    check_secret_key_variety,
    check_secret_key_default,
    check_secret_key_development,
    check_database_password,
    check_database_password_placeholder,
    check_database_engine,
    check_cors,
    check_allowed_hosts,
    check_local_file,
    check_dotenv,
)


def run_checks(settings: Settings, *, deploy: bool) -> list[Problem]:
    """Every problem the rules find, each with the origin of the value it is about."""
    checks = ALWAYS + DEPLOYMENT if deploy else ALWAYS
    problems = [problem for check in checks for problem in check(settings)]
    sources = settings.sources
    return [
        problem if problem.origin or sources is None
        else dataclasses.replace(problem, origin=sources.origin(problem.key) or "schema default")
        for problem in problems
    ]
