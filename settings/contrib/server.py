"""The server battery: how many processes share the database (uvicorn's workers, replicas),
and how long requests in flight may take to finish once the process is told to stop."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from settings.schema import EnvVar, Section
from settings.schema._types import WholeNumber

__all__ = ["ServerConfig"]


class ServerConfig(Section):
    """How many processes share the database: the connection budget is
    replicas x workers x (pool.size + pool.max_overflow); and the drain time at shutdown."""

    workers: Annotated[WholeNumber, EnvVar("WEB_CONCURRENCY")] = Field(
        default=1, ge=1, le=1024, description="Worker processes per replica (uvicorn --workers)."
    )
    replicas: WholeNumber = Field(default=1, ge=1, le=100_000, description="Replicas of the app.")
    shutdown_timeout: float = Field(
        default=15.0,
        gt=0,
        le=3600,
        description=(
            "Seconds requests in flight may take after SIGTERM before they are answered 503 "
            "(keep preStop + this + database.connect_timeout below the grace period)."
        ),
    )
