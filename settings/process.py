"""The process-wide settings: loaded once on first use, or installed by an application's start.

:func:`settings.get_settings` reads them (with any ``override_settings`` applied on top).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from settings.load import load_settings
from settings.schema import Settings


class ProcessSettings:
    """One settings object for the process, made by ``load`` on first use."""

    def __init__(self, load: Callable[[], Settings]) -> None:
        self._load = load
        self._settings: Settings | None = None
        self._lock = threading.Lock()

    def get(self) -> Settings:
        settings = self._settings
        if settings is None:
            with self._lock:
                if self._settings is None:
                    self._settings = self._load()
                settings = self._settings
        return settings

    def peek(self) -> Settings | None:
        """The settings if already loaded or installed; never loads."""
        return self._settings

    def install(self, settings: Settings | None) -> None:
        """Make ``settings`` the process's (``None``: load again on next use)."""
        self._settings = settings


process_settings = ProcessSettings(lambda: load_settings())
