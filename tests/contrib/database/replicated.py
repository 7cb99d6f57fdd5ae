"""Small application models with several databases (SPEC 13 "Several databases"), and one
with none, for ``test_several_databases.py``."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from settings import BaseSettings, EnvVar, Section
from settings.contrib.database import DatabaseConfig


class ReplicatedSettings(BaseSettings):
    """A primary written through ``DATABASE_URL`` and the ``DB_*`` variables, and a read
    replica with a variable of its own."""

    database: Annotated[DatabaseConfig, EnvVar("DATABASE_URL")] = Field(
        default_factory=DatabaseConfig
    )
    replica: Annotated[DatabaseConfig, EnvVar("REPLICA_URL")] = Field(
        default_factory=DatabaseConfig
    )


class PrimaryOnly(BaseSettings):
    """One database, not named ``database``: no deployment variable is its."""

    primary: DatabaseConfig = Field(default_factory=DatabaseConfig)


class Storage(Section):
    archive: DatabaseConfig = Field(default_factory=DatabaseConfig)


class NestedDatabase(BaseSettings):
    """A database one table down: ``storage.archive``."""

    storage: Storage = Field(default_factory=Storage)


class NoDatabase(BaseSettings):
    """No database at all."""

    name: str = "jobs"
