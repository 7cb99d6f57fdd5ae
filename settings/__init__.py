"""Django's settings discipline for FastAPI: layered TOML and environment, one frozen object.

    from settings import get_settings
    settings = get_settings()
    settings.database.url

The public interface is what this module exports (``__all__``, pinned by a test), and the
``__all__`` of :mod:`settings.fastapi` (the FastAPI integration), :mod:`settings.testing`
(pytest helpers), :mod:`settings.checks` (checks and their registry) and the batteries'
packages under :mod:`settings.contrib`. Modules whose names start with ``_`` are internal: their
names may change in any release.

How a value travels, the package's folders in order: :mod:`settings.sources` (files, variables,
``.env``, tokens) -> :mod:`settings.merge` -> :mod:`settings.schema` (the model's core) ->
``_validate`` -> :mod:`settings.checks` -> ``_load`` (:func:`load_settings`) -> ``_process``
(:func:`get_settings`, :class:`override_settings`) -> :mod:`settings.fastapi` and
:mod:`settings.cli`.
"""

from typing import TYPE_CHECKING, Any

from settings._errors import ImproperlyConfigured, Problem
from settings._load import load_settings
from settings._process import get_settings, override_settings
from settings._redact import redact
from settings.contrib import Settings
from settings.contrib.database import DatabaseConfig, PoolConfig
from settings.contrib.metrics import MetricsConfig
from settings.contrib.server import ServerConfig
from settings.contrib.web import CorsConfig
from settings.schema import BaseSettings, EnvVar, Section
from settings.schema._config import SettingsConfigDict

if TYPE_CHECKING:
    from settings._lazy import lazy, settings

__all__ = [
    "BaseSettings",
    "CorsConfig",
    "DatabaseConfig",
    "EnvVar",
    "ImproperlyConfigured",
    "MetricsConfig",
    "PoolConfig",
    "Problem",
    "Section",
    "ServerConfig",
    "Settings",
    "SettingsConfigDict",
    "get_settings",
    "lazy",
    "load_settings",
    "override_settings",
    "redact",
    "settings",
]


def __getattr__(name: str) -> Any:
    """``settings`` and ``lazy`` (:mod:`settings._lazy`), imported on first use: a load that
    never asks for Django's lazy object does not import it."""
    if name in ("settings", "lazy"):
        from settings import _lazy

        return getattr(_lazy, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
