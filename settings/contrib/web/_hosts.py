"""The host check and CORS, from the settings an app serves with: a request whose ``Host``
matches no ``allowed_hosts`` pattern gets 400, and ``cors`` is applied by Starlette's
``CORSMiddleware``. Settings are not loaded at import, so :class:`SettingsMiddleware` is installed
empty and builds both from the settings the lifespan loaded (again whenever an override or a
reload changes them). Re-exported by :mod:`settings.fastapi`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings._process import overridden
from settings.contrib._settings import Settings
from settings.fastapi._reload import pinned

#: The environment whose host check also accepts :data:`TEST_CLIENT_HOST`.
TESTING = "testing"
#: The ``Host`` Starlette's ``TestClient`` and httpx's ASGI transport send.
TEST_CLIENT_HOST = "testserver"
#: Exposed to browsers, so a page can read the id of a failed request.
REQUEST_ID_HEADER = "X-Request-ID"
#: A Host header: a bracketed IPv6 address or a name, then an optional port.
#: A name holds only what a DNS name or an IPv4 address can: no ``#``, ``/``, ``@`` or blank
#: (``evil.com#.example.com`` must not pass for a subdomain of example.com).
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::[0-9]{0,5})?")
#: What ``*.`` stands for in an origin: one or more DNS labels.
_SUBDOMAINS = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*"


def app_settings(app: Any) -> Settings:
    """The settings ``app`` serves with: those its start loaded, any override applied."""
    try:
        settings: Settings = app.state.settings
    except AttributeError:
        raise RuntimeError("settings are not loaded: the app's lifespan has not run") from None
    return overridden(settings)


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


class HostCheck:
    """Whether a ``Host`` header matches ``allowed_hosts``, each header's verdict kept: a server
    sees few distinct ones, so after the first request the check is one dictionary lookup. At
    most :attr:`KEPT` are kept (random headers cannot grow it further; they are checked anew).
    """

    KEPT = 1024

    def __init__(self, allowed_hosts: Sequence[str]) -> None:
        self.allowed_hosts = tuple(allowed_hosts)
        self.allow_any = "*" in self.allowed_hosts
        self._verdicts: dict[bytes, bool] = {}

    def allows(self, header: bytes) -> bool:
        if self.allow_any:
            return True
        verdict = self._verdicts.get(header)
        if verdict is None:
            host = request_host(header.decode("latin-1"))
            verdict = host is not None and host_allowed(host, self.allowed_hosts)
            if len(self._verdicts) < self.KEPT:
                self._verdicts[header] = verdict
        return verdict


class AllowedHostsMiddleware:
    """Answer 400 to a request whose ``Host`` header matches no ``allowed_hosts`` pattern.

    Starlette's ``TrustedHostMiddleware`` compares the header as written, so depending on its
    version ``[::1]:8000`` never matches ``::1``; here both sides are normalised.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.check = HostCheck(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        header = next((v for k, v in scope["headers"] if k == b"host"), b"")
        if self.check.allows(header):
            await self.app(scope, receive, send)
        else:
            await refuse_host(scope, receive, send)


async def refuse_host(scope: Scope, receive: Receive, send: Send) -> None:
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


def allowed_hosts(settings: Settings) -> list[str]:
    """``allowed_hosts``, plus Starlette's test client's host in the testing environment."""
    hosts = list(settings.allowed_hosts)
    if settings.environment == TESTING and TEST_CLIENT_HOST not in hosts:
        hosts.append(TEST_CLIENT_HOST)  # Starlette's TestClient, as Django's test runner allows
    return hosts


def cors_middleware(app: ASGIApp, settings: Settings) -> CORSMiddleware:
    """Starlette's ``CORSMiddleware`` around ``app``, as ``settings.cors`` says."""
    cors = settings.cors
    return CORSMiddleware(
        app,
        allow_origins=[origin for origin in cors.origins if "://*." not in origin],
        allow_origin_regex=origin_regex(cors.origins),
        allow_methods=cors.allow_methods,
        allow_headers=cors.allow_headers,
        allow_credentials=cors.allow_credentials,
        expose_headers=[REQUEST_ID_HEADER],
    )


def guard(app: ASGIApp, settings: Settings) -> ASGIApp:
    """``app`` behind the Host check, then CORS, as the settings say (two middleware, for an
    application that wants them without :class:`SettingsMiddleware`)."""
    return AllowedHostsMiddleware(cors_middleware(app, settings), allowed_hosts(settings))


@dataclass(frozen=True)
class _Policy:
    """What :class:`SettingsMiddleware` applies for one settings object, built once."""

    settings: Settings
    hosts: HostCheck
    cors: CORSMiddleware


class SettingsMiddleware:
    """Apply ``allowed_hosts`` (400 otherwise) and ``cors`` from the settings being served.

    One pure ASGI layer. What the settings decide is built once per settings object (again when
    an override or a reload changes them), and each Host header's verdict is kept. A request
    without an ``Origin`` header (most: anything but a browser's cross-origin call) skips
    Starlette's ``CORSMiddleware`` and gets what it would add, ``Vary: Origin``; the others go
    through it.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._policy: _Policy | None = None

    def policy(self, settings: Settings) -> _Policy:
        policy = self._policy
        if policy is None or policy.settings is not settings:  # first, or an override/reload
            hosts = HostCheck(allowed_hosts(settings))
            policy = self._policy = _Policy(settings, hosts, cors_middleware(self.app, settings))
        return policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        base = pinned(scope)  # a request keeps the settings it began with across a reload
        settings = app_settings(scope["app"]) if base is None else cast(Settings, overridden(base))
        policy = self.policy(settings)
        host = origin = None
        for name, value in scope["headers"]:
            if name == b"host":
                if host is None:
                    host = value
            elif name == b"origin" and origin is None:
                origin = value
        if not policy.hosts.allows(host or b""):
            await refuse_host(scope, receive, send)
        elif kind != "http":
            await self.app(scope, receive, send)  # CORS is for HTTP only
        elif origin is not None:
            await policy.cors(scope, receive, send)
        else:
            await self.app(scope, receive, _vary_origin(send))


def _vary_origin(send: Send) -> Send:
    """What Starlette's ``CORSMiddleware`` adds to a response to a request without
    ``Origin``: ``Vary: Origin``, merged into a ``Vary`` already there."""

    async def send_vary(message: Message) -> None:
        if message["type"] == "http.response.start":
            raw = message.setdefault("headers", [])
            if any(name == b"vary" for name, _ in raw):
                headers = MutableHeaders(scope=message)
                headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
            else:
                raw.append((b"vary", b"Origin"))
        await send(message)

    return send_vary
