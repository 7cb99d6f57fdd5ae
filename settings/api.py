"""``load_settings`` and ``get_settings``: the Python entry points."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from settings.build import build, rule_problems
from settings.errors import ImproperlyConfigured
from settings.overrides import active_override
from settings.schema import Settings

logger = logging.getLogger("settings")
PRODUCTION = "production"


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
    built = build(env, base, os.environ if environ is None else environ)
    problems = built.problems + rule_problems(built, deploy=built.sources.environment == PRODUCTION)
    if built.settings is None or any(problem.is_error for problem in problems):
        raise ImproperlyConfigured(sorted(problems, key=lambda p: not p.is_error))
    for warning in problems:  # an unknown APP_ variable, a settings.local.toml in production
        logger.warning("%s", warning)
    return built.settings


@lru_cache(maxsize=1)
def _loaded_settings() -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """The process-wide settings: an active override, else loaded once from the working dir."""
    return active_override() or _loaded_settings()


get_settings.cache_clear = _loaded_settings.cache_clear  # type: ignore[attr-defined]
