"""The app's log: its level from the settings, and the startup line saying where they came from.

Only names are logged (environment, files, variables), never values of secrets. The framework's
lines (the settings' warnings, the audit line of each start and reload) go to ``app.audit``
(``settings_lifespan(logger=audit_logger)``), which logs at INFO whatever ``log_level`` says: an
audit trail that a quieter log level switched off would not be one.
"""

from __future__ import annotations

import logging

from settings import Settings

logger = logging.getLogger("app")
audit_logger = logging.getLogger("app.audit")


#: uvicorn's own format, so the app's lines and the server's read as one log:
#: ``INFO:     Settings loaded: ...`` next to ``INFO:     Application startup complete.``
LOG_FORMAT = "%(levelprefix)s %(message)s"


def configure_logging(settings: Settings) -> None:
    """Set the ``app`` logger's level (``app.audit``'s stays INFO); give it and the framework's
    ``settings`` logger a handler only if nobody configured logging. At startup, not at import:
    importing configures nothing."""
    logger.setLevel(settings.log_level.upper())
    audit_logger.setLevel(logging.INFO)
    if not logger.handlers and not logging.getLogger().handlers:
        # Under plain ``uvicorn`` only uvicorn's own loggers have handlers: write as they do
        # (uvicorn's formatter: the level padded to 9 columns, coloured on a terminal).
        from uvicorn.logging import DefaultFormatter

        handler = logging.StreamHandler()
        handler.setFormatter(DefaultFormatter(LOG_FORMAT))
        logger.addHandler(handler)
        framework = logging.getLogger("settings")
        if not framework.handlers:
            framework.addHandler(handler)


def log_startup(settings: Settings, target: str) -> None:
    """One INFO line naming the environment, files, variables and database."""
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
