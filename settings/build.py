"""One load, every piece kept: the layers, the merge's history, the settings and the problems.

:func:`settings.load_settings` turns a :class:`Built` into a verdict (settings or
``ImproperlyConfigured``); the command-line tools also describe configurations that would not
pass, so they use :func:`build` directly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from settings.checks import run_checks
from settings.database_url import inherited_database
from settings.environ import secret_files
from settings.errors import Problem
from settings.fields import SQLITE
from settings.loader import Loaded, load_layers
from settings.provenance import Assignment, Sources, merge
from settings.report import validate
from settings.schema import Settings

PRODUCTION = "production"


@dataclass(frozen=True)
class Built:
    """Every piece of one load. ``settings`` is ``None`` when the values do not validate."""

    loaded: Loaded = field(repr=False)
    values: Mapping[str, Any] = field(repr=False)
    history: Mapping[str, tuple[Assignment, ...]] = field(repr=False)
    sources: Sources
    settings: Settings | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.settings is not None and not any(p.is_error for p in self.problems)


def build(env: str | None, root: Path, environ: Mapping[str, str]) -> Built:
    """Load, merge and validate, deployment rules not applied.

    Raises ``ImproperlyConfigured`` only when there is nothing to describe: ``settings.toml``
    missing or not TOML, or an unknown environment.
    """
    loaded = load_layers(env, root, environ)
    values, history = merge(loaded.layers)
    if values.get("database.driver") == SQLITE:
        values["database.database"] = _sqlite_path(root, values.get("database.database"))
    sources = Sources(
        environment=loaded.environment,
        files=tuple(loaded.files),
        variables=_variable_names(history),
        history=history,
        unknown_variables=tuple(loaded.unknown_variables),
        development_secrets=frozenset(loaded.development_secrets),
        secret_files=secret_files(history, environ),
    )
    reported = {problem.key for problem in loaded.errors}
    foreign = inherited_database(history, values)  # issue 11: no SQLite file as a PG name
    if foreign is not None and not reported & {"database", "database.driver"}:
        loaded.errors.append(foreign)
        reported.add(foreign.key)
    settings, problems = validate({k: v for k, v in values.items() if k not in reported}, sources)
    problems = loaded.errors + [p for p in problems if p.key not in reported]
    return Built(loaded, values, history, sources, settings, problems)


def verdict(built: Built, *, deploy: bool | None = None) -> list[Problem]:
    """Every problem, errors first: the load's own and the rules'. The deployment rules run
    where a start runs them (production) when ``deploy`` is ``None``, else as it says."""
    if deploy is None:
        deploy = built.sources.environment == PRODUCTION
    problems = built.problems + rule_problems(built, deploy=deploy)
    return sorted(problems, key=lambda problem: not problem.is_error)


def rule_problems(built: Built, *, deploy: bool) -> list[Problem]:
    """The rules' findings, also for settings that do not validate.

    So that one report holds every problem, invalid values are set aside (they fall back to
    lower layers' schema defaults) and the rules run on the rest; findings about a key that
    is already reported are dropped.
    """
    if built.settings is not None:
        return run_checks(built.settings, deploy=deploy)
    failed = {_base_key(problem.key) for problem in built.problems}
    stand_in, _ = validate(_without(built.values, failed), built.sources)
    if stand_in is None:
        return []
    return [p for p in run_checks(stand_in, deploy=deploy) if not _under(p.key, failed)]


def _base_key(key: str) -> str:
    return re.sub(r"\[\d+\]", "", key)


def _under(key: str, prefixes: set[str]) -> bool:
    return any(key == p or key.startswith(p + ".") or p.startswith(key + ".") for p in prefixes)


def _without(values: Mapping[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if not _under(k, keys)}


def _sqlite_path(root: Path, database: object) -> object:
    """A relative SQLite path is relative to the settings directory, not the working one."""
    if not isinstance(database, str) or database == ":memory:" or Path(database).is_absolute():
        return database
    return str(root.resolve() / database)


def _variable_names(history: Mapping[str, tuple[Assignment, ...]]) -> tuple[str, ...]:
    """The environment variables that contributed a value (names only, never values)."""
    names = set()
    for assignments in history.values():
        for assignment in assignments:
            for prefix in ("env ", "file named by "):
                if assignment.origin.startswith(prefix):
                    names.update(assignment.origin.removeprefix(prefix).split(", "))
    return tuple(sorted(names))
