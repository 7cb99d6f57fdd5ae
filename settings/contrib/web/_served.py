"""The settings a request is served with: those the app's start loaded (``app.state.settings``)
or a reload installed, pinned to the request when it begins (:func:`pin`), so a reload in
flight changes nothing for it; any active override applied on top. Re-exported by
:mod:`settings.fastapi` (:func:`app_settings`, :func:`pin`)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, cast

from starlette.types import Scope

from settings._process import overridden
from settings.contrib._settings import Settings
from settings.schema import BaseSettings

#: Where a request keeps the settings it began with, in its ASGI scope's ``state``.
_PIN = "settings.pinned"


def pin(scope: MutableMapping[str, Any], settings: BaseSettings) -> None:
    """Make ``settings`` the ones this request is served with, whatever a reload does while
    it is in flight (:func:`settings.fastapi.request_settings` reads them)."""
    scope.setdefault("state", {})[_PIN] = settings


def pinned(scope: Mapping[str, Any]) -> BaseSettings | None:
    """The settings pinned to this request, if any."""
    state = scope.get("state")
    return state.get(_PIN) if state is not None else None


def app_settings(app: Any) -> Settings:
    """The settings ``app`` serves with: those its start loaded, any override applied."""
    return overridden(served_base(app))


def scope_settings(scope: Scope) -> Settings:
    """The settings a request is served with: those pinned to it when it began (:func:`pin`),
    else the app's, any override applied."""
    base = pinned(scope)
    return app_settings(scope["app"]) if base is None else cast(Settings, overridden(base))


def served_base(app: Any) -> Settings:
    """The settings ``app`` serves new requests with, before any override."""
    try:
        settings: Settings = app.state.settings
    except AttributeError:
        raise RuntimeError("settings are not loaded: the app's lifespan has not run") from None
    return settings
