"""Errors as clients and logs see them: database trouble is a 503, anything else a 500
(the framework's :class:`settings.fastapi.ErrorMiddleware`, re-exported here).

    Exception
     ├── app.db.DatabaseUnavailableError    no connection for SessionDep       -> 503
     ├── sqlalchemy.exc.TimeoutError        no pooled connection free in time  -> 503
     ├── sqlalchemy.exc.OperationalError    connection lost mid-request        -> 503
     ├── sqlalchemy.exc.InterfaceError      connection unusable                -> 503
     └── anything else, unhandled           settings.fastapi.ErrorMiddleware   -> 500

Every error text logged or shown goes through :mod:`app.redaction` first.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from app.db import DatabaseUnavailableError
from app.redaction import describe_error
from settings.fastapi import ErrorMiddleware, served_settings

logger = logging.getLogger("app.errors")


__all__ = ["ErrorMiddleware", "install_exception_handlers"]


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DatabaseUnavailableError):
        reason = str(exc)  # already logged, with the cause, by the connection manager
    else:
        settings = served_settings(request.app)
        logger.warning("Database unavailable: %s", describe_error(exc, settings))
        pool = isinstance(exc, sa_exc.TimeoutError)
        reason = "no pooled connection free in time" if pool else "connection lost"
    detail = f"The database is unavailable: {reason}. Try again later."
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "1"})


def install_exception_handlers(app: FastAPI) -> None:
    """Map database unavailability to 503 instead of a 500."""
    unavailable = (
        DatabaseUnavailableError,
        sa_exc.TimeoutError,
        sa_exc.OperationalError,
        sa_exc.InterfaceError,
    )
    for error in unavailable:
        app.add_exception_handler(error, _database_unavailable)
