"""The ``application/health+json`` body (IETF draft-inadarei-api-health-check) of a readiness
probe: a ``status`` of ``pass``, ``warn`` or ``fail`` (the worst of its entries) and one list of
entries per measurement under ``checks``, keyed ``component:measurement``.

Each readiness check gives one :class:`Report`: its round trip (the ``<name>:responseTime``
entry) and any entries of its own (the database's pool counters). Every entry of one body is
stamped with the same ``time``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

HEALTH_JSON = "application/health+json"
Status = Literal["pass", "warn", "fail"]
_SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2}

#: One entry of ``checks``: ``componentType``, ``status``, ``observedValue`` ... (no ``time``).
Entry = Mapping[str, Any]


@dataclass(frozen=True)
class HealthCheck:
    """One round trip: whether it worked, how long it took, and what failed, in words safe for a
    public body (no host, no message)."""

    ok: bool
    latency_ms: float
    failure: str | None = None


@dataclass(frozen=True)
class Report:
    """What one readiness check found: its round trip, the ``componentType`` of that entry
    (``datastore`` for a database), and entries of its own keyed ``component:measurement``."""

    check: HealthCheck
    component_type: str = "component"
    entries: Mapping[str, Sequence[Entry]] = field(default_factory=dict)


def health_body(
    reports: Mapping[str, Report], now: datetime, *, fingerprint: str | None = None
) -> dict[str, Any]:
    """The body for ``reports`` (by check name), measured at ``now``; ``fingerprint`` adds the
    ``settings:fingerprint`` entry, so replicas serving different settings can be told apart."""
    time = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    checks: dict[str, list[dict[str, Any]]] = {}
    for name, report in reports.items():
        checks[f"{name}:responseTime"] = [_response_time(report, time)]
        for key, entries in report.entries.items():
            checks[key] = [_stamped(entry, time) for entry in entries]
    if fingerprint is not None:
        checks["settings:fingerprint"] = [
            {"componentType": "system", "status": "pass", "observedValue": fingerprint}
        ]
    statuses = [entry["status"] for entries in checks.values() for entry in entries]
    status = max(statuses, key=_SEVERITY.__getitem__, default="pass")
    return {"status": status, "checks": checks}


def _response_time(report: Report, time: str) -> dict[str, Any]:
    """One round trip as an entry; ``output`` says what failed."""
    check = report.check
    entry: dict[str, Any] = {
        "componentType": report.component_type,
        "status": "pass" if check.ok else "fail",
        "observedValue": check.latency_ms,
        "observedUnit": "ms",
        "time": time,
    }
    if check.failure:
        entry["output"] = check.failure
    return entry


def _stamped(entry: Entry, time: str) -> dict[str, Any]:
    """``entry`` with ``time``, placed before ``output`` as in every entry of the body."""
    stamped = {key: value for key, value in entry.items() if key != "output"}
    stamped["time"] = time
    if "output" in entry:
        stamped["output"] = entry["output"]
    return stamped
