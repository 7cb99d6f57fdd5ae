"""``Settings``: the core with every battery, the model of SPEC section 3."""

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
