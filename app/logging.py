"""The app's log: its level from the settings, the startup line saying where they came from,
and the audit line of each start and reload.

Only names are logged (environment, files, variables), never values of secrets. The audit lines
go to ``app.audit``, which logs at INFO whatever ``log_level`` says: an audit trail that a
quieter log level switched off would not be one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from settings import Problem, Settings
from settings.fastapi._audit import audit_line

logger = logging.getLogger("app")
audit_logger = logging.getLogger("app.audit")


#: uvicorn's own format, so the app's lines and the server's read as one log:
#: ``INFO:     Settings loaded: ...`` next to ``INFO:     Application startup complete.``
LOG_FORMAT = "%(levelprefix)s %(message)s"


def configure_logging(settings: Settings) -> None:
    """Set the ``app`` logger's level (``app.audit``'s stays INFO); give it a handler only if
    nobody configured logging. At startup, not at import: importing configures nothing."""
    logger.setLevel(settings.log_level.upper())
    audit_logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        # Under plain ``uvicorn`` only uvicorn's own loggers have handlers: write as they do
        # (uvicorn's formatter: the level padded to 9 columns, coloured on a terminal).
        from uvicorn.logging import DefaultFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(DefaultFormatter(LOG_FORMAT))
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
        settings.environment,
        files,
        variables,
        target,
        settings.fingerprint,
    )
    for problem in warnings:  # the log level says WARNING already
        logger.warning("%s", str(problem).removeprefix("WARNING "))


def log_audit(old: Settings | None, new: Settings) -> None:
    """The audit line of a start (``old`` is ``None``) or of a reload that was applied."""
    audit_logger.info("%s", audit_line("startup" if old is None else "reload", old, new))
