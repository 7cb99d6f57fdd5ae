"""``/health/live`` and ``/health/ready`` in the ``application/health+json`` format.

The body follows the IETF draft *Health Check Response Format for HTTP APIs*
(draft-inadarei-api-health-check): a ``status`` of ``pass``, ``warn`` or ``fail`` and one entry
per measurement under ``checks``, keyed ``component:measurement``. ``warn`` is still ready (200):
it means the pool is using overflow connections, or (``database:budget``) that the app's
connection ceiling is above what the server allows. ``fail`` is 503. ``settings:fingerprint``
names the settings served, so replicas running different settings can be told apart. The
application's own readiness checks (:mod:`app.readiness`: Redis when ``redis_url`` is set) add
an entry each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from app.db import HealthCheck, PoolStatus
from app.deps import DatabaseDep, SettingsDep
from app.readiness import run_readiness_checks
from settings.contrib.database._budget import Budget

HEALTH_JSON = "application/health+json"
Status = Literal["pass", "warn", "fail"]
_SEVERITY: dict[Status, int] = {"pass": 0, "warn": 1, "fail": 2}

router = APIRouter(prefix="/health", tags=["health"])


class HealthResponse(JSONResponse):
    media_type = HEALTH_JSON


@router.get("/live", response_class=HealthResponse)
async def live() -> HealthResponse:
    """200 while the process serves. Touches nothing, so a slow database cannot fail it."""
    return HealthResponse({"status": "pass"})


@router.get(
    "/ready",
    response_class=HealthResponse,
    responses={503: {"description": "The database did not answer in time."}},
)
async def ready(database: DatabaseDep, settings: SettingsDep) -> HealthResponse:
    """200 when the database answers ``SELECT 1`` within ``connect_timeout`` and every readiness
    check of the application (:mod:`app.readiness`) passes, else 503."""
    check, others = await asyncio.gather(database.health_check(), run_readiness_checks(settings))
    now = datetime.now(UTC)
    body = readiness(
        check,
        database.pool_status(),
        now,
        budget=database.budget,
        fingerprint=settings.fingerprint,
        others=others,
    )
    status_code = 503 if body["status"] == "fail" else 200
    return HealthResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})


def readiness(
    check: HealthCheck,
    pool: PoolStatus,
    now: datetime,
    *,
    budget: Budget | None = None,
    fingerprint: str | None = None,
    others: Mapping[str, HealthCheck] | None = None,
) -> dict[str, Any]:
    """The health+json body for one database check, the pool's counters, the connection
    budget (when measured at startup), the settings' fingerprint and the application's own
    checks (``others``, each under its own name)."""
    time = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    connections = {
        "componentType": "datastore",
        "status": "warn" if pool.overflow else "pass",
        "observedValue": {
            "size": pool.size,
            "checked_out": pool.checked_out,
            "overflow": pool.overflow,
        },
        "time": time,
    }
    checks: dict[str, list[dict[str, Any]]] = {
        "database:responseTime": [_response_time(check, "datastore", time)],
        "database:connections": [connections],
    }
    if budget is not None:
        entry: dict[str, Any] = {
            "componentType": "datastore",
            "status": "warn" if budget.exceeded else "pass",
            "observedValue": {"ceiling": budget.ceiling, "allowed": budget.allowance.allowed},
            "observedUnit": "connections",
            "time": time,
        }
        if budget.exceeded:
            entry["output"] = "the app may open more connections than the server allows"
        checks["database:budget"] = [entry]
    if fingerprint is not None:
        checks["settings:fingerprint"] = [
            {"componentType": "system", "status": "pass", "observedValue": fingerprint}
        ]
    for name, other in (others or {}).items():
        checks[f"{name}:responseTime"] = [_response_time(other, "component", time)]
    status = max(
        (entry["status"] for entries in checks.values() for entry in entries),
        key=_SEVERITY.__getitem__,
    )
    return {"status": status, "checks": checks}


def _response_time(check: HealthCheck, component_type: str, time: str) -> dict[str, Any]:
    """One round trip as a health+json entry; ``output`` says what failed."""
    entry: dict[str, Any] = {
        "componentType": component_type,
        "status": "pass" if check.ok else "fail",
        "observedValue": check.latency_ms,
        "observedUnit": "ms",
        "time": time,
    }
    if check.failure:
        entry["output"] = check.failure
    return entry
