"""Settings for the tools: :func:`settings.build.build`, without the deployment verdict.

``show``, ``explain`` and ``diff`` describe a configuration even when the deployment rules
would refuse it (a developer comparing production without its secrets), and ``explain`` also
describes one that does not validate at all; ``check`` alone gives the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from settings import keys
from settings.build import Built, build
from settings.errors import ImproperlyConfigured
from settings.keys import schema_keys
from settings.schema import Settings

__all__ = ["REQUIRED", "Built", "build", "load_unchecked", "schema_defaults"]


class _Required:
    """The schema default of a field that has none."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


def load_unchecked(env: str | None, root: Path, environ: Mapping[str, str]) -> Settings:
    """The validated settings, deployment rules not applied; raises ``ImproperlyConfigured``."""
    built = build(env, root, environ)
    if built.settings is None or not built.ok:
        raise ImproperlyConfigured(built.problems)
    return built.settings


def schema_defaults() -> dict[str, Any]:
    """The default the schema gives each dotted key; :data:`REQUIRED` where there is none."""
    defaults = keys.schema_defaults()
    leaves = (key for key, kind in schema_keys().items() if kind != "table")
    return {key: defaults.get(key, REQUIRED) for key in leaves}
