"""``get_settings``: the process's settings, overrides applied (and ``load_settings``,
re-exported beside it from :mod:`settings.load`)."""

from __future__ import annotations

from settings.load import load_settings
from settings.overrides import overridden
from settings.process import process_settings
from settings.schema import Settings

__all__ = ["get_settings", "load_settings"]


def get_settings() -> Settings:
    """The process-wide settings, with any active ``override_settings`` applied: loaded once
    from the working directory, or those an application's start installed (its own model)."""
    return overridden(process_settings.get())


get_settings.cache_clear = lambda: process_settings.install(None)  # type: ignore[attr-defined]
