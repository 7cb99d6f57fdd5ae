"""The web battery's values: CORS, and the patterns of ``allowed_hosts`` and ``cors.origins``.

The web fields themselves (``debug``, ``secret_key``, ``allowed_hosts``, ``cors``) are declared
on :class:`settings.Settings`; what they mean for a request is :mod:`._hosts` (the host check
and CORS) and :mod:`._errors` (a 500 without secrets), and what makes them unsafe is
:mod:`._checks`.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from settings.schema import EnvVar, Section
from settings.schema._types import StrList, check_hostname

ORIGIN_PATTERN = re.compile(r"^https?://[^\s/?#]+$")
#: ``scheme://*.example.com[:port]``: the subdomains of example.com, at any depth.
WILDCARD_ORIGIN = re.compile(r"^https?://\*\.[^\s/?#*]+$")


def host_pattern(pattern: str) -> str:
    """An ``allowed_hosts`` item as requests are matched against it: ``*``, ``*.example.com``,
    a hostname (lower case, no trailing dot) or an IP address (``[::1]`` is ``::1``)."""
    if pattern == "*":
        return pattern
    wildcard = pattern.startswith("*.")
    host = check_hostname(pattern.removeprefix("*."))
    if wildcard:
        return "*." + host.lower().rstrip(".")
    return host.lower().rstrip(".")


def check_origin(origin: str) -> str:
    """A ``cors.origins`` item, lower case as browsers send it: ``*``,
    ``scheme://host[:port]`` or ``scheme://*.example.com[:port]``; else ``ValueError``."""
    if origin == "*":
        return origin
    if "*" in origin and not WILDCARD_ORIGIN.match(origin):
        raise ValueError("a wildcard is written scheme://*.example.com[:port]")
    if not ORIGIN_PATTERN.match(origin):
        raise ValueError("write scheme://host[:port], with no path or trailing slash")
    return origin.lower()


class CorsConfig(Section):
    """Cross-origin requests the browser may make."""

    origins: Annotated[StrList, EnvVar("CORS_ORIGINS")] = Field(
        default=[], description="Allowed origins, or '*'."
    )
    allow_credentials: bool = Field(default=False, description="Allow cookies and Authorization.")
    allow_methods: StrList = Field(
        default=["GET", "POST", "PUT", "PATCH", "DELETE"],
        description="Allowed methods.",
    )
    allow_headers: StrList = Field(
        default=["Authorization", "Content-Type", "X-Request-ID"],
        description="Allowed request headers.",
    )

    @field_validator("origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        checked = []
        for number, origin in enumerate(origins, 1):
            try:
                checked.append(check_origin(origin))
            except ValueError as exc:
                raise ValueError(
                    f"item {number} is not an origin: {exc} (a wildcard only as "
                    "https://*.example.com)"
                ) from None
        return checked
