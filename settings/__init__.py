"""Django's settings discipline for FastAPI: layered TOML and environment, one frozen object.

    from settings import get_settings
    settings = get_settings()
    settings.database.url
"""

from settings.api import get_settings, load_settings
from settings.errors import ImproperlyConfigured, Problem
from settings.overrides import override_settings
from settings.schema import CorsConfig, DatabaseConfig, PoolConfig, Settings

__all__ = [
    "CorsConfig",
    "DatabaseConfig",
    "ImproperlyConfigured",
    "PoolConfig",
    "Problem",
    "Settings",
    "get_settings",
    "load_settings",
    "override_settings",
]
