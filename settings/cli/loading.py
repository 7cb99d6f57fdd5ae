"""Settings for the tools, built as :func:`settings.load_settings` builds them, minus its verdict.

``show``, ``explain`` and ``diff`` describe a configuration even when the deployment rules
would refuse it (a developer comparing production without its secrets), and ``explain`` also
describes one that does not validate at all. So this module runs the loader, the merge and the
validation itself and keeps every piece; ``check`` alone gives the verdict, with
:func:`settings.load_settings` and :func:`settings.checks.run_checks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from settings.api import _sqlite_path, _variable_names
from settings.cli.render import leaves
from settings.errors import ImproperlyConfigured, Problem
from settings.loader import Loaded, load_layers
from settings.provenance import Assignment, Sources, merge
from settings.report import validate
from settings.schema import SQLITE, Settings


class _Required:
    """The schema default of a field that has none."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Built:
    """Every piece of one load: the layers, the merge's history, and the outcome."""

    loaded: Loaded
    history: Mapping[str, tuple[Assignment, ...]]
    settings: Settings | None
    problems: list[Problem]

    @property
    def ok(self) -> bool:
        return self.settings is not None and not any(p.is_error for p in self.problems)


def build(env: str | None, root: Path, environ: Mapping[str, str]) -> Built:
    """Load and validate without the deployment rules. Raises only when no layer can be read
    (settings.toml missing or not TOML, unknown environment)."""
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
    )
    reported = {problem.key for problem in loaded.errors}
    settings, problems = validate({k: v for k, v in values.items() if k not in reported}, sources)
    problems = loaded.errors + [p for p in problems if p.key not in reported]
    return Built(loaded, history, settings, problems)


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
