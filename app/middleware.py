"""Pure ASGI middleware: request ids, and the host and CORS rules taken from the settings.

Settings are not loaded at import, so :class:`SettingsMiddleware` is installed empty by
``create_app`` and builds Starlette's ``TrustedHostMiddleware`` and ``CORSMiddleware`` from the
settings the lifespan loaded (again whenever an ``override_settings`` block changes them).
"""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings
from settings.fastapi import app_settings

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
def incoming_request_id(scope: Scope) -> str | None:
    """The client's request id if it is 1-128 letters, digits, ``-``, ``_`` or ``.``."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return value.decode("ascii") if _REQUEST_ID.fullmatch(value) else None
    return None


class RequestIdMiddleware:
    """Put ``X-Request-ID`` on every HTTP response: the client's valid one, or a new uuid4.

    The id is also in ``request.state.request_id`` for handlers and log lines.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def guard(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the Host check, then CORS, as the settings say."""
    cors = settings.cors
    app = CORSMiddleware(
        app,
        allow_origins=cors.origins,
        allow_methods=cors.allow_methods,
        allow_headers=cors.allow_headers,
        allow_credentials=cors.allow_credentials,
        expose_headers=[REQUEST_ID_HEADER],
    )
    return TrustedHostMiddleware(app, allowed_hosts=settings.allowed_hosts)


class SettingsMiddleware:
    """Apply ``allowed_hosts`` (400 otherwise) and ``cors`` from the settings being served."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._settings: Settings | None = None
        self._guarded: ASGIApp = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        settings = app_settings(scope["app"])
        if settings is not self._settings:  # first request, or an override came or went
            self._guarded, self._settings = guard(self.app, settings), settings
        await self._guarded(scope, receive, send)
