"""The batteries, Django's contrib in spirit, and :class:`Settings`, the core with all of them.

Each battery brings its section, its rules and what acts on it; the core
(:mod:`settings.schema`, :mod:`settings.sources` ... :mod:`settings.checks`) imports none of
them, and a model without a battery pays nothing for it:

- :mod:`.database`: ``DatabaseConfig`` (the URL, ``DATABASE_URL``, driver arguments, the
  connection budget, PgBouncer, password rotation) and its rules;
- :mod:`.web`: ``CorsConfig``, the host check, CORS and a 500 without secrets, and the
  ``security.`` rules of ``debug``, ``secret_key``, ``allowed_hosts`` and ``cors``;
- :mod:`.server`: ``ServerConfig`` (workers and replicas, for the connection budget);
- :mod:`.metrics`: ``MetricsConfig`` and the Prometheus ``/metrics`` route.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator

from settings.contrib.database import DatabaseConfig
from settings.contrib.metrics import MetricsConfig
from settings.contrib.server import ServerConfig
from settings.contrib.web import CorsConfig
from settings.contrib.web._config import host_pattern
from settings.schema import BaseSettings, EnvVar
from settings.schema._types import StrList

__all__ = ["Settings"]


class Settings(BaseSettings):
    """The core with every battery: the settings of SPEC section 3, which the reference
    application's model extends."""

    debug: bool = Field(
        default=False, description="Tracebacks in error responses. Never in production."
    )
    secret_key: Annotated[SecretStr, EnvVar("SECRET_KEY")] = Field(
        description="Signing key; 32+ characters in production."
    )
    allowed_hosts: StrList = Field(
        default=["localhost", "127.0.0.1"],
        description="Host headers the app answers; others get 400.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="debug, info, warning or error."
    )
    cors: CorsConfig = Field(default_factory=CorsConfig)
    database: Annotated[DatabaseConfig, EnvVar("DATABASE_URL")] = Field(
        default_factory=DatabaseConfig
    )
    server: ServerConfig = Field(default_factory=ServerConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)

    @field_validator("allowed_hosts")
    @classmethod
    def _check_host_patterns(cls, hosts: list[str]) -> list[str]:
        checked = []
        for number, host in enumerate(hosts, 1):
            try:
                checked.append(host_pattern(host))
            except ValueError:
                raise ValueError(
                    f"item {number} is not a host pattern; write a hostname, an IP address, "
                    "'*.example.com' or '*'"
                ) from None
        return checked

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_level(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


# The batteries' rules, registered once Settings (which they are written for) exists.
from settings.contrib.web import _checks as _web_checks  # noqa: E402, F401, I001
from settings.contrib.database import _checks as _database_checks  # noqa: E402, F401
