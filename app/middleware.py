"""Pure ASGI middleware: request ids, and the host and CORS rules taken from the settings.

Settings are not loaded at import, so :class:`SettingsMiddleware` is installed empty by
``create_app`` and builds :class:`AllowedHostsMiddleware` and Starlette's ``CORSMiddleware``
from the settings the lifespan loaded (again whenever an ``override_settings`` block changes
them).
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections.abc import Sequence

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings import Settings
from settings.fastapi import app_settings

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
#: A Host header: a bracketed IPv6 address or a name, then an optional port.
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[^\[\]:]+))(?::[0-9]{0,5})?")
#: What ``*.`` stands for in an origin: one or more DNS labels.
_SUBDOMAINS = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*"


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


def request_host(header: str) -> str | None:
    """The host of a ``Host`` header as ``allowed_hosts`` writes it: lower case, no port, no
    trailing dot, an IP address normalised (``[::1]:8000`` is ``::1``); ``None`` if invalid."""
    match = _HOST.fullmatch(header)
    if match is None:
        return None
    name = match["ipv6"] or match["name"].lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return None if match["ipv6"] else name


def host_allowed(host: str, patterns: Sequence[str]) -> bool:
    """Whether ``host`` matches an ``allowed_hosts`` pattern (``*.example.com`` matches the
    subdomains of example.com, at any depth, not example.com itself)."""
    return any(
        pattern in ("*", host) or (pattern.startswith("*.") and host.endswith(pattern[1:]))
        for pattern in patterns
    )


class AllowedHostsMiddleware:
    """Answer 400 to a request whose ``Host`` header matches no ``allowed_hosts`` pattern.

    Starlette's ``TrustedHostMiddleware`` compares the header as written, so depending on its
    version ``[::1]:8000`` never matches ``::1``; here both sides are normalised.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)
        self.allow_any = "*" in self.allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any:
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"host"), b"")
        host = request_host(header.decode("latin-1"))
        if host is not None and host_allowed(host, self.allowed_hosts):
            await self.app(scope, receive, send)
        else:
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)


def origin_regex(origins: Sequence[str]) -> str | None:
    """One regular expression for the ``scheme://*.example.com[:port]`` origins, if any."""
    wildcards = [origin for origin in origins if "://*." in origin]
    if not wildcards:
        return None
    alternatives = []
    for origin in wildcards:
        scheme, _, rest = origin.partition("://*.")
        alternatives.append(f"{re.escape(scheme)}://{_SUBDOMAINS}\\.{re.escape(rest)}")
    return "|".join(f"(?:{alternative})" for alternative in alternatives)


def guard(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the Host check, then CORS, as the settings say."""
    cors = settings.cors
    app = CORSMiddleware(
        app,
        allow_origins=[origin for origin in cors.origins if "://*." not in origin],
        allow_origin_regex=origin_regex(cors.origins),
        allow_methods=cors.allow_methods,
        allow_headers=cors.allow_headers,
        allow_credentials=cors.allow_credentials,
        expose_headers=[REQUEST_ID_HEADER],
    )
    return AllowedHostsMiddleware(app, allowed_hosts=settings.allowed_hosts)


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
