"""The web battery's deployment rules: debug, the secret key, CORS and allowed hosts.

Each problem is a constant with a stable id (``security.``: what makes a deployment unsafe);
each check is a small pure function returning a list of them, so a test reads
``assert check_debug(settings) == [E001]``.
"""

from __future__ import annotations

from settings._errors import Problem
from settings.checks import Error, register
from settings.checks._builtin import is_placeholder
from settings.contrib._settings import Settings

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


@register(id=E001.id, deploy=True)
def check_debug(settings: Settings) -> list[Problem]:
    return [E001] if settings.debug else []


@register(id=E002.id, deploy=True)
def check_secret_key_length(settings: Settings) -> list[Problem]:
    return [E002] if len(settings.secret_key.get_secret_value()) < 32 else []


@register(id=E003.id, deploy=True)
def check_secret_key_variety(settings: Settings) -> list[Problem]:
    return [E003] if len(set(settings.secret_key.get_secret_value())) < 5 else []


@register(id=E004.id, deploy=True)
def check_secret_key_default(settings: Settings) -> list[Problem]:
    key = settings.secret_key.get_secret_value().strip().lower()
    insecure = key in INSECURE_SECRET_KEYS or key.startswith(("django-insecure", "insecure-"))
    return [E004] if insecure or is_placeholder(key) else []


@register(id=E005.id, deploy=True)
def check_secret_key_development(settings: Settings) -> list[Problem]:
    sources = settings.sources
    development = sources.development_secrets if sources else frozenset()
    # Normalised as E004 does: a trailing blank or another case is the same key to a person.
    known = {value.strip().casefold() for value in development}
    return [E005] if settings.secret_key.get_secret_value().strip().casefold() in known else []


@register(id=E008.id, deploy=True)
def check_cors(settings: Settings) -> list[Problem]:
    cors = settings.cors
    return [E008] if "*" in cors.origins and cors.allow_credentials else []


@register(id=[E009.id, E010.id], deploy=True)
def check_allowed_hosts(settings: Settings) -> list[Problem]:
    if "*" in settings.allowed_hosts:
        return [E009]
    return [] if settings.allowed_hosts else [E010]
