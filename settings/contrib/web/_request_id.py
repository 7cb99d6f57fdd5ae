"""Request ids: every HTTP response carries ``X-Request-ID``, the client's valid one or a new
uuid4, and the 500 of :class:`settings.fastapi.ErrorMiddleware` names it.
:class:`settings.fastapi.SettingsMiddleware` sets it."""

from __future__ import annotations

import os
import re

from starlette.datastructures import MutableHeaders
from starlette.types import Message

#: Exposed to browsers, so a page can read the id of a failed request.
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
#: The header's name as ASGI gives it.
REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")


def new_request_id() -> str:
    """A new uuid4, as 32 hex digits: 16 bytes from ``os.urandom`` with RFC 4122's version (4)
    and variant (10) bits set, as ``uuid.uuid4()`` sets them, at a third of its cost."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    return raw.hex()


def valid_request_id(value: bytes) -> str | None:
    """An incoming ``X-Request-ID`` as the request's id, if it is 1-128 letters, digits, ``-``,
    ``_`` or ``.`` (anything else could forge log lines or headers)."""
    return value.decode("ascii") if _REQUEST_ID.fullmatch(value) else None


def add_request_id(message: Message, request_id: str) -> None:
    """Put ``request_id`` on a ``http.response.start`` message, replacing the handler's own."""
    raw = message.setdefault("headers", [])
    if any(name == REQUEST_ID_KEY for name, _ in raw):  # the handler's own: ours wins
        MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
    else:  # what MutableHeaders would do, without building it
        raw.append((REQUEST_ID_KEY, request_id.encode("latin-1")))
