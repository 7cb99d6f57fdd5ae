"""The reference application's own settings: the framework's base fields, plus its own.

The framework derives everything from this model: the keys ``settings.toml`` may set, the
``APP_`` variables (``APP_FEATURES__ORDERS_V2=true``), the variables declared with ``EnvVar``
(``REDIS_URL``, and ``REDIS_URL_FILE``), what is secret (the password in ``redis_url``), and
what ``python -m settings`` shows. ``pyproject.toml`` names it for the command line
(``[tool.settings] model``); the app passes it to its start itself (:mod:`app.main`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, RedisDsn

from settings import EnvVar, Section, Settings


class FeatureFlags(Section):
    """Switches of the migration plan, set per environment (``[production.features]``)."""

    orders_v2: bool = Field(False, description="Serve orders from the v2 tables.")
    read_replica: bool = Field(False, description="Send read-only queries to a replica.")


class AppSettings(Settings):
    """The settings of the reference application."""

    features: FeatureFlags = Field(default_factory=FeatureFlags)
    api_docs: bool = Field(
        default=True,
        description="Serve the API's documentation: /openapi.json, /docs and /redoc "
        "(off in production).",
    )
    redis_url: Annotated[RedisDsn | None, EnvVar("REDIS_URL")] = Field(
        default=None, description="Redis for the cache; its readiness check is off while unset."
    )
