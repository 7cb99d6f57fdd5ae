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
from settings.schema import BaseSettings, EnvVar, Section
from settings.schema._config import SettingsConfigDict

if TYPE_CHECKING:
    from settings._lazy import lazy, settings
    from settings.contrib import Settings
    from settings.contrib.database import DatabaseConfig, PoolConfig
    from settings.contrib.metrics import MetricsConfig
    from settings.contrib.server import ServerConfig
    from settings.contrib.web import CorsConfig

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


#: Names imported on first use, and their modules: an application whose model is built on
#: ``BaseSettings`` alone never imports the batteries, nor Django's lazy object.
_LAZY = {
    "settings": "settings._lazy",
    "lazy": "settings._lazy",
    "Settings": "settings.contrib",
    "DatabaseConfig": "settings.contrib.database",
    "PoolConfig": "settings.contrib.database",
    "MetricsConfig": "settings.contrib.metrics",
    "ServerConfig": "settings.contrib.server",
    "CorsConfig": "settings.contrib.web",
}


def __getattr__(name: str) -> Any:
    """The batteries' names and Django's lazy object, imported on first use (:data:`_LAZY`)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
