"""The instruments, made once per process on first use (never at import), and what feeds them.

Names and labels follow OpenTelemetry's semantic conventions as Prometheus spells them: a pool
under the database-client names (``db_client_connection_state``,
``db_client_connection_pool_name``), request durations by ``http_request_method``,
``http_route`` and ``http_response_status_code``, and
``app_settings_info{environment,fingerprint} 1`` (Alertmanager's ``config_hash`` idea). No
``*_created`` series: OpenTelemetry has none, and each would double a counter's series.

What is recorded follows ``metrics.enabled`` of the settings :func:`record_settings` was last
given: until then a pool's figures are only kept, and with metrics off nothing is recorded,
not even made (so a bad ``PROMETHEUS_MULTIPROC_DIR`` cannot matter).

Workers: with ``uvicorn --workers N`` each worker is its own process. prometheus-client's
multiprocess mode adds them up when ``PROMETHEUS_MULTIPROC_DIR`` names a directory that every
worker shares, empty at start (the operator creates it, as prometheus-client documents for
gunicorn); without it ``/metrics`` covers the worker that answers. A worker's gauges leave the
sum when it stops (:func:`forget_process`) or dies (found at each scrape, :func:`exposition`).

The pool's gauges are read when ``/metrics`` is scraped (:func:`record_pool` given a function),
not written at every checkout: a scrape reads the answering process's pools as they are then.
In multiprocess mode the other workers' figures are what each last wrote to its file, so their
owner also writes them between scrapes (``record_pool(used=..., ...)``, at most once a second
in the reference app).
"""

from __future__ import annotations

import os
import re
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, overload

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric

from settings._errors import ImproperlyConfigured
from settings.contrib._settings import Settings
from settings.contrib._workers import worker_count
from settings.contrib.metrics._config import (
    MULTIPROC_VARIABLE,
    metrics_enabled,
    multiprocess_directory_problem,
)

#: A pool's figures: connections in use, open and idle, and the most it may open.
PoolFigures = tuple[int, int, int]
#: Seconds; OpenTelemetry's advice for HTTP server durations.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
#: The files of a live gauge of one process, in a multiprocess directory.
_LIVE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")


@dataclass(frozen=True)
class Instruments:
    """This process's instruments (one set, whatever number of apps it builds)."""

    registry: CollectorRegistry
    connections: Gauge
    connections_max: Gauge
    pending: Gauge
    timeouts: Counter
    failures: Counter
    wait_time: Histogram
    request_duration: Histogram
    settings_info: Gauge


