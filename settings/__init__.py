"""Django's settings discipline for FastAPI: layered TOML and environment, one frozen object.

    from settings import get_settings
    settings = get_settings()
    settings.database.url

The public interface is what this module exports (``__all__``, pinned by a test), and the
``__all__`` of the modules :mod:`settings.fastapi` (the FastAPI integration),
:mod:`settings.testing` (pytest helpers), :mod:`settings.checks` (checks and deployment
rules), :mod:`settings.fastapi._reload` (reload on SIGHUP), :mod:`settings.fastapi._audit` (the
audit line),
:mod:`settings.contrib.database._driver` (asyncpg's arguments) and
:mod:`settings.contrib.database._budget` (the connection budget).
Every other module is internal: its names may change in any release.
"""

from settings._errors import ImproperlyConfigured, Problem
from settings._load import load_settings
from settings._process import get_settings, override_settings
from settings._redact import redact
from settings.schema import (
    CorsConfig,
    DatabaseConfig,
    EnvVar,
    MetricsConfig,
    PoolConfig,
    Section,
    ServerConfig,
    Settings,
)

__all__ = [
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
    "get_settings",
    "load_settings",
    "override_settings",
    "redact",
]
