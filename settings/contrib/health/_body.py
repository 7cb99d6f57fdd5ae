"""The ``application/health+json`` body (IETF draft-inadarei-api-health-check) of a readiness
probe: a ``status`` of ``pass``, ``warn`` or ``fail`` (the worst of its entries) and one list of
entries per measurement under ``checks``, keyed ``component:measurement``.

Each readiness check gives one :class:`Report`: its round trip (the ``<name>:responseTime``
entry) and any entries of its own (the database's pool counters). Every entry of one body is
stamped with the same ``time``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Literal

HEALTH_JSON = "application/health+json"
Status = Literal["pass", "warn", "fail"]
_SEVERITY: dict[str, int] = {"pass": 0, "warn": 1, "fail": 2}

#: One entry of ``checks``: ``componentType``, ``status``, ``observedValue`` ... (no ``time``).
Entry = Mapping[str, Any]


class HealthCheck:
    """One round trip: whether it worked, how long it took, and what failed, in words safe for a
    public body (no host, no message)."""

    __slots__ = ("failure", "latency_ms", "ok")
    __match_args__ = ("ok", "latency_ms", "failure")

    def __init__(self, ok: bool, latency_ms: float, failure: str | None = None) -> None:
        self.ok: Final = ok
        self.latency_ms: Final = latency_ms
        self.failure: Final = failure

    def __repr__(self) -> str:
        return (
            f"HealthCheck(ok={self.ok!r}, latency_ms={self.latency_ms!r}, failure={self.failure!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HealthCheck):
            return NotImplemented
        return (self.ok, self.latency_ms, self.failure) == (
            other.ok,
            other.latency_ms,
            other.failure,
        )

    def __hash__(self) -> int:
        return hash((self.ok, self.latency_ms, self.failure))


class Report:
    """What one readiness check found: its round trip, the ``componentType`` of that entry
    (``datastore`` for a database), and entries of its own keyed ``component:measurement``."""

    __slots__ = ("check", "component_type", "entries")
    __match_args__ = ("check", "component_type", "entries")

    def __init__(
        self,
        check: HealthCheck,
        component_type: str = "component",
        entries: Mapping[str, Sequence[Entry]] | None = None,
    ) -> None:
        self.check: Final = check
        self.component_type: Final = component_type
        self.entries: Final = {} if entries is None else entries

    def __repr__(self) -> str:
        return (
            f"Report(check={self.check!r}, component_type={self.component_type!r}, "
            f"entries={self.entries!r})"
        )

    def __eq__(self, other: object) -> bool:  # no __hash__: ``entries`` is a dict
        if not isinstance(other, Report):
            return NotImplemented
        return (self.check, self.component_type, self.entries) == (
            other.check,
            other.component_type,
            other.entries,
        )


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
