"""The batteries, Django's contrib in spirit, and :class:`Settings`, the core with all of them.

Each battery brings its section, its rules and what acts on it; the core
(:mod:`settings.schema`, :mod:`settings.sources` ... :mod:`settings.checks`) imports none of
them, and a model without a battery pays nothing for it:

- :mod:`.database`: ``DatabaseConfig`` (the URL, ``DATABASE_URL``, driver arguments, the
  connection budget, PgBouncer, password rotation) and its rules;
- :mod:`.web`: ``CorsConfig``, the host check, CORS and a 500 without secrets, and the
  ``security.`` rules of ``debug``, ``secret_key``, ``allowed_hosts`` and ``cors``;
- :mod:`.server`: ``ServerConfig`` (workers and replicas, for the connection budget);
- :mod:`.metrics`: ``MetricsConfig``, the Prometheus ``/metrics`` route and the rule of its
  multiprocess directory (``metrics.E001``).
"""

from settings.contrib._settings import Settings
from settings.contrib.database import _checks as _database_checks  # noqa: F401

# The batteries' rules, registered with the model they are written for.
from settings.contrib.web import _checks as _web_checks  # noqa: F401

__all__ = ["Settings"]
