"""Errors as clients and logs see them: database trouble is a 503, anything else a 500
(the framework's :class:`settings.fastapi.ErrorMiddleware`, re-exported here).

    Exception
     ├── app.db.DatabaseUnavailableError    no connection for SessionDep       -> 503
     ├── sqlalchemy.exc.TimeoutError        no pooled connection free in time  -> 503
     ├── sqlalchemy.exc.OperationalError    connection lost mid-request        -> 503
     ├── sqlalchemy.exc.InterfaceError      connection unusable                -> 503
     ├── sqlalchemy.exc.DBAPIError          the connection was invalidated or  -> 503
     │                                      lost (the server ended it: a failover,
     │                                      pg_terminate_backend; asyncpg's
     │                                      InternalClientError after it: see
     │                                      app.db.lost_connection); else re-raised
     ├── sqlalchemy.exc.PendingRollbackError  a later statement on that         -> 503
     │                                      invalidated connection; else re-raised
     └── anything else, unhandled           settings.fastapi.ErrorMiddleware   -> 500

Every error text logged or shown goes through :mod:`app.redaction` first.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc

from app.db import DatabaseUnavailableError, lost_connection
from app.redaction import describe_error
from settings.fastapi import ErrorMiddleware, request_settings

logger = logging.getLogger("app.errors")


__all__ = ["ErrorMiddleware", "install_exception_handlers"]


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DatabaseUnavailableError):
        reason = str(exc)  # already logged, with the cause, by the connection manager
    else:
        settings = await request_settings(request)
        logger.warning("Database unavailable: %s", describe_error(exc, settings))
        pool = isinstance(exc, sa_exc.TimeoutError)
        reason = "no pooled connection free in time" if pool else "connection lost"
    detail = f"The database is unavailable: {reason}. Try again later."
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "1"})


#: SQLAlchemy's code for "Can't reconnect until invalid transaction is rolled back": a statement
#: after the connection under the transaction was lost.
_INVALIDATED_TRANSACTION = "8s2b"


async def _maybe_disconnect(request: Request, exc: Exception) -> JSONResponse:
    """503 when the error is a lost connection (SQLAlchemy marks it invalidated, or the
    driver's error says so), else the 500 every other error gets."""
    if lost_connection(exc) or getattr(exc, "code", None) == _INVALIDATED_TRANSACTION:
        return await _database_unavailable(request, exc)
    raise exc


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
    # A subclass's handler wins over its base's: OperationalError above stays a 503 anyway.
    app.add_exception_handler(sa_exc.DBAPIError, _maybe_disconnect)
    app.add_exception_handler(sa_exc.PendingRollbackError, _maybe_disconnect)
