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

A file being written is not read: the reload waits until no settings file has changed for
:data:`QUIET` seconds, and checks that none changed while it read them (size, time, inode);
one that did is read again, and a reload whose files keep changing is refused. A writer that
pauses mid-file for longer than :data:`QUIET` cannot be told from one that has finished: write
the new file beside the old and rename it over (or let Kubernetes swap its ``..data`` link),
as docs/reload.md says.

Either way one audit line (:mod:`settings.fastapi._audit`) says what happened: the fingerprint
old -> new and each changed key with its new origin, never a secret's value. Applied settings
are saved for the startup audit line of a process that replaces this one
(:mod:`settings.fastapi._previous`). Reloads run one at a
time; a SIGHUP during a reload is honoured by another one after it.

uvicorn's own handling of SIGHUP: a single ``uvicorn`` process installs handlers for SIGINT and
SIGTERM only, so without this one SIGHUP would end it (the default action). Under
``--workers N`` the supervisor catches SIGHUP itself and replaces the workers one by one, each
new one loading the settings at its start (its audit line compares them with those of the
worker it replaces); SIGHUP sent to each worker instead reloads it in place, losing no request;
see docs/how-to/reload.md.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from settings._errors import ImproperlyConfigured, Problem
from settings._load import checked_load
from settings._process import process_settings
from settings._redact import mask_text, secret_values
from settings.fastapi._audit import audit_line
from settings.fastapi._previous import save_settings, state_directory
from settings.schema import BaseSettings
from settings.sources import OPTIONAL_FILES, SETTINGS_FILE
from settings.sources._files import DOTENV_FILE, file_states, newest_change

__all__ = ["SettingsReloader", "Swap"]

#: Seconds no settings file may have changed before a reload reads them.
QUIET = 0.3
#: Seconds a reload waits at most for the files to settle, and reads it makes at most.
SETTLE_LIMIT, READS = 5.0, 3

#: Makes what depends on the settings ready for ``new``, then installs ``new``; may raise to
#: refuse it (the old settings stay).
Swap = Callable[[BaseSettings, BaseSettings], Awaitable[None]]


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
                new, warnings = await asyncio.to_thread(_settled_load, old)
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
            # for the audit line of a worker that replaces this one
            await asyncio.to_thread(save_settings, new, state_directory())
            for problem in warnings:
                problem.log(self.logger)
            self.logger.info("%s", audit_line("reload", old, new))
            return True

    def _refused(self, old: BaseSettings, what: str, exc: Exception) -> bool:
        reason = mask_text(f"{type(exc).__name__}: {exc}", secret_values(old))
        self.logger.error("Settings reload refused; the settings in use stay: %s: %s", what, reason)
        self.logger.warning("%s", audit_line("reload", old, old, refused=1))
        return False

    async def _replace(self, old: BaseSettings, new: BaseSettings) -> None:
        self.app.state.settings = new


def _settled_load(old: BaseSettings) -> tuple[BaseSettings, list[Problem]]:
    """``checked_load`` for ``old``'s model, of files that did not change while read (in the
    working directory of the start, and the ``X_FILE`` targets ``old`` read); raises
    :class:`ImproperlyConfigured` when they keep changing."""
    root = Path.cwd()
    names = (SETTINGS_FILE, *OPTIONAL_FILES, DOTENV_FILE)
    targets = old.sources.secret_files.values() if old.sources is not None else ()
    paths = [root / name for name in names] + [root / target for target in targets]
    for _ in range(READS):
        _wait_until_quiet(paths)
        before = file_states(paths)
        new, warnings, _ = checked_load(model=type(old))
        if file_states(paths) == before:
            return new, warnings
    changing = ", ".join(
        str(path.relative_to(root) if path.is_relative_to(root) else path)
        for path, a, b in zip(paths, before, file_states(paths), strict=True)
        if a != b
    )
    message = f"the settings files kept changing while being read ({changing or 'several'})"
    hint = "write each file beside the old one and rename it over; then send SIGHUP again"
    raise ImproperlyConfigured([Problem("settings", message, hint=hint)])


def _wait_until_quiet(paths: list[Path]) -> None:
    """Until no path has changed for :data:`QUIET` seconds, or :data:`SETTLE_LIMIT` passed."""
    deadline = time.monotonic() + SETTLE_LIMIT
    while time.monotonic() < deadline:
        newest = newest_change(paths)
        age = time.time() - newest if newest is not None else QUIET
        if age >= QUIET:
            return
        time.sleep(min(QUIET - age, max(deadline - time.monotonic(), 0)))
