"""Request ids: every HTTP response carries ``X-Request-ID``, the client's valid one or a new
uuid4, and the 500 of :class:`settings.fastapi.ErrorMiddleware` names it. Installed by
:func:`settings.fastapi.settings_middleware`."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings.contrib.web._hosts import REQUEST_ID_HEADER

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
