"""The app's log: its level from the settings, and the startup line saying where they came from.

Only names are logged (environment, files, variables), never values.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from settings import Problem, Settings

logger = logging.getLogger("app")


def configure_logging(settings: Settings) -> None:
    """Set the ``app`` logger's level; give it a handler only if nobody configured logging."""
    logger.setLevel(settings.log_level.upper())
    if not logger.handlers and not logging.getLogger().handlers:
        # Under plain ``uvicorn`` only uvicorn's own loggers have handlers.
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-9s %(name)s: %(message)s"))
        logger.addHandler(handler)


def log_startup(settings: Settings, target: str, warnings: Iterable[Problem]) -> None:
    """One INFO line naming the environment, files and variables; one WARNING per problem."""
    sources = settings.sources
    if sources is None:
        files, variables = "none (settings passed to create_app)", "none"
    else:
        files = ", ".join(sources.files) or "none"
        variables = ", ".join(sources.variables) or "none"
    logger.info(
        "Settings loaded: environment %s; files %s; variables %s; database %s; fingerprint %s",
        settings.environment, files, variables, target, settings.fingerprint,
    )
    for problem in warnings:
        logger.warning("%s", problem)
