"""The metrics battery: the Prometheus ``/metrics`` route and what it counts."""

from settings.contrib.metrics._config import MetricsConfig

__all__ = ["MetricsConfig"]
