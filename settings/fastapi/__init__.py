"""The FastAPI integration any application needs: settings loaded once at startup, handed to
handlers as the frozen object, with ``override_settings`` visible.

    from settings.fastapi import request_settings, settings_lifespan, settings_middleware

    SettingsDep = Annotated[AppSettings, Depends(request_settings)]  # typed with the model

    app = FastAPI(lifespan=settings_lifespan(model=AppSettings),
                  middleware=settings_middleware())

    @app.get("/flags")
    async def flags(settings: SettingsDep) -> dict[str, bool]:
        return settings.features

:func:`start_settings` loads the settings with the application's model (or checks the ones
given), and installs them as the process's, so :func:`settings.get_settings` returns the same
object wherever the app was started from. :data:`SettingsDep` is the same dependency typed with
the base :class:`Settings`.

An application adds what it starts itself (a database) with ``settings_lifespan(lifespan=...,
swap=...)`` and its own middleware with ``settings_middleware(...)``; the batteries
:mod:`settings.contrib.health` (readiness) and :mod:`settings.contrib.metrics` (``/metrics``)
bring their routes.

Invalid settings stop the start: :class:`StartupGuard` prints the report on stderr as the last
thing the server prints, without a traceback; uvicorn then exits with status 3.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Annotated, TypeVar, overload

from fastapi import Depends, FastAPI
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings._errors import ImproperlyConfigured, Problem
from settings._load import (
    checked_load,
    deploy_environments,
    deployment_rules_apply,
    errors_first,
)
from settings._process import as_model, process_settings
from settings.checks._run import run_checks
from settings.contrib._settings import Settings
from settings.contrib.web._drain import drain_for
from settings.contrib.web._error_page import ErrorMiddleware
from settings.contrib.web._middleware import SettingsMiddleware
from settings.contrib.web._request_id import REQUEST_ID_HEADER
from settings.contrib.web._served import app_settings, pin, scope_settings
from settings.fastapi._audit import audit_line
from settings.fastapi._previous import previous_settings, save_settings, state_directory
from settings.fastapi._reload import SettingsReloader, Swap
from settings.schema import BaseSettings
from settings.sources._discovery import ModelArgument, find_model

S = TypeVar("S", bound=BaseSettings)

__all__ = [
    "REQUEST_ID_HEADER",
    "ErrorMiddleware",
    "SettingsDep",
    "SettingsMiddleware",
    "StartupGuard",
    "app_settings",
    "pin",
    "request_settings",
    "settings_lifespan",
    "settings_middleware",
    "start_settings",
]


@overload
def start_settings(settings: S | None = None, *, model: type[S]) -> tuple[S, list[Problem]]: ...
@overload
def start_settings(
    settings: BaseSettings | None = None, *, model: str | None = None
) -> tuple[BaseSettings, list[Problem]]: ...
def start_settings(
    settings: BaseSettings | None = None, *, model: ModelArgument = None
) -> tuple[BaseSettings, list[Problem]]:
    """The settings to start with, and their warnings; raises :class:`ImproperlyConfigured`.

    Given ``settings`` are checked as a start checks them (a deployment environment runs the
    deployment rules); given ones of a base model of ``model`` (a class) are validated again as
    ``model``, its own fields taking their defaults. Otherwise they are loaded from the working
    directory with ``model`` (see :func:`settings.load_settings`) and become the process's
    settings.
    """
    if settings is not None and isinstance(model, type) and issubclass(model, type(settings)):
        settings = as_model(settings, model)
    if settings is None:
        settings = _process_settings_of(model)
    if settings is not None:
        deploy = deployment_rules_apply(settings.environment, deploy_environments(settings))
        problems = errors_first(run_checks(settings, deploy=deploy).problems)
        if any(problem.is_error for problem in problems):
            raise ImproperlyConfigured(problems)
        return settings, problems
    loaded, problems, _ = checked_load(model=model)
    process_settings.install(loaded)
    return loaded, problems


def _process_settings_of(model: ModelArgument) -> BaseSettings | None:
    """The process's settings if already loaded with ``model`` (a test's ``settings``
    fixture installs its environment's), so that the app and ``get_settings()`` agree."""
    current = process_settings.peek()
    if current is None:
        return None
    wanted = find_model(model, os.environ, Path.cwd())
    return current if type(current) is wanted else None


