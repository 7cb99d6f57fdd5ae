"""The metrics battery's section: whether ``/metrics`` is served."""

from __future__ import annotations

from pydantic import Field

from settings.schema import Section


class MetricsConfig(Section):
    """The Prometheus ``/metrics`` route."""

    enabled: bool = Field(default=True, description="Serve /metrics.")
