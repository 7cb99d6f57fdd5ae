"""Settings for the tools: :func:`settings.build.build`, without the deployment verdict.

``show``, ``explain`` and ``diff`` describe a configuration even when the deployment rules
would refuse it (a developer comparing production without its secrets), and ``explain`` also
describes one that does not validate at all; ``check`` alone gives the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from settings.build import Built, build
from settings.cli.render import leaves
from settings.errors import ImproperlyConfigured
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


def schema_defaults(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, Any]:
    """The default the schema gives each dotted key; :data:`REQUIRED` where there is none."""
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            defaults.update(leaves(default.model_dump(), f"{prefix}{name}."))
        else:
            defaults[prefix + name] = REQUIRED if default is PydanticUndefined else default
    return defaults
