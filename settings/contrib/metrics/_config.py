"""The metrics battery's section: whether ``/metrics`` is served."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from settings.schema import Section


class MetricsConfig(Section):
    """The Prometheus ``/metrics`` route."""

    enabled: bool = Field(default=True, description="Serve /metrics.")


_DEFAULTS = MetricsConfig()


def metrics_of(settings: Any) -> MetricsConfig:
    """The settings' ``metrics`` section; its defaults for a model without the metrics
    battery's section (a bare ``BaseSettings`` an application gave ``MetricsMiddleware``)."""
    section = getattr(settings, "metrics", None)
    return section if isinstance(section, MetricsConfig) else _DEFAULTS
