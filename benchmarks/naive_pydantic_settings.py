"""The pydantic-settings reference: one TOML file plus ``APP_`` variables, its documented way.

``benchmarks/fixtures/production.toml`` holds what ``settings.toml`` gives production
(``[default]`` merged with ``[production]``), since pydantic-settings has no environment tables.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from benchmarks.naive import Cors, Database

TOML_FILE = Path(__file__).parent / "fixtures" / "production.toml"


class PydanticSettings(BaseSettings):
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


def load() -> PydanticSettings:
    return PydanticSettings()
