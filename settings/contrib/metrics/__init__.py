"""The metrics battery: ``MetricsConfig`` (the ``metrics`` section), and ``GET /metrics`` in the
Prometheus text format (prometheus-client) for any application on the framework. Importing
:mod:`settings` or :mod:`settings.fastapi` never imports prometheus-client: only the names below
other than ``MetricsConfig`` do, on first use::

    from settings.contrib.metrics import MetricsMiddleware, metrics_router
    from settings.fastapi import settings_middleware

    app = FastAPI(lifespan=..., middleware=settings_middleware(Middleware(MetricsMiddleware)))
    app.include_router(metrics_router())

What it counts: request durations by route template and status (:class:`MetricsMiddleware`),
``app_settings_info{environment,fingerprint} 1`` (:func:`record_settings`, at start and after a
reload), and a connection pool under OpenTelemetry's database-client names, fed by its owner
(:func:`record_pool`, :func:`pool_wait`). ``metrics.enabled`` turns the route and the timing
off. With several workers, ``PROMETHEUS_MULTIPROC_DIR`` adds their figures up
(:func:`forget_process` at a worker's shutdown).

    _config.py       MetricsConfig, and metrics.E001: PROMETHEUS_MULTIPROC_DIR names no directory
    _instruments.py  the instruments, made on first use, and what feeds them
    _middleware.py   MetricsMiddleware
    _routes.py       metrics_router: GET /metrics
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from settings.contrib.metrics._config import MetricsConfig

if TYPE_CHECKING:
    from settings.contrib.metrics._instruments import (
        forget_process,
        pool_wait,
        record_pool,
        record_settings,
    )
    from settings.contrib.metrics._middleware import MetricsMiddleware
    from settings.contrib.metrics._routes import metrics_router

__all__ = [
    "MetricsConfig",
    "MetricsMiddleware",
    "forget_process",
    "metrics_router",
    "pool_wait",
    "record_pool",
    "record_settings",
]

#: Where each name that needs prometheus-client lives: imported on first use (PEP 562).
_LAZY = {
    "MetricsMiddleware": "_middleware",
    "forget_process": "_instruments",
    "metrics_router": "_routes",
    "pool_wait": "_instruments",
    "record_pool": "_instruments",
    "record_settings": "_instruments",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
