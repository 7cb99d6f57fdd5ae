"""``load_settings``: one load, merged, validated and judged, as a settings object or a report."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar, overload

from settings.build import Built, build, verdict
from settings.discovery import ModelArgument
from settings.errors import ImproperlyConfigured, Problem
from settings.schema import Settings

S = TypeVar("S", bound=Settings)


@overload
def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: type[S],
) -> S: ...


@overload
def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: str | None = None,
) -> Settings: ...


def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: ModelArgument = None,
) -> Settings:
    """Load, merge and validate the settings; raise :class:`ImproperlyConfigured` on any problem.

    Pure: reads the files in ``root`` (default: the working directory) and the variables in
    ``environ`` (default: ``os.environ``), and changes nothing, logs included. ``model`` is the
    application's model (a class or ``"pkg.mod:Class"``), else ``SETTINGS_MODEL``, else
    ``[tool.settings] model`` in ``pyproject.toml``, else :class:`Settings`. Production also
    runs the deployment rules, whose errors stop the load. Warnings do not stop it: the app logs
    them at startup and ``python -m settings check`` prints them.
    """
    return checked_load(env, root=root, environ=environ, model=model)[0]


def checked_load(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: ModelArgument = None,
) -> tuple[Settings, list[Problem], Built]:
    """What :func:`load_settings` does, also returning the warnings and the load itself, for a
    start that logs them (:mod:`settings.fastapi`) without running the checks again."""
    base = Path.cwd() if root is None else Path(root)
    built = build(env, base, os.environ if environ is None else environ, model)
    judged = verdict(built)
    if built.settings is None or not judged.ok:
        raise ImproperlyConfigured(judged.problems)
    return built.settings, judged.problems, built
