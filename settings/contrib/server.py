"""The server battery: how many processes share the database (uvicorn's workers, replicas)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from settings.schema import EnvVar, Section
from settings.schema._types import WholeNumber

__all__ = ["ServerConfig"]


class ServerConfig(Section):
    """How many processes share the database: the connection budget is
    replicas x workers x (pool.size + pool.max_overflow)."""

    workers: Annotated[WholeNumber, EnvVar("WEB_CONCURRENCY")] = Field(
        default=1, ge=1, le=1024, description="Worker processes per replica (uvicorn --workers)."
    )
    replicas: WholeNumber = Field(default=1, ge=1, le=100_000, description="Replicas of the app.")
