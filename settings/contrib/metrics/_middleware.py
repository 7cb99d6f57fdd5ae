""":class:`MetricsMiddleware`: pure ASGI, times each HTTP request by method, route template and
status."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings.contrib.metrics._config import metrics_enabled
from settings.contrib.metrics._instruments import instruments
from settings.fastapi import app_settings

#: OpenTelemetry's rule: any other method is recorded as ``_OTHER``, so clients cannot make series.
KNOWN_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)


class MetricsMiddleware:
    """Times each HTTP request, labelled by method, route template and status.

    Requests that match no route are labelled with an empty route, and unknown methods as
    ``_OTHER``, so that probing random paths or methods cannot make new series. Nothing is
    recorded while ``metrics.enabled`` is off.
    """

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self.clock = clock
        # One histogram child per (method, route, status): labels() costs more than a dict.
        self._series: dict[tuple[str, str, int], Any] = {}

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself: what is not timed goes straight to the app, with no frame of
        # this layer to cross at each of its awaits.
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        try:
            enabled = metrics_enabled(app_settings(scope["app"]))
        except RuntimeError:  # no settings yet: the lifespan has not run
            enabled = False
        if not enabled:
            return self.app(scope, receive, send)
        return self._timed(scope, receive, send)

    async def _timed(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = self.clock()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = self.clock() - started
            route = scope.get("route")
            method = scope["method"] if scope["method"] in KNOWN_METHODS else "_OTHER"
            key = (method, getattr(route, "path", "") if route is not None else "", status)
            series = self._series.get(key)
            if series is None:
                series = instruments().request_duration.labels(key[0], key[1], str(status))
                if len(self._series) < 10_000:  # methods x templates x statuses stay few
                    self._series[key] = series
            series.observe(elapsed)
