"""``load_settings`` and ``get_settings``: the Python entry points."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from settings.checks import run_checks
from settings.errors import ImproperlyConfigured
from settings.loader import load_layers
from settings.overrides import active_override
from settings.provenance import Assignment, Sources, merge
from settings.report import validate
from settings.schema import SQLITE, Settings

logger = logging.getLogger("settings")


def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load, merge and validate the settings; raise :class:`ImproperlyConfigured` on any problem.

    Pure: reads the files in ``root`` (default: the working directory) and the variables in
    ``environ`` (default: ``os.environ``), and changes nothing. Production also runs the
    deployment rules, whose errors stop the load; warnings go to the ``settings`` logger.
    """
    base = Path.cwd() if root is None else Path(root)
    loaded = load_layers(env, base, os.environ if environ is None else environ)
    values, history = merge(loaded.layers)
    if values.get("database.driver") == SQLITE:
        values["database.database"] = _sqlite_path(base, values.get("database.database"))
    sources = Sources(
        environment=loaded.environment,
        files=tuple(loaded.files),
        variables=_variable_names(history),
        history=history,
        unknown_variables=tuple(loaded.unknown_variables),
        development_secrets=frozenset(loaded.development_secrets),
    )
    reported = {problem.key for problem in loaded.errors}
    settings, problems = validate({k: v for k, v in values.items() if k not in reported}, sources)
    problems = loaded.errors + [p for p in problems if p.key not in reported]
    if settings is not None:
        problems += run_checks(settings, deploy=settings.environment == "production")
    if any(problem.is_error for problem in problems) or settings is None:
        raise ImproperlyConfigured(sorted(problems, key=lambda p: not p.is_error))
    for warning in problems:  # an unknown APP_ variable, a settings.local.toml in production
        logger.warning("%s", warning)
    return settings


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


@lru_cache(maxsize=1)
def _loaded_settings() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The process-wide settings: an active override, else loaded once from the working dir."""
    return active_override() or _loaded_settings()


get_settings.cache_clear = _loaded_settings.cache_clear  # type: ignore[attr-defined]
