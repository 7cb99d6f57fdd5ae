"""``GET /metrics`` in the Prometheus text format, and what it counts.

Names follow OpenTelemetry's semantic conventions as Prometheus spells them: the pool under the
database-client names (``db_client_connection_count{state="idle"|"used"}``, ``..._max``,
``..._pending_requests``, ``..._timeouts_total``, ``..._wait_time_seconds``), request durations
by route template and status (``http_server_request_duration_seconds``), and
``app_settings_info{environment,fingerprint} 1``, Alertmanager's ``config_hash`` idea.

Workers: with ``uvicorn --workers N`` each worker is its own process. prometheus-client's
multiprocess mode adds them up when ``PROMETHEUS_MULTIPROC_DIR`` names a directory that every
worker shares, empty at start (the operator creates it, as prometheus-client documents for
gunicorn); without it ``/metrics`` covers the worker that answers. The instruments are made on
first use, never at import.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings.fastapi import app_settings, served_settings

if TYPE_CHECKING:
    from settings import Settings

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
logger = logging.getLogger("app.metrics")
#: Seconds; OpenTelemetry's advice for HTTP server durations.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)

#: OpenTelemetry's rule: any other method is recorded as ``_OTHER``, so clients cannot make series.
KNOWN_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)

router = APIRouter(tags=["metrics"])


@dataclass(frozen=True)
class Instruments:
    """This process's instruments (one set, whatever number of apps it builds)."""

    registry: CollectorRegistry
    connections: Gauge
    connections_max: Gauge
    pending: Gauge
    timeouts: Counter
    wait_time: Histogram
    request_duration: Histogram
    settings_info: Gauge


@cache
def instruments() -> Instruments:
    """Made once per process, on first use."""
    registry = CollectorRegistry(auto_describe=True)
    return Instruments(
        registry=registry,
        connections=Gauge(
            "db_client_connection_count",
            "Connections in the pool, by state.",
            ["state"],
            registry=registry,
            multiprocess_mode="livesum",
        ),
        connections_max=Gauge(
            "db_client_connection_max",
            "The most connections the pool may open.",
            registry=registry,
            multiprocess_mode="livesum",
        ),
        pending=Gauge(
            "db_client_connection_pending_requests",
            "Requests waiting for a connection.",
            registry=registry,
            multiprocess_mode="livesum",
        ),
        timeouts=Counter(
            "db_client_connection_timeouts",
            "Waits for a pooled connection that ended in a timeout.",
            registry=registry,
        ),
        wait_time=Histogram(
            "db_client_connection_wait_time_seconds",
            "Time it took to obtain a connection from the pool.",
            registry=registry,
            buckets=DURATION_BUCKETS,
        ),
        request_duration=Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests.",
            ["method", "route", "status"],
            registry=registry,
            buckets=DURATION_BUCKETS,
        ),
        settings_info=Gauge(
            "app_settings_info",
            "The settings served: environment and fingerprint.",
            ["environment", "fingerprint"],
            registry=registry,
            multiprocess_mode="livemax",
        ),
    )


def record_settings(settings: Settings) -> None:
    """``app_settings_info{environment,fingerprint} 1`` for the settings this process serves;
    a warning when several workers are expected but their figures cannot be added up."""
    instruments().settings_info.labels(settings.environment, settings.fingerprint).set(1)
    if (
        settings.metrics.enabled
        and settings.server.workers > 1
        and not os.environ.get(MULTIPROC_VARIABLE)
    ):
        logger.warning(
            "server.workers is %d but %s is not set: /metrics shows only the worker that "
            "answers; set it to an empty directory shared by the workers",
            settings.server.workers,
            MULTIPROC_VARIABLE,
        )


def forget_process() -> None:
    """At shutdown: this worker's live gauges no longer count (multiprocess mode only)."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory and os.path.isdir(directory):
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def exposition() -> bytes:
    """Every worker's figures in multiprocess mode, else this process's."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(instruments().registry)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """The Prometheus text format; 404 when ``metrics.enabled`` is off."""
    if not app_settings(request.app).metrics.enabled:
        raise HTTPException(status_code=404, detail="Not Found")
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Times each HTTP request, labelled by method, route template and status.

    Requests that match no route are labelled with an empty route, and unknown methods as
    ``_OTHER``, so that probing random paths or methods cannot make new series. Nothing is
    recorded while ``metrics.enabled`` is off.
    """

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.perf_counter) -> None:
        self.app = app
        self.clock = clock
        self.settings_of = served_settings
        # One histogram child per (method, route, status): labels() costs more than a dict.
        self._series: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.settings_of(scope["app"])
        if settings is None or not settings.metrics.enabled:
            await self.app(scope, receive, send)
            return
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
