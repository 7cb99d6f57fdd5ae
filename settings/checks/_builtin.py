"""The core's checks: how the settings were put together (files, variables, silenced ids),
registered like an application's own (:mod:`settings.checks._registry`). The batteries bring
their own (:mod:`settings.contrib`).

Each problem is a constant with a stable id (``settings.``); each check is a small pure function
returning a list of them, so a test reads ``assert check_dotenv(settings) == [W004]``.
"""

from __future__ import annotations

import dataclasses

from settings._errors import Problem
from settings.checks._registry import Warning, declared_ids, register
from settings.schema import BaseSettings
from settings.schema._keys import settable_keys
from settings.sources._environments import DEPLOY_ENVIRONMENTS

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


W005 = Warning(
    "environment",
    "a deployment environment has no table in settings.toml, and a table's name is close to it",
    origin="settings.toml",
    id="settings.W005",
    hint="rename the misspelt table, or name it in deploy_environments",
)


def is_placeholder(value: str) -> bool:
    """``<32+ random characters>``: how .secrets.toml.example marks a value to fill in."""
    value = value.strip()
    return value.startswith("<") and value.endswith(">")


@register(id=W001.id, deploy=True)
def check_local_file(settings: BaseSettings) -> list[Problem]:
    sources = settings.sources
    return [W001] if sources and "settings.local.toml" in sources.files else []


@register(id=W004.id, deploy=True)
def check_dotenv(settings: BaseSettings) -> list[Problem]:
    sources = settings.sources
    return [W004] if sources and ".env" in sources.files else []


@register(id=W002.id)
def check_unknown_variables(settings: BaseSettings) -> list[Problem]:
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


def _spelling_hint(model: type[BaseSettings], name: str) -> str | None:
    """``did you mean APP_DATABASE__HOST?`` for ``APP_DATABSE__HOST``, if a key is close."""
    dotted = name.removeprefix("APP_").lower().replace("__", ".")
    known = settable_keys(model)
    import difflib  # only for a misspelling: a clean load never needs it

    close = difflib.get_close_matches(dotted, known, n=1)
    return f"did you mean APP_{close[0].upper().replace('.', '__')}?" if close else None


@register(id=W005.id)
def check_deployment_tables(settings: BaseSettings) -> list[Problem]:
    """``[prodcution]`` in settings.toml: every environment may load, and ``check --all-envs``
    checks the misspelt one, until the deployment's start says production is unknown. Only
    for the default deployment environment: one an application configures must have its
    table, or the load fails (``unknown_deploy_environments``)."""
    sources = settings.sources
    if sources is None or sources.deploy_environments != DEPLOY_ENVIRONMENTS:
        return []
    tables = sources.environment_tables
    missing = [name for name in sources.deploy_environments if name not in tables]
    if not missing:
        return []
    import difflib  # only for a missing table: a clean load never needs it

    problems = []
    for name in missing:
        # Close in spelling (prodcution), or an abbreviation (prod) that difflib scores low.
        close = set(difflib.get_close_matches(name, tables, n=2))
        close |= {table for table in tables if len(table) >= 3 and name.startswith(table)}
        if len(close) != 1:  # none, or several (production-eu, production-us): not a typo
            continue
        [table] = close
        message = f"{name!r} is a deployment environment; settings.toml has [{table}], no [{name}]"
        hint = f"rename [{table}] to [{name}], or name it in deploy_environments"
        problems.append(dataclasses.replace(W005, message=message, hint=hint))
    return problems


@register(id=W003.id)
def check_silenced_ids(settings: BaseSettings) -> list[Problem]:
    if not settings.silenced_checks:
        return []
    known = declared_ids()
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
