"""The metrics battery's section: whether ``/metrics`` is served."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from settings.schema import Section


class MetricsConfig(Section):
    """The Prometheus ``/metrics`` route."""

    enabled: bool = Field(default=True, description="Serve /metrics.")


def metrics_enabled(settings: Any) -> bool:
    """``metrics.enabled`` of the model's ``metrics`` section (the battery's, or one of the
    application's own with an ``enabled`` flag); on by default, as :class:`MetricsConfig` is,
    for a model without one (a bare ``BaseSettings`` given ``MetricsMiddleware``)."""
    enabled = getattr(getattr(settings, "metrics", None), "enabled", True)
    return enabled if isinstance(enabled, bool) else True
