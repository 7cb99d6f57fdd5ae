"""The database in ``/health/ready``: its ``SELECT 1`` round trip, the pool's counters and the
connection budget, as a readiness check of the framework's registry
(:mod:`settings.contrib.health`, which serves ``/health/live`` and ``/health/ready``).

``database:connections`` warns (still ready) while the pool uses overflow connections or has
none free (the app's own load, not the database's health: the round trip then goes over a
connection of its own), and ``database:budget`` when the app's connection ceiling is above
what the server allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request

from app.db import DatabaseManager, PoolStatus
from settings import Settings
from settings.contrib.database import Budget
from settings.contrib.health import HealthCheck, Report, health_body, readiness_check


def _timeout(settings: Settings) -> float:
    """A bound above ``connect_timeout``, which the manager's own check keeps to."""
    return settings.database.connect_timeout + 1.0


@readiness_check("database", timeout=_timeout)
async def database(settings: Settings, request: Request) -> Report | None:
    """``SELECT 1`` within ``connect_timeout`` (:meth:`DatabaseManager.health_check`); left
    out for an app that has no database manager."""
    manager: DatabaseManager | None = getattr(request.app.state, "database", None)
    if manager is None:
        return None
    with manager.held():  # a reload that replaces it meanwhile disposes it only after
        check = await manager.health_check()
    return database_report(check, manager.pool_status(), manager.budget)


def database_report(check: HealthCheck, pool: PoolStatus, budget: Budget | None = None) -> Report:
    """The round trip, the pool's counters and the budget (when measured at startup)."""
    connections: dict[str, Any] = {
        "componentType": "datastore",
        "status": "warn" if pool.overflow or pool.busy else "pass",
        "observedValue": {
            "size": pool.size,
            "checked_out": pool.checked_out,
            "overflow": pool.overflow,
        },
    }
    if pool.busy:
        connections["output"] = "every pooled connection is in use"
    entries: dict[str, list[dict[str, Any]]] = {"database:connections": [connections]}
    if budget is not None:
        entry: dict[str, Any] = {
            "componentType": "datastore",
            "status": budget.status,
            "observedValue": {"ceiling": budget.ceiling, "allowed": budget.allowance.allowed},
            "observedUnit": "connections",
        }
        if budget.output is not None:
            entry["output"] = budget.output
        entries["database:budget"] = [entry]
    return Report(check, component_type="datastore", entries=entries)


def readiness(
    check: HealthCheck, pool: PoolStatus, now: datetime, *, budget: Budget | None = None
) -> dict[str, Any]:
    """The health+json body of the database alone, measured at ``now``."""
    return health_body({"database": database_report(check, pool, budget)}, now)
