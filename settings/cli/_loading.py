"""Settings for the tools: :func:`settings._load.build`, without the deployment verdict.

``show``, ``explain`` and ``diff`` describe a configuration even when the deployment rules
would refuse it (a developer comparing production without its secrets), and ``explain`` also
describes one that does not validate at all; ``check`` alone gives the verdict.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from settings._errors import ImproperlyConfigured
from settings._load import Built, build
from settings._provenance import MISSING
from settings.cli._context import Context
from settings.schema import BaseSettings
from settings.schema import _keys as keys

__all__ = ["Built", "build_for", "leaf_defaults", "load_unchecked"]


def build_for(context: Context, env: str | None = None) -> Built:
    """One load as the command line asks for it (``--env``, ``--root``, ``--model``)."""
    return build(
        env if env is not None else context.env, context.root, context.environ, context.model
    )


def load_unchecked(context: Context, env: str | None = None) -> BaseSettings:
    """The validated settings, deployment rules not applied; raises ``ImproperlyConfigured``."""
    built = build_for(context, env)
    if built.settings is None or not built.ok:
        raise ImproperlyConfigured(built.problems)
    return built.settings


def leaf_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """:func:`settings.schema._keys.schema_defaults` for every settable key; ``MISSING`` where the
    schema gives none."""
    defaults = keys.schema_defaults(model)
    return {key: defaults.get(key, MISSING) for key in keys.settable_keys(model)}
