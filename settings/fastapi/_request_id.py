"""Request ids: every HTTP response carries ``X-Request-ID``, the client's valid one or a new
uuid4, and the 500 of :class:`settings.fastapi.ErrorMiddleware` names it. Installed by
:func:`settings.fastapi.settings_middleware`."""

from __future__ import annotations

import os
import re
import threading

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings.contrib.web._hosts import REQUEST_ID_HEADER

_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")


class _NewIds(threading.local):
    """New uuid4s (as hex) from ``os.urandom``, read 256 at a time: one system call per 256
    requests, not one each (``uuid.uuid4()`` makes one per call). One batch per thread; a forked
    child (gunicorn's workers) starts a batch of its own, so no two processes share one."""

    BATCH = 256

    def __init__(self) -> None:
        self.batch = b""
        self.at = 0

    def __call__(self) -> str:
        at = self.at
        if at >= len(self.batch):
            self.batch, at = os.urandom(16 * self.BATCH), 0
        self.at = at + 16
        value = int.from_bytes(self.batch[at : at + 16], "big")
        # RFC 4122: version 4 in bits 76-79, variant 10 in bits 62-63, as uuid.uuid4() sets.
        value = value & ~(0xF000 << 64) & ~(0xC000 << 48) | (0x4000 << 64) | (0x8000 << 48)
        return f"{value:032x}"

    def forget(self) -> None:
        self.batch, self.at = b"", 0


_new_ids: _NewIds | None = None


def new_request_id() -> str:
    """A new uuid4, as 32 hex digits."""
    global _new_ids
    if _new_ids is None:
        _new_ids = _NewIds()
        os.register_at_fork(after_in_child=_new_ids.forget)
    return _new_ids()


def incoming_request_id(scope: Scope) -> str | None:
    """The client's request id if it is 1-128 letters, digits, ``-``, ``_`` or ``.``."""
    for name, value in scope["headers"]:
        if name == _HEADER:
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
        request_id = incoming_request_id(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = message.setdefault("headers", [])
                if any(name == _HEADER for name, _ in raw):  # the handler's own: ours wins
                    MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
                else:  # what MutableHeaders would do, without building it
                    raw.append((_HEADER, request_id.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_id)
