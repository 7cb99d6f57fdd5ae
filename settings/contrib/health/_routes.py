"""``/health/live`` and ``/health/ready``, the routes of :func:`health_router`.

``live`` touches nothing, so a slow dependency cannot fail it. ``ready`` runs every readiness
check that applies (:mod:`settings.contrib.health._registry`) and answers 200 for ``pass`` and
``warn`` (still ready: a pool on overflow connections, say), 503 for ``fail``, never cached.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.requests import Request

from settings.contrib.health._body import HEALTH_JSON, health_body
from settings.contrib.health._registry import run_readiness_checks
from settings.fastapi import SettingsDep


class HealthResponse(JSONResponse):
    media_type = HEALTH_JSON


def health_router(prefix: str = "/health") -> APIRouter:
    """A router with ``{prefix}/live`` and ``{prefix}/ready``:
    ``app.include_router(health_router())``."""
    router = APIRouter(prefix=prefix, tags=["health"])

    @router.get("/live", response_class=HealthResponse)
    async def live() -> HealthResponse:
        """200 while the process serves. Touches nothing, so a slow database cannot fail it."""
        return HealthResponse({"status": "pass"})

    @router.get(
        "/ready",
        response_class=HealthResponse,
        responses={503: {"description": "A readiness check failed or did not answer in time."}},
    )
    async def ready(request: Request, settings: SettingsDep) -> HealthResponse:
        """200 when every readiness check that applies passes (or warns), else 503."""
        reports = await run_readiness_checks(settings, request)
        body = health_body(reports, datetime.now(UTC), fingerprint=settings.fingerprint)
        status_code = 503 if body["status"] == "fail" else 200
        return HealthResponse(body, status_code=status_code, headers={"Cache-Control": "no-store"})

    return router
