"""The instruments, made once per process on first use (never at import), and what feeds them.

Names follow OpenTelemetry's semantic conventions as Prometheus spells them: a pool under the
database-client names, request durations by route template and status, and
``app_settings_info{environment,fingerprint} 1`` (Alertmanager's ``config_hash`` idea).

Workers: with ``uvicorn --workers N`` each worker is its own process. prometheus-client's
multiprocess mode adds them up when ``PROMETHEUS_MULTIPROC_DIR`` names a directory that every
worker shares, empty at start (the operator creates it, as prometheus-client documents for
gunicorn); without it ``/metrics`` covers the worker that answers.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from settings.contrib._settings import Settings

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
logger = logging.getLogger("settings.metrics")
#: Seconds; OpenTelemetry's advice for HTTP server durations.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


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
    """``app_settings_info{environment,fingerprint} 1`` for the settings this process serves
    (call it at start and after a reload); a warning when several workers are expected but their
    figures cannot be added up."""
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


def record_pool(*, used: int, idle: int, maximum: int) -> None:
    """The connection pools of this process, added up by their owner: connections in use,
    open and idle, and the most its pools may open."""
    found = instruments()
    found.connections.labels("used").set(used)
    found.connections.labels("idle").set(idle)
    found.connections_max.set(maximum)


@contextmanager
def pool_wait(timeout_errors: tuple[type[BaseException], ...] = ()) -> Iterator[None]:
    """Around one wait for a pooled connection: counted as pending meanwhile, its duration
    observed, and counted as a timeout when it raises one of ``timeout_errors``."""
    found = instruments()
    found.pending.inc()
    started = time.perf_counter()
    try:
        yield
    except timeout_errors:
        found.timeouts.inc()
        raise
    finally:
        found.pending.dec()
        found.wait_time.observe(time.perf_counter() - started)


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
