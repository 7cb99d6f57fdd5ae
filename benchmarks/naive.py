"""The references: what a user would write with the same libraries and none of our work.

A plain frozen Pydantic schema mirroring the shape of what ours loads, the reference
application's :class:`app.config.AppSettings` (same fields, types and bounds, no custom
validators, no provenance, no deployment rules): :class:`NaiveBase` is the framework's base
:class:`settings.Settings`, :class:`NaiveSettings` adds the application's own ``features``,
``redis_url`` and ``api_docs``. Two naive loaders: Dynaconf then Pydantic, and ``tomllib`` then
Pydantic; both take the model, so a generated application model (:mod:`benchmarks.big_model`) is
loaded the same way.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RedisDsn, SecretStr


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Pool(Frozen):
    size: int = Field(5, ge=1, le=1000)
    max_overflow: int = Field(10, ge=0, le=1000)
    timeout: float = Field(30.0, gt=0)
    recycle: int = Field(1800, ge=-1)
    pre_ping: bool = True


class Database(Frozen):
    driver: Literal["postgresql+asyncpg", "sqlite+aiosqlite"] = "postgresql+asyncpg"
    host: str | None = "localhost"
    port: int | None = Field(5432, ge=1, le=65535)
    username: str | None = "postgres"
    password: SecretStr = SecretStr("")
    database: str = "app"
    options: dict[str, str] = Field(default_factory=dict)
    connect_timeout: float = Field(5.0, gt=0)
    command_timeout: float = Field(30.0, gt=0)
    pool: Pool = Field(default_factory=Pool)
    pgbouncer: bool = False


class Cors(Frozen):
    origins: list[str] = Field(default_factory=list)
    allow_credentials: bool = False
    allow_methods: list[str] = Field(default_factory=lambda: ["GET", "POST", "PUT", "PATCH"])
    allow_headers: list[str] = Field(default_factory=lambda: ["Authorization", "Content-Type"])


class Server(Frozen):
    workers: int = Field(1, ge=1, le=1024)
    replicas: int = Field(1, ge=1, le=100_000)
    shutdown_timeout: float = Field(15.0, gt=0, le=3600)


class Metrics(Frozen):
    enabled: bool = True


class Features(Frozen):
    """The reference application's own section (``app.config.FeatureFlags``)."""

    orders_v2: bool = False
    read_replica: bool = False


class NaiveBase(Frozen):
    """The shape of the framework's base :class:`settings.Settings`."""

    environment: str = "development"
    debug: bool = False
    secret_key: SecretStr
    allowed_hosts: list[str] = Field(default_factory=list)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    cors: Cors = Field(default_factory=Cors)
    database: Database = Field(default_factory=Database)
    server: Server = Field(default_factory=Server)
    metrics: Metrics = Field(default_factory=Metrics)
    silenced_checks: list[str] = Field(default_factory=list)


class NaiveSettings(NaiveBase):
    """The shape of the reference application's :class:`app.config.AppSettings`."""

    features: Features = Field(default_factory=Features)
    redis_url: RedisDsn | None = None
    api_docs: bool = True


def load_dynaconf(
    env: str, root: str | os.PathLike[str] = ".", model: type[NaiveBase] = NaiveSettings
) -> NaiveBase:
    """Dynaconf reads the file and ``APP_`` variables; Pydantic validates ``as_dict()``.

    Dynaconf's defaults, as documented: an environment's table replaces ``[default]``'s table
    of the same name rather than merging into it (our loader merges key by key).
    """
    from dynaconf import Dynaconf

    loaded = Dynaconf(
        settings_files=[str(Path(root) / "settings.toml")],
        environments=True,
        env=env,
        envvar_prefix="APP",
    )
    return model.model_validate({**_lower(loaded.as_dict()), "environment": env})


def load_tomllib(
    env: str,
    root: str | os.PathLike[str] = ".",
    environ: Mapping[str, str] | None = None,
    model: type[NaiveBase] = NaiveSettings,
) -> NaiveBase:
    """``tomllib`` reads the file; a dict merge applies the table, then ``APP_`` variables."""
    with open(Path(root) / "settings.toml", "rb") as handle:
        document = tomllib.load(handle)
    values: dict[str, Any] = {}
    deep_update(values, document["default"])
    deep_update(values, document[env])
    for name, text in (os.environ if environ is None else environ).items():
        if name.startswith("APP_"):
            *parents, leaf = name[4:].lower().split("__")
            table = values
            for part in parents:
                table = table.setdefault(part, {})
            table[leaf] = json.loads(text) if text.startswith("[") else text
    return model.model_validate({**values, "environment": env})


def _lower(table: Mapping[str, Any]) -> dict[str, Any]:
    """Dynaconf upper-cases top-level keys and keys from variables (``APP_DATABASE__HOST``)."""
    return {
        key.lower(): _lower(value) if isinstance(value, Mapping) else value
        for key, value in table.items()
    }


def deep_update(target: dict[str, Any], source: Mapping[str, Any]) -> None:
    for key, value in source.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            deep_update(target[key], value)
        else:
            target[key] = value
