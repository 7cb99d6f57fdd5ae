"""The pydantic-settings reference: one TOML file plus ``APP_`` variables, its documented way.

Same shape as :class:`benchmarks.naive.NaiveSettings` (the reference application's model);
:class:`PydanticBase` is the framework's base shape, for generated application models.

pydantic-settings has no environment tables, so the benchmark writes ``production.toml`` next
to ``settings.toml``: its ``[default]`` merged with ``[production]`` (see
:func:`benchmarks.cold_start.write_flat_toml`).
"""

from __future__ import annotations

from pydantic import RedisDsn, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from benchmarks.naive import Cors, Database, Features, Metrics, Server

TOML_FILE = "production.toml"  # in the working directory


class PydanticBase(BaseSettings):
    model_config = SettingsConfigDict(
        frozen=True, env_prefix="APP_", env_nested_delimiter="__", toml_file=TOML_FILE
    )

    environment: str = "production"
    debug: bool = False
    secret_key: SecretStr
    allowed_hosts: list[str] = []
    log_level: str = "info"
    cors: Cors = Cors()
    database: Database = Database()
    server: Server = Server()
    metrics: Metrics = Metrics()
    silenced_checks: list[str] = []

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, TomlConfigSettingsSource(settings_cls)


class PydanticSettings(PydanticBase):
    features: Features = Features()
    redis_url: RedisDsn | None = None
    api_docs: bool = True


def load(model: type[PydanticBase] = PydanticSettings) -> PydanticBase:
    return model()
