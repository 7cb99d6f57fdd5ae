"""Reload the settings on SIGHUP, as nginx and PostgreSQL reload their configuration.

:class:`SettingsReloader` belongs to one application in one process. On SIGHUP (or a call to
:meth:`~SettingsReloader.reload`) it loads and checks the settings again, off the event loop
(a thread: reading files must not stall requests), with the model and working directory of the
start. Then:

- **valid**: the application's ``swap`` prepares what depends on them (a new engine when the
  ``database`` section changed ...) and replaces ``app.state.settings`` in one step, with no
  ``await`` in between, so a request sees either the old object or the new one, never a mix;
  the process's settings (:func:`settings.get_settings`) follow;
- **invalid**: the settings in use stay, the report is logged, and nothing else changes.

Either way one audit line (:mod:`settings.fastapi._audit`) says what happened: the fingerprint old
->
new and each changed key with its new origin, never a secret's value. Reloads run one at a
time; a SIGHUP during a reload is honoured by another one after it.

uvicorn's own handling of SIGHUP: a single ``uvicorn`` process installs handlers for SIGINT and
SIGTERM only, so without this one SIGHUP would end it (the default action). Under
``--workers N`` the supervisor catches SIGHUP itself and replaces the workers one by one, each
new one loading the settings at its start; see docs/how-to/reload.md.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

from settings._errors import ImproperlyConfigured
from settings._load import checked_load
from settings._process import process_settings
from settings._redact import mask_text, secret_values
from settings.fastapi._audit import audit_line
from settings.schema import BaseSettings

__all__ = ["SettingsReloader", "Swap", "pin", "pinned"]

#: Where a request keeps the settings it began with, in its ASGI scope's ``state``.
_PIN = "settings.pinned"

#: Makes what depends on the settings ready for ``new``, then installs ``new``; may raise to
#: refuse it (the old settings stay).
Swap = Callable[[BaseSettings, BaseSettings], Awaitable[None]]


def pin(scope: MutableMapping[str, Any], settings: BaseSettings) -> None:
    """Make ``settings`` the ones this request is served with, whatever a reload does while
    it is in flight (:func:`settings.fastapi.request_settings` reads them)."""
    scope.setdefault("state", {})[_PIN] = settings


def pinned(scope: Mapping[str, Any]) -> BaseSettings | None:
    """The settings pinned to this request, if any."""
    state = scope.get("state")
    return state.get(_PIN) if state is not None else None


class SettingsReloader:
    """Reloads ``app.state.settings`` on SIGHUP; install it in the lifespan, after the start."""

    def __init__(
        self, app: Any, *, logger: logging.Logger | None = None, swap: Swap | None = None
    ) -> None:
        self.app = app
        self.logger = logger or logging.getLogger("settings.reload")
        self._swap = swap or self._replace
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[bool]] = set()
        self._installed = False

    def install(self) -> bool:
        """Handle SIGHUP in the running event loop; whether it could. It cannot on Windows
        (no SIGHUP) nor in a loop outside the main thread (a test client's)."""
        if not hasattr(signal, "SIGHUP"):
            return False
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._requested)
        except (ValueError, RuntimeError, NotImplementedError):
            return False
        self._installed = True
        return True

    async def uninstall(self) -> None:
        """Stop handling SIGHUP and wait for a reload under way."""
        if self._installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self._installed = False
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _requested(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def reload(self) -> bool:
        """Load and check again; install the result if valid. Whether it was installed."""
        async with self._lock:
            old: BaseSettings = self.app.state.settings
            self.logger.info("Settings reload requested")
            try:
                new, warnings, _ = await asyncio.to_thread(checked_load, model=type(old))
            except ImproperlyConfigured as exc:
                errors = sum(problem.is_error for problem in exc.problems) or 1
                self.logger.error(
                    "Settings reload refused; the settings in use stay.\n%s", exc.report()
                )
                self.logger.warning("%s", audit_line("reload", old, old, refused=errors))
                return False
            except Exception as exc:  # a bug, not a configuration: log it, keep serving
                return self._refused(old, "loading them failed", exc)
            try:
                await self._swap(old, new)
            except Exception as exc:  # the application's swap: log it, keep serving
                return self._refused(old, "applying them failed", exc)
            if process_settings.peek() is old:
                process_settings.install(new)
            for problem in warnings:
                self.logger.warning("%s", str(problem).removeprefix("WARNING "))
            self.logger.info("%s", audit_line("reload", old, new))
            return True

    def _refused(self, old: BaseSettings, what: str, exc: Exception) -> bool:
        reason = mask_text(f"{type(exc).__name__}: {exc}", secret_values(old))
        self.logger.error("Settings reload refused; the settings in use stay: %s: %s", what, reason)
        self.logger.warning("%s", audit_line("reload", old, old, refused=1))
        return False

    async def _replace(self, old: BaseSettings, new: BaseSettings) -> None:
        self.app.state.settings = new
