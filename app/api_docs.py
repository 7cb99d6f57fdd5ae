"""The API's documentation, ``/openapi.json``, ``/docs`` and ``/redoc``, served only where
``api_docs`` is on: off in production (``settings.toml [production]``), as most production
FastAPI deployments choose, so a public API does not publish its whole surface.

FastAPI adds these routes when the app is built, before the lifespan has loaded the settings;
so the app is built without them (:mod:`app.main`) and these routes, FastAPI's own pages, ask
the request's settings: a reload that turns ``api_docs`` on or off takes effect at once.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, JSONResponse

from app.deps import SettingsDep

OPENAPI_URL = "/openapi.json"
DOCS_URL = "/docs"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
REDOC_URL = "/redoc"

router = APIRouter(include_in_schema=False)


def _served(settings: SettingsDep) -> None:
    if not settings.api_docs:
        raise HTTPException(status_code=404, detail="Not Found")  # as if there were no route


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")


def _openapi_url(request: Request) -> str:
    return _root(request) + OPENAPI_URL


@router.get(OPENAPI_URL)
async def openapi(request: Request, settings: SettingsDep) -> JSONResponse:
    _served(settings)
    return JSONResponse(request.app.openapi())


@router.get(DOCS_URL)
async def swagger_ui(request: Request, settings: SettingsDep) -> HTMLResponse:
    _served(settings)
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} - Swagger UI",
        oauth2_redirect_url=_root(request) + OAUTH2_REDIRECT_URL,
    )


@router.get(OAUTH2_REDIRECT_URL)
async def swagger_ui_redirect(settings: SettingsDep) -> HTMLResponse:
    _served(settings)
    return get_swagger_ui_oauth2_redirect_html()


@router.get(REDOC_URL)
async def redoc(request: Request, settings: SettingsDep) -> HTMLResponse:
    _served(settings)
    return get_redoc_html(openapi_url=_openapi_url(request), title=f"{request.app.title} - ReDoc")
