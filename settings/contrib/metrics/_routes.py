"""``GET /metrics``, the route of :func:`metrics_router`."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response

from settings.contrib.metrics._config import metrics_enabled
from settings.contrib.metrics._instruments import exposition
from settings.fastapi import app_settings


def metrics_router(path: str = "/metrics") -> APIRouter:
    """A router with ``GET {path}`` in the Prometheus text format, 404 while
    ``metrics.enabled`` is off: ``app.include_router(metrics_router())``."""
    router = APIRouter(tags=["metrics"])

    @router.get(path, include_in_schema=False)
    async def metrics(request: Request) -> Response:
        """The Prometheus text format; 404 when ``metrics.enabled`` is off."""
        if not metrics_enabled(app_settings(request.app)):
            raise HTTPException(status_code=404, detail="Not Found")
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return router
