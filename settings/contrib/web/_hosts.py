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

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from settings.contrib.web._config import CorsConfig, host_pattern
from settings.contrib.web._request_id import REQUEST_ID_HEADER
from settings.schema import BaseSettings

#: The environment whose host check also accepts :data:`TEST_CLIENT_HOST`.
TESTING = "testing"
#: The ``Host`` Starlette's ``TestClient`` and httpx's ASGI transport send.
TEST_CLIENT_HOST = "testserver"
#: A Host header: a bracketed IPv6 address or a name, then an optional port.
#: A name holds only what a DNS name or an IPv4 address can: no ``#``, ``/``, ``@`` or blank
#: (``evil.com#.example.com`` must not pass for a subdomain of example.com).
_HOST = re.compile(r"(?:\[(?P<ipv6>[0-9A-Fa-f:.]+)\]|(?P<name>[A-Za-z0-9_.-]+))(?::[0-9]{0,5})?")
#: What ``*.`` stands for in an origin: one or more DNS labels.
_SUBDOMAINS = r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*"


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


def allowed_hosts(settings: BaseSettings) -> list[str] | None:
    """The model's ``allowed_hosts`` as requests are matched against them, plus Starlette's
    test client's host in the testing environment; ``None`` for a model without the field,
    which has no host check."""
    declared = getattr(settings, "allowed_hosts", None)
    if declared is None:
        return None
    hosts = [_as_pattern(str(host)) for host in declared]
    if settings.environment == TESTING and TEST_CLIENT_HOST not in hosts:
        hosts.append(TEST_CLIENT_HOST)  # Starlette's TestClient, as Django's test runner allows
    return hosts


def _as_pattern(host: str) -> str:
    """``Settings`` validates its patterns; a model of its own may not have: normalised the
    same way, or left as written (then it matches no request)."""
    try:
        return host_pattern(host)
    except ValueError:
        return host


def cors_middleware(app: ASGIApp, settings: BaseSettings) -> CORSMiddleware | None:
    """Starlette's ``CORSMiddleware`` around ``app``, as ``settings.cors`` (the web battery's
    :class:`CorsConfig`) says; ``None`` for a model without it, which has no CORS."""
    cors = getattr(settings, "cors", None)
    if not isinstance(cors, CorsConfig):
        return None
    return CORSMiddleware(
        app,
        allow_origins=[origin for origin in cors.origins if "://*." not in origin],
        allow_origin_regex=origin_regex(cors.origins),
        allow_methods=cors.allow_methods,
        allow_headers=cors.allow_headers,
        allow_credentials=cors.allow_credentials,
        expose_headers=[REQUEST_ID_HEADER],
    )
