"""The metrics battery's section, whether ``/metrics`` is served, and its rule: the directory
where prometheus-client keeps every worker's figures (``PROMETHEUS_MULTIPROC_DIR``) must be one.

The rule is a deployment rule, so that ``python -m settings check --deploy`` refuses what the
start would: the start itself refuses it in any environment
(:func:`._instruments.record_settings`), with the same problem. The variable is read from the
process's environment, as prometheus-client reads it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from pydantic import Field

from settings._errors import Problem
from settings.checks import Error, register
from settings.schema import BaseSettings, Section


class MetricsConfig(Section):
    """The Prometheus ``/metrics`` route."""

    enabled: bool = Field(default=True, description="Serve /metrics.")


def metrics_enabled(settings: Any) -> bool:
    """``metrics.enabled`` of the model's ``metrics`` section (the battery's, or one of the
    application's own with an ``enabled`` flag); on by default, as :class:`MetricsConfig` is,
    for a model without one (a bare ``BaseSettings`` given ``MetricsMiddleware``)."""
    enabled = getattr(getattr(settings, "metrics", None), "enabled", True)
    return enabled if isinstance(enabled, bool) else True


MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

E001 = Error(
    "metrics.enabled",
    f"{MULTIPROC_VARIABLE} names no directory; prometheus-client keeps every worker's figures "
    "there",
    id="metrics.E001",
    origin=f"env {MULTIPROC_VARIABLE}",
    hint=f"create it empty before the start (mkdir -p), unset {MULTIPROC_VARIABLE} for one "
    "worker, or set metrics.enabled = false",
)


def multiprocess_directory_problem() -> Problem | None:
    """``metrics.E001`` naming the path and what it is, when ``PROMETHEUS_MULTIPROC_DIR`` is set
    but names no directory; else ``None``."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if directory is None or Path(directory).is_dir():
        return None
    what = "is a file" if Path(directory).exists() else "does not exist"
    return dataclasses.replace(
        E001,
        message=f"{MULTIPROC_VARIABLE}={directory}: {what}; prometheus-client keeps every "
        "worker's figures there",
        hint=f"create it empty before the start (mkdir -p {directory}), unset "
        f"{MULTIPROC_VARIABLE} for one worker, or set metrics.enabled = false",
    )


@register(id=E001.id, deploy=True)
def check_multiprocess_directory(settings: BaseSettings) -> list[Problem]:
    """Where the model has the battery's ``metrics`` section and it is enabled."""
    section = getattr(settings, "metrics", None)
    if not isinstance(section, MetricsConfig) or not section.enabled:
        return []
    problem = multiprocess_directory_problem()
    return [] if problem is None else [problem]
