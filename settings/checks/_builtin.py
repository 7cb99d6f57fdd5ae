"""The built-in checks: the deployment rules of SPEC 4 and the warnings about how the settings
were put together, registered like an application's own (:mod:`settings.checks._registry`).

Each problem is a constant with a stable id; each check is a small pure function returning a
list of them, so a test reads ``assert check_debug(settings) == [E001]``. Ids: ``security.`` for
what makes a deployment unsafe, ``settings.`` for files, variables and this configuration.
docs/checks.md lists them all (``settings.checks.rules_table()``).
"""

from __future__ import annotations

import dataclasses

from settings._errors import Problem
from settings.checks._registry import Error, Warning, register, registered
from settings.schema import Settings
from settings.schema._keys import settable_keys

E001 = Error(
    "debug",
    "debug is on; tracebacks would reach clients",
    id="security.E001",
    hint="set debug = false in the environment's table of settings.toml, or unset APP_DEBUG",
)
E002 = Error(
    "secret_key",
    "is shorter than 32 characters",
    id="security.E002",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to 32+ random characters",
)
E003 = Error(
    "secret_key",
    "has fewer than 5 distinct characters",
    id="security.E003",
    hint="generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
)
E004 = Error(
    "secret_key",
    "is a well-known insecure default or a <placeholder>",
    id="security.E004",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) to a freshly generated value",
)
E005 = Error(
    "secret_key",
    "is the development value from settings.toml",
    id="security.E005",
    hint="set SECRET_KEY (or SECRET_KEY_FILE) in the deployment; never reuse the dev key",
)
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
E008 = Error(
    "cors.origins",
    "allows any origin ('*') together with credentials",
    id="security.E008",
    hint="list the origins in CORS_ORIGINS, or set cors.allow_credentials = false",
)
E009 = Error(
    "allowed_hosts",
    "contains '*': any Host header is accepted",
    id="security.E009",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E010 = Error(
    "allowed_hosts",
    "is empty: every request would be refused",
    id="security.E010",
    hint="list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
)
E011 = Error(
    "database.password",
    "is a <placeholder> from .secrets.toml.example",
    id="security.E011",
    hint="set DB_PASSWORD (or DB_PASSWORD_FILE) to the real password",
)
W001 = Warning(
    "settings",
    "settings.local.toml is loaded; it is meant for one developer's machine",
    origin="settings.local.toml",
    id="settings.W001",
    hint="remove settings.local.toml from the deployment",
)
W002 = Warning(
    "settings",
    "unknown APP_ variable",
    id="settings.W002",
    hint="fix its spelling (APP_<KEY>, nested with __) or unset it",
)
W003 = Warning(
    "silenced_checks",
    "names an id that no check reports",
    id="settings.W003",
    hint="fix the id's spelling (security.E006), or remove it",
)
W004 = Warning(
    "settings",
    ".env is loaded; it is meant for local development",
    origin=".env",
    id="settings.W004",
    hint="set the deployment's variables in its environment, and leave .env out of it",
)

INSECURE_SECRET_KEYS = frozenset(
    {
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secretkey",
        "secret_key",
        "password",
        "development",
        "dev",
        "insecure",
        "your-secret-key",
        "your_secret_key",
        "supersecret",
        "super-secret",
        "notsecret",
        "xxx",
        "test",
        "django-insecure",
    }
)


@register(deploy=True)
def check_debug(settings: Settings) -> list[Problem]:
    return [E001] if settings.debug else []


@register(deploy=True)
def check_secret_key_length(settings: Settings) -> list[Problem]:
    return [E002] if len(settings.secret_key.get_secret_value()) < 32 else []


@register(deploy=True)
def check_secret_key_variety(settings: Settings) -> list[Problem]:
    return [E003] if len(set(settings.secret_key.get_secret_value())) < 5 else []


@register(deploy=True)
def check_secret_key_default(settings: Settings) -> list[Problem]:
    key = settings.secret_key.get_secret_value().strip().lower()
    insecure = key in INSECURE_SECRET_KEYS or key.startswith(("django-insecure", "insecure-"))
    return [E004] if insecure or is_placeholder(key) else []


@register(deploy=True)
def check_secret_key_development(settings: Settings) -> list[Problem]:
    sources = settings.sources
    development = sources.development_secrets if sources else frozenset()
    # Normalised as E004 does: a trailing blank or another case is the same key to a person.
    known = {value.strip().casefold() for value in development}
    return [E005] if settings.secret_key.get_secret_value().strip().casefold() in known else []


@register(deploy=True)
def check_database_password(settings: Settings) -> list[Problem]:
    database = settings.database
    return [E006] if not database.is_sqlite and not database.password.get_secret_value() else []


@register(deploy=True)
def check_database_password_placeholder(settings: Settings) -> list[Problem]:
    return [E011] if is_placeholder(settings.database.password.get_secret_value()) else []


def is_placeholder(value: str) -> bool:
    """``<32+ random characters>``: how .secrets.toml.example marks a value to fill in."""
    value = value.strip()
    return value.startswith("<") and value.endswith(">")


@register(deploy=True)
def check_database_engine(settings: Settings) -> list[Problem]:
    return [E007] if settings.database.is_sqlite else []


@register(deploy=True)
def check_cors(settings: Settings) -> list[Problem]:
    cors = settings.cors
    return [E008] if "*" in cors.origins and cors.allow_credentials else []


@register(deploy=True)
def check_allowed_hosts(settings: Settings) -> list[Problem]:
    if "*" in settings.allowed_hosts:
        return [E009]
    return [] if settings.allowed_hosts else [E010]


@register(deploy=True)
def check_local_file(settings: Settings) -> list[Problem]:
    sources = settings.sources
    return [W001] if sources and "settings.local.toml" in sources.files else []


@register(deploy=True)
def check_dotenv(settings: Settings) -> list[Problem]:
    sources = settings.sources
    return [W004] if sources and ".env" in sources.files else []


DATABASE_E003 = Error(
    "database.options",
    "names certificate files the driver cannot use",
    id="database.E003",
    hint="point sslrootcert, sslcert and sslkey at readable PEM files (sslkey unencrypted)",
)


@register
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


@register
def check_unknown_variables(settings: Settings) -> list[Problem]:
    sources = settings.sources
    origins = sources.unknown_variables if sources else ()  # "env APP_X" or ".env APP_X"
    return [
        dataclasses.replace(
            W002,
            origin=ascii(origin)[1:-1],
            hint=_spelling_hint(type(settings), origin.partition(" ")[2]) or W002.hint,
        )
        for origin in origins
    ]


def _spelling_hint(model: type[Settings], name: str) -> str | None:
    """``did you mean APP_DATABASE__HOST?`` for ``APP_DATABSE__HOST``, if a key is close."""
    dotted = name.removeprefix("APP_").lower().replace("__", ".")
    known = settable_keys(model)
    import difflib  # only for a misspelling: a clean load never needs it

    close = difflib.get_close_matches(dotted, known, n=1)
    return f"did you mean APP_{close[0].upper().replace('.', '__')}?" if close else None


@register
def check_silenced_ids(settings: Settings) -> list[Problem]:
    if not settings.silenced_checks:
        return []
    known = {name for check in registered() for name in check.ids()}
    unknown = [name for name in dict.fromkeys(settings.silenced_checks) if name not in known]
    return [
        dataclasses.replace(W003, message=f"{name!r} {W003.message}", hint=_id_hint(name, known))
        for name in unknown
    ]


def _id_hint(name: str, known: set[str]) -> str | None:
    """The closest known id; one with the same number first (``security.W001`` was renamed
    ``settings.W001``)."""
    import difflib  # only for a misspelling: a clean load never needs it

    number = name.rpartition(".")[2]
    same = sorted(other for other in known if other.rpartition(".")[2] == number)
    close = difflib.get_close_matches(name, same, n=1, cutoff=0) if same else []
    close = close or difflib.get_close_matches(name, sorted(known), n=1)
    return f"did you mean {close[0]}?" if close else W003.hint