async def request_settings(connection: HTTPConnection) -> BaseSettings:
    """The dependency behind :data:`SettingsDep`. ``async`` on purpose: FastAPI runs a sync
    dependency in a thread pool, which costs more than the lookup itself. A request whose
    settings were pinned when it began (:func:`settings.fastapi.pin`) keeps them across a
    reload."""
    return scope_settings(connection.scope)


SettingsDep = Annotated[Settings, Depends(request_settings)]

_logger = logging.getLogger("settings")

#: What an application starts beside its settings (a database, a cache): a FastAPI lifespan,
#: run once ``app.state.settings`` is set, and left before the settings' own shutdown.
AppLifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def settings_lifespan(
    settings: BaseSettings | None = None,
    *,
    model: ModelArgument = None,
    lifespan: AppLifespan | None = None,
    swap: Callable[[FastAPI], Swap] | None = None,
    logger: logging.Logger | None = None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that loads (or checks) the settings at startup into ``app.state.settings``,
    runs the application's own ``lifespan`` inside it, logs the settings' warnings (an unknown
    ``APP_`` variable ...) and the startup audit line, and reloads settings it loaded itself on
    SIGHUP (:mod:`settings.fastapi._reload`).

    ``swap(app)``, called once the application's lifespan has started, gives what a reload
    calls to apply new settings (a new engine ...); by default a reload replaces
    ``app.state.settings``. ``logger`` takes every line (default: ``settings`` for the start,
    ``settings.reload`` for reloads); configure it (``logging.basicConfig(level="INFO")``,
    uvicorn's ``--log-config``) to see the INFO lines.
    """
    log = logger or _logger

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings, warnings = start_settings(settings, model=model)
        async with AsyncExitStack() as stack:
            if lifespan is not None:  # first: it may configure the logging used below
                await stack.enter_async_context(lifespan(app))
            for problem in warnings:  # a problem's text holds no secret
                problem.log(log)
            # what the process this one replaces ran (a worker restarted by uvicorn ...)
            directory = state_directory() if settings is None else None
            saved = previous_settings(app.state.settings, directory)
            log.info("%s", audit_line("startup", None, app.state.settings, saved=saved))
            save_settings(app.state.settings, directory)
            drain = app.state.drain = drain_for(app)
            if drain is not None:
                drain.install()
                stack.callback(drain.uninstall)
            reloader = app.state.settings_reloader = SettingsReloader(
                app, logger=logger, swap=None if swap is None else swap(app)
            )
            stack.push_async_callback(reloader.uninstall)  # before the application's own stop
            if settings is None:  # given settings are the caller's, not the files'
                reloader.install()
            yield

    return run


def settings_middleware(*inner: Middleware) -> list[Middleware]:
    """What an application built on the framework installs, outermost first: a clean report
    when its start is refused (:class:`StartupGuard`), then everything the settings decide
    about a request in one layer (:class:`SettingsMiddleware`: the pinned settings,
    ``X-Request-ID``, the host check, CORS, the drain at shutdown and a 500 without secrets;
    the host check and CORS where the model has the web battery's fields, as
    :class:`settings.Settings` does), then the application's own ``inner`` middleware, which
    sees all of that::

        app = FastAPI(lifespan=settings_lifespan(model=MySettings),
                      middleware=settings_middleware(Middleware(MetricsMiddleware)))
    """
    return [Middleware(StartupGuard), Middleware(SettingsMiddleware), *inner]


class StartupGuard:
    """Pure ASGI, outermost: when the lifespan's start raises :class:`ImproperlyConfigured`,
    the server is told the start failed, without the traceback, and the report is printed on
    stderr after the server's own one-line notice, so that it is the last thing printed. The
    exception still propagates, so a test client raises it."""

    #: How long the report waits for the server to stop the event loop (uvicorn takes a few
    #: milliseconds); a test client waits this long before it raises.
    NOTICE_WAIT = 1.0

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine itself: a request goes straight to the app, with no frame of this
        # layer to cross at each of its awaits.
        if scope["type"] != "lifespan":
            return self.app(scope, receive, send)
        return self._lifespan(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        failed: list[Message] = []

        async def hold_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                failed.append(message)  # sent below, once we know what failed
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_failure)
        except ImproperlyConfigured as exc:
            await send({"type": "lifespan.startup.failed", "message": ""})
            try:  # the server logs its notice and ends the loop, which cancels this wait
                await asyncio.sleep(self.NOTICE_WAIT)
            finally:
                print(exc.report(), file=sys.stderr, flush=True)  # holds no secret, by contract
            raise
        except BaseException:
            for message in failed:
                await send(message)
            raise
