"""Errors as clients and logs see them, for any application: no secret on a 500, debug included.

:class:`ErrorMiddleware` (pure ASGI) turns an unhandled exception into a 500 JSON body
``{"detail": ..., "request_id": ...}``; with ``debug`` on it adds the error and the traceback.
Whatever is shown or logged first passes through :mod:`settings._redact` with every secret of
the settings the app serves with (found by type: any model's ``SecretStr`` fields, URL
passwords, copies of them). Starlette's own debug page never renders: this middleware answers
first. Re-exported by :mod:`settings.fastapi`.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings._redact import mask_text, secret_values
from settings.contrib.web._served import scope_settings
from settings.schema import BaseSettings

logger = logging.getLogger("settings.errors")


class ErrorMiddleware:
    """Pure ASGI: an unhandled exception becomes a 500 JSON body with the request id.

    The exception text and traceback are in the body only when ``debug`` is on; they are always
    logged, redacted. Install it inside the CORS middleware, so browsers can read the 500.
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
            await answer_error(exc, scope, receive, send)


async def answer_error(
    exc: Exception,
    scope: Scope,
    receive: Receive,
    send: Send,
    settings: BaseSettings | None = None,
) -> None:
    """Log ``exc`` redacted and answer the 500 JSON body (the error and traceback with
    ``debug`` on): what :class:`ErrorMiddleware` and :class:`settings.fastapi.SettingsMiddleware`
    do with an unhandled exception before the response began. ``settings`` are those the
    request is served with (by default, the app's)."""
    if settings is None:
        try:
            settings = scope_settings(scope)
        except RuntimeError:  # before the lifespan ran
            settings = None
    secrets = secret_values(settings) if settings is not None else set()
    request_id = scope.get("state", {}).get("request_id")
    trace = mask_text("".join(traceback.format_exception(exc)), secrets)
    logger.error(
        "Unhandled %s in %s %s (request %s)\n%s",
        type(exc).__name__,
        scope.get("method"),
        scope.get("path"),
        request_id,
        trace,
    )
    body: dict[str, Any] = {"detail": "Internal Server Error", "request_id": request_id}
    if getattr(settings, "debug", False) is True:  # a model without the field has no debug
        body["error"] = mask_text(f"{type(exc).__name__}: {exc}", secrets)
        body["traceback"] = trace.splitlines()
    await JSONResponse(body, status_code=500)(scope, receive, send)
