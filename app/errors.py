"""Errors as clients and logs see them: database trouble is a 503, anything else a 500.

    Exception
     ├── app.db.DatabaseUnavailableError    no connection for SessionDep       -> 503
     ├── sqlalchemy.exc.TimeoutError        no pooled connection free in time  -> 503
     ├── sqlalchemy.exc.OperationalError    connection lost mid-request        -> 503
     ├── sqlalchemy.exc.InterfaceError      connection unusable                -> 503
     └── anything else, unhandled           ErrorMiddleware                    -> 500

Every error text logged or shown goes through :mod:`app.redaction` first.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import DatabaseUnavailableError
from app.redaction import describe_error, redact, secrets_of
from settings import Settings
from settings.fastapi import app_settings

logger = logging.getLogger("app.errors")


def settings_or_none(app: Any) -> Settings | None:
    """The settings ``app`` serves with, or ``None`` before its lifespan ran (error paths)."""
    try:
        return app_settings(app)
    except RuntimeError:
        return None


async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, DatabaseUnavailableError):
        reason = str(exc)  # already logged, with the cause, by the connection manager
    else:
        settings = settings_or_none(request.app)
        logger.warning("Database unavailable: %s", describe_error(exc, secrets_of(settings)))
        pool = isinstance(exc, sa_exc.TimeoutError)
        reason = "no pooled connection free in time" if pool else "connection lost"
    detail = f"The database is unavailable: {reason}. Try again later."
    return JSONResponse({"detail": detail}, status_code=503, headers={"Retry-After": "1"})


def install_exception_handlers(app: FastAPI) -> None:
    """Map database unavailability to 503 instead of a 500."""
    unavailable = (DatabaseUnavailableError, sa_exc.TimeoutError, sa_exc.OperationalError,
                   sa_exc.InterfaceError)
    for error in unavailable:
        app.add_exception_handler(error, _database_unavailable)


class ErrorMiddleware:
    """Pure ASGI: an unhandled exception becomes a 500 JSON body with the request id.

    The exception text and traceback are in the body only when ``debug`` is on; they are always
    logged, redacted. Installed inside the CORS middleware so browsers can read the 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            if started:
                raise  # too late for a 500; the server closes the connection
            await self._respond(exc, scope, receive, send)

    async def _respond(self, exc: Exception, scope: Scope, receive: Receive, send: Send) -> None:
        settings = settings_or_none(scope.get("app"))
        secrets = secrets_of(settings)
        request_id = scope.get("state", {}).get("request_id")
        trace = redact("".join(traceback.format_exception(exc)), secrets)
        logger.error(
            "Unhandled %s in %s %s (request %s)\n%s",
            type(exc).__name__, scope.get("method"), scope.get("path"), request_id, trace,
        )
        body: dict[str, Any] = {"detail": "Internal Server Error", "request_id": request_id}
        if settings is not None and settings.debug:
            body["error"] = redact(f"{type(exc).__name__}: {exc}", secrets)
            body["traceback"] = trace.splitlines()
        await JSONResponse(body, status_code=500)(scope, receive, send)
