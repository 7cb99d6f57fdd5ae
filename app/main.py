"""The application factory: ``uvicorn app.main:app`` serves it.

Built from the framework's parts: :func:`settings.fastapi.settings_lifespan` loads and checks
the settings with the application's own model (:class:`app.config.AppSettings`, wherever the
app is started from), or checks those given to :func:`create_app`, and reloads the ones it
loaded on SIGHUP; :func:`settings.fastapi.settings_middleware` and the health and metrics
batteries (:mod:`settings.contrib.health`, :mod:`settings.contrib.metrics`) do the rest. What is
the app's own: its database manager (started and disposed by :func:`database_lifespan`), its
readiness checks (:mod:`app.health`, :mod:`app.readiness`), its reload swap
(:class:`app.reload.AppReload`) and its routes.

Importing this module reads no file, no variable and no database. Invalid settings stop the
start: the report is the last thing printed on stderr, without a traceback, and uvicorn exits
with status 3.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from starlette.middleware import Middleware

from app import api_docs, features, health, readiness  # noqa: F401 - readiness checks
from app.config import AppSettings
from app.db import DatabaseManager
from app.errors import install_exception_handlers
from app.logging import audit_logger, configure_logging, log_startup
from app.reload import AppReload
from settings import Settings
from settings.contrib.health import health_router
from settings.contrib.metrics import (
    MetricsMiddleware,
    forget_process,
    metrics_router,
    record_settings,
)
from settings.fastapi import settings_lifespan, settings_middleware


@asynccontextmanager
async def database_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """What the app starts once its settings are: its log, the database manager (connecting to
    nothing yet) and the reload swap; at shutdown the pool is disposed."""
    settings: Settings = app.state.settings
    configure_logging(settings)
    database = DatabaseManager.for_settings(settings)
    log_startup(settings, database.target)
    await database.initialize()
    await database.check_budget()  # before serving: its connection is not one of the pool's
    record_settings(settings)
    app.state.database, app.state.reload = database, AppReload(app)
    try:
        yield
    finally:
        await app.state.reload.close()
        await app.state.database.dispose()
        forget_process()


def create_app(settings: Settings | None = None, *, routers: Iterable[APIRouter] = ()) -> FastAPI:
    """A new app. With ``settings=None`` the lifespan loads :class:`AppSettings`.

    ``routers`` are more of the application's routes, included after its own. FastAPI matches
    routes in the order they were added (and since 0.137 tries included routers one by one,
    each of their routes in turn), so the app's own routes come first and the operational ones,
    which a probe or a scrape asks for every few seconds, last: a request to the app's routes
    does not pay for passing them. A catch-all route of the app's (``/{path:path}``, an SPA's
    fallback) would therefore shadow ``/health/*``, ``/metrics`` and the docs: mount it on a
    prefix, or add it after ``create_app`` returns. (A route added then is matched after them
    all.)
    """
    app = FastAPI(
        title="fastapi-layered-settings",
        # The documentation's routes follow the settings (api_docs): app/api_docs.py.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=settings_lifespan(
            settings,
            model=AppSettings,
            lifespan=database_lifespan,
            swap=AppReload.of,
            logger=audit_logger,
        ),
        middleware=settings_middleware(Middleware(MetricsMiddleware)),
    )
    install_exception_handlers(app)
    for router in (features.router, *routers, health_router(), metrics_router(), api_docs.router):
        app.include_router(router)
    return app


app = create_app()
