"""``load_settings`` and ``get_settings``: the Python entry points."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from settings.build import build, verdict
from settings.errors import ImproperlyConfigured
from settings.overrides import active_override
from settings.schema import Settings


def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Load, merge and validate the settings; raise :class:`ImproperlyConfigured` on any problem.

    Pure: reads the files in ``root`` (default: the working directory) and the variables in
    ``environ`` (default: ``os.environ``), and changes nothing, logs included. Production also
    runs the deployment rules, whose errors stop the load. Warnings do not stop it: the app logs
    them at startup, ``python -m settings check`` prints them, ``settings.checks.run_checks``
    returns them.
    """
    base = Path.cwd() if root is None else Path(root)
    built = build(env, base, os.environ if environ is None else environ)
    problems = verdict(built)
    if built.settings is None or any(problem.is_error for problem in problems):
        raise ImproperlyConfigured(problems)
    return built.settings


@lru_cache(maxsize=1)
def _loaded_settings() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The process-wide settings: an active override, else loaded once from the working dir."""
    return active_override() or _loaded_settings()


get_settings.cache_clear = _loaded_settings.cache_clear  # type: ignore[attr-defined]
