"""The application factory: ``uvicorn app.main:app`` serves it.

Importing this module reads no file, no variable and no database. The lifespan loads and checks
the settings once (or takes those given to :func:`create_app`), creates the connection manager,
and disposes it at shutdown. Invalid settings print the report on stderr and abort the startup,
so the server exits non-zero before it serves.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from starlette.middleware import Middleware

from app import health, metrics
from app.db import DatabaseManager
from app.errors import ErrorMiddleware, install_exception_handlers
from app.logging import configure_logging, log_startup
from app.middleware import RequestIdMiddleware, SettingsMiddleware
from settings import ImproperlyConfigured, Settings, get_settings
from settings.build import PRODUCTION
from settings.checks import run_checks


class StartupError(RuntimeError):
    """The settings are invalid; the report is already on stderr."""


def checked_settings(given: Settings | None) -> Settings:
    """``given``, or the process settings, with every error raised as one report."""
    settings = given or get_settings()
    problems = run_checks(settings, deploy=settings.environment == PRODUCTION)
    errors = [problem for problem in problems if problem.is_error]
    if errors:
        raise ImproperlyConfigured(errors)
    configure_logging(settings)
    log_startup(settings, settings.database.url.render_as_string(hide_password=True), problems)
    return settings


def _lifespan(given: Settings | None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            settings = checked_settings(given)
        except ImproperlyConfigured as exc:
            print(exc, file=sys.stderr, flush=True)  # the report holds no secret, by contract
            raise StartupError("invalid settings; the report is above") from None
        database = DatabaseManager.for_settings(settings)
        await database.initialize()
        await database.check_budget()
        metrics.record_settings(settings)
        app.state.settings, app.state.database = settings, database
        try:
            yield
        finally:
            await database.dispose()
            metrics.forget_process()

    return lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app. With ``settings=None`` the lifespan loads them with ``get_settings()``."""
    app = FastAPI(
        title="fastapi-layered-settings",
        lifespan=_lifespan(settings),
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(metrics.MetricsMiddleware),
            Middleware(SettingsMiddleware),
            Middleware(ErrorMiddleware),
        ],
    )
    install_exception_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    return app


app = create_app()