@cache
def instruments() -> Instruments:
    """Made once per process, on first use."""
    registry = CollectorRegistry(auto_describe=True)
    pool = ["db_client_connection_pool_name"]
    return Instruments(
        registry=registry,
        connections=Gauge(
            "db_client_connection_count",
            "Connections in the pool, by state.",
            ["db_client_connection_state", *pool],
            registry=registry,
            multiprocess_mode="livesum",
        ),
        connections_max=Gauge(
            "db_client_connection_max",
            "The most connections the pool may open.",
            pool,
            registry=registry,
            multiprocess_mode="livesum",
        ),
        pending=Gauge(
            "db_client_connection_pending_requests",
            "Requests waiting for a connection.",
            pool,
            registry=registry,
            multiprocess_mode="livesum",
        ),
        timeouts=Counter(
            "db_client_connection_timeouts",
            "Waits for a pooled connection that ended in a timeout.",
            pool,
            registry=registry,
        ),
        failures=Counter(
            "db_client_connection_failures",
            "Attempts to get a connection that failed, by reason (timeout, too_many_connections,"
            " authentication, unreachable, ...).",
            ["error_type", *pool],
            registry=registry,
        ),
        wait_time=Histogram(
            "db_client_connection_wait_time_seconds",
            "Time it took to obtain a connection from the pool.",
            pool,
            registry=registry,
            buckets=DURATION_BUCKETS,
        ),
        request_duration=Histogram(
            "http_server_request_duration_seconds",
            "Duration of HTTP server requests.",
            ["http_request_method", "http_route", "http_response_status_code"],
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


@dataclass
class _Recording:
    """What this process records, as the last settings given to :func:`record_settings` say,
    and the series it writes most often, looked up once (``labels()`` costs more than a set)."""

    enabled: bool | None = None  # None: no settings given yet
    pool_name: str = ""
    settings_labels: tuple[str, str] | None = None
    pool: PoolFigures | None = None  # used, idle, maximum: the last figures given
    source: Callable[[], PoolFigures] | None = None  # read at each scrape
    pending: int = 0  # waits for a connection under way (pool_wait), written with the figures
    series: dict[str, Any] = field(default_factory=dict)

    def name_pool(self, name: str) -> None:
        """Look up the pool's series under ``name``; the old name's leave this process."""
        found = instruments()
        if self.series and name == self.pool_name:
            return
        if self.series:  # a reload renamed the pool
            for gauge in (found.connections, found.connections_max, found.pending):
                _forget_series(gauge)
        self.pool_name = name
        self.series = {
            "used": found.connections.labels("used", name),
            "idle": found.connections.labels("idle", name),
            "max": found.connections_max.labels(name),
            "pending": found.pending.labels(name),
            "timeouts": found.timeouts.labels(name),
            "wait": found.wait_time.labels(name),
        }


_recording = _Recording()


def _forget_series(gauge: Gauge) -> None:
    """Every series of ``gauge`` at 0 (what a multiprocess file keeps), then removed.

    In multiprocess mode prometheus-client warns on every ``clear()`` that it cannot remove a
    series from the shared files: the 0 just written is what they keep, so that warning (on
    stderr at each reload) is silenced here, and only it."""
    for labels in list(gauge._metrics):
        gauge.labels(*labels).set(0)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Clearing labels", UserWarning)
        gauge.clear()


def pool_name(settings: Settings) -> str:
    """The pool's name: the ``application_name`` its connections show in ``pg_stat_activity``
    (or the SQLite file's name), with any copy of a secret masked: ``/metrics`` is an output
    like any other, often readable by more people than the logs."""
    from settings._redact import redact
    from settings.contrib.database._driver import APPLICATION_NAME

    database = settings.database
    if database.is_sqlite:
        name = Path(database.database).name
    else:
        name = database.options.get("application_name", APPLICATION_NAME)
    return redact(name, settings)


def record_settings(settings: Settings) -> None:
    """Call it at start and after a reload: ``metrics.enabled`` decides whether anything is
    recorded from now on, and ``app_settings_info{environment,fingerprint} 1`` names the
    settings this process serves (the previous fingerprint's series goes).

    Raises :class:`ImproperlyConfigured` when metrics are on and ``PROMETHEUS_MULTIPROC_DIR``
    names no directory. Logs a warning when several workers serve without it (their figures
    cannot be added up), or when how many cannot be known.
    """
    recording = _recording
    if not metrics_enabled(settings):
        recording.enabled = False
        return
    require_multiprocess_directory()
    found = instruments()
    labels = (settings.environment, settings.fingerprint)
    if recording.settings_labels not in (None, labels):
        _forget_series(found.settings_info)
    found.settings_info.labels(*labels).set(1)
    recording.settings_labels = labels
    recording.name_pool(pool_name(settings))
    recording.enabled = True
    _refresh_pool()
    _warn_about_workers(settings)


def require_multiprocess_directory() -> None:
    """:class:`ImproperlyConfigured` naming the variable and the path when
    ``PROMETHEUS_MULTIPROC_DIR`` is set but names no directory (``metrics.E001``, which
    ``check --deploy`` reports too)."""
    problem = multiprocess_directory_problem()
    if problem is not None:
        raise ImproperlyConfigured([problem])


def _warn_about_workers(settings: Settings) -> None:
    import logging

    logger = logging.getLogger("settings.metrics")
    if os.environ.get(MULTIPROC_VARIABLE):
        return
    workers = worker_count(settings)
    if workers.count is not None and workers.count > 1:
        logger.warning(
            "%d workers (%s) but %s is not set: /metrics shows only the worker that answers; "
            "set it to an empty directory shared by the workers",
            workers.count,
            workers.source,
            MULTIPROC_VARIABLE,
        )


@overload
def record_pool(source: Callable[[], PoolFigures], /) -> None: ...


@overload
def record_pool(*, used: int, idle: int, maximum: int) -> None: ...


def record_pool(
    source: Callable[[], PoolFigures] | None = None,
    /,
    *,
    used: int = 0,
    idle: int = 0,
    maximum: int = 0,
) -> None:
    """The connection pools of this process, added up by their owner: connections in use,
    open and idle, and the most its pools may open.

    ``record_pool(source)``: ``source()`` returns ``(used, idle, maximum)`` and is called when
    ``/metrics`` is scraped (and now), so a checkout costs the owner nothing here.
    ``record_pool(used=..., idle=..., maximum=...)``: these figures, written now; in multiprocess
    mode the owner calls it between scrapes, since a scrape reads the other workers' files.
    Kept, and written once :func:`record_settings` says metrics are on."""
    recording = _recording
    if source is not None:
        recording.source = source
        _refresh_pool()
        return
    recording.pool = (used, idle, maximum)
    if recording.enabled:
        _write_pool(used, idle, maximum)


def _refresh_pool() -> None:
    """Write the pool's figures as its source says now (or as last given), if metrics are on."""
    recording = _recording
    if recording.source is not None:
        recording.pool = recording.source()
    if recording.enabled and recording.pool is not None:
        _write_pool(*recording.pool)


def _write_pool(used: int, idle: int, maximum: int) -> None:
    series = _recording.series
    series["used"].set(used)
    series["idle"].set(idle)
    series["max"].set(maximum)
    series["pending"].set(_recording.pending)


class pool_wait:  # noqa: N801 - used as a function, ``with pool_wait(...)``
    """Around one wait for a pooled connection: counted as pending meanwhile (written with the
    pool's figures), its duration observed, and counted as a failure by reason when it raises
    (as a timeout when it raises one of ``timeout_errors``). Records nothing while metrics are
    off.

    A class, not ``@contextmanager``: it is on every request's path."""

    __slots__ = ("series", "started", "timeout_errors")

    def __init__(self, timeout_errors: tuple[type[BaseException], ...] = ()) -> None:
        self.timeout_errors = timeout_errors
        self.series = _recording.series if _recording.enabled else None

    def __enter__(self) -> None:
        if self.series is not None:
            _recording.pending += 1
            self.started = time.perf_counter()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        series = self.series
        if series is None:
            return
        _recording.pending -= 1
        series["wait"].observe(time.perf_counter() - self.started)
        if error is None:
            return
        if isinstance(error, self.timeout_errors):
            series["timeouts"].inc()
        reason = failure_reason(error, self.timeout_errors)
        instruments().failures.labels(reason, _recording.pool_name).inc()


def failure_reason(error: BaseException, timeout_errors: tuple[type[BaseException], ...]) -> str:
    """Why a connection could not be had, as a label: ``timeout`` (none free in the pool),
    PostgreSQL's condition name for its SQLSTATE (``too_many_connections``,
    ``invalid_password`` ...), ``connect_timeout``, ``unreachable``, or the error's class."""
    if isinstance(error, timeout_errors):
        return "timeout"
    cause: BaseException | None = error
    while cause is not None:
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str):
            return _CONDITIONS.get(state, f"sqlstate_{state}")
        if isinstance(cause, TimeoutError):
            return "connect_timeout"
        if isinstance(cause, OSError):
            return "unreachable"
        cause = getattr(cause, "orig", None) or cause.__cause__
    return type(error).__name__


#: PostgreSQL's condition names of the SQLSTATEs a connection attempt meets.
_CONDITIONS = {
    "53300": "too_many_connections",
    "28P01": "invalid_password",
    "28000": "invalid_authorization_specification",
    "3D000": "invalid_catalog_name",
    "57P03": "cannot_connect_now",
    "08006": "connection_failure",
    "08001": "sqlclient_unable_to_establish_sqlconnection",
    "08004": "sqlserver_rejected_establishment_of_sqlconnection",
}


def forget_process() -> None:
    """At shutdown: this worker's live gauges no longer count (multiprocess mode only)."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory and os.path.isdir(directory):
        multiprocess.mark_process_dead(os.getpid(), directory)  # type: ignore[no-untyped-call]


def forget_dead_processes(directory: str) -> list[int]:
    """Mark dead the workers whose live gauges are in ``directory`` but whose process is gone
    (killed with SIGKILL, so it never ran :func:`forget_process`); the pids found."""
    dead = set()
    for name in os.listdir(directory):
        match = _LIVE_FILE.fullmatch(name)
        if match is not None and not _alive(int(match[1])):
            dead.add(int(match[1]))
    for pid in dead:
        multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]
    return sorted(dead)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


class _Exposed:
    """A collector of what ``/metrics`` shows: no ``*_created`` samples, and no
    ``app_settings_info`` series at 0 (the fingerprints a reload replaced)."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        for metric in self.source.collect():
            metric.samples = list(_kept(metric))
            yield metric


def _kept(metric: Metric) -> Iterator[Any]:
    for sample in metric.samples:
        if sample.name.endswith("_created"):
            continue
        if metric.name == "app_settings_info" and sample.value == 0:
            continue
        yield sample


def exposition() -> bytes:
    """Every live worker's figures in multiprocess mode, else this process's; this process's
    pool figures read first."""
    _refresh_pool()
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory:
        require_multiprocess_directory()
        forget_dead_processes(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(_Exposed(registry))
    return generate_latest(_Exposed(instruments().registry))
