"""The application factory: ``uvicorn app.main:app`` serves it.

Importing this module reads no file, no variable and no database. The lifespan loads and checks
the settings once with the application's own model (:class:`app.config.AppSettings`, wherever the
app is started from), or checks those given to :func:`create_app`; it creates the connection
manager and disposes it at shutdown. Invalid settings stop the start: the report is the last
thing printed on stderr, without a traceback, and uvicorn exits with status 3.

Settings it loaded itself are reloaded on SIGHUP (:mod:`settings.fastapi._reload`,
:mod:`app.reload`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from app import features, health, metrics
from app.config import AppSettings
from app.db import DatabaseManager
from app.errors import ErrorMiddleware, install_exception_handlers
from app.logging import audit_logger, configure_logging, log_audit, log_startup
from app.middleware import RequestIdMiddleware
from app.reload import AppReload, InFlightMiddleware
from settings import Settings
from settings.fastapi import SettingsMiddleware, StartupGuard, start_settings
from settings.fastapi._reload import SettingsReloader


def _lifespan(given: Settings | None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings, warnings = start_settings(given, model=AppSettings)
        configure_logging(settings)
        database = DatabaseManager.for_settings(settings)  # connects to nothing yet
        log_startup(settings, database.target, warnings)
        log_audit(None, settings)
        await database.initialize()
        await database.check_budget()  # before serving: its connection is not one of the pool's
        metrics.record_settings(settings)
        app.state.settings, app.state.database = settings, database
        app.state.reload = swap = AppReload(app)
        reloader = SettingsReloader(app, logger=audit_logger, swap=swap)
        if given is None:  # settings given to create_app are the caller's, not the files'
            reloader.install()
        try:
            yield
        finally:
            await reloader.uninstall()
            await swap.close()
            await app.state.database.dispose()
            metrics.forget_process()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app. With ``settings=None`` the lifespan loads :class:`AppSettings`."""
    app = FastAPI(
        title="fastapi-layered-settings",
        lifespan=_lifespan(settings),
        middleware=[
            Middleware(StartupGuard),
            Middleware(RequestIdMiddleware),
            Middleware(metrics.MetricsMiddleware),
            Middleware(InFlightMiddleware),
            Middleware(SettingsMiddleware),
            Middleware(ErrorMiddleware),
        ],
    )
    install_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(features.router)
    app.include_router(metrics.router)
    return app


app = create_app()
