"""Django's lazy ``settings`` object: code that reads settings at import time works unchanged.

    from settings import settings
    app = FastAPI(title=settings.debug and "dev" or "app")   # read when this line runs

    from settings import lazy
    config = lazy(AppSettings)                  # typed as AppSettings for a type checker
    engine_url = config.database.url

Creating it reads nothing: no file, no variable. Each attribute access reads
:func:`settings.get_settings` at that moment, so it follows ``override_settings``, the pytest
``settings`` fixture and a reload on SIGHUP, and costs one lookup. Assigning to it raises, as
assigning to the frozen settings does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast

from settings._errors import ImproperlyConfigured, Problem
from settings._process import get_settings, override_settings
from settings.schema import BaseSettings

if TYPE_CHECKING:
    from settings.contrib import Settings

S = TypeVar("S", bound=BaseSettings)


class LazySettings:
    """A stand-in for the process's settings, read at each attribute access."""

    __slots__ = ("_assigned", "_model")

    def __init__(self, model: type[BaseSettings] | None = None) -> None:
        object.__setattr__(self, "_model", model)
        #: The overrides assignments made, by name, latest last.
        object.__setattr__(self, "_assigned", {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # not a setting: ``__dict__`` must not be the settings' own
            raise AttributeError(name)  # (unittest.mock.patch reads it to choose how to undo)
        current = get_settings()
        model = self._model
        if model is not None and not isinstance(current, model):
            message = (
                f"the process's settings are a {type(current).__name__}, not a "
                f"{model.__name__}: name the model before anything loads (SETTINGS_MODEL, "
                "[tool.settings] model, or the application's start)"
            )
            raise ImproperlyConfigured([Problem("model", message, "settings.lazy")])
        return getattr(current, name)

    def __setattr__(self, name: str, value: Any) -> None:
        """``settings.NAME = value``: a validated override of ``NAME`` in this context."""
        change = override_settings(**{name: value})
        change.enable()  # validates: an unknown key or a bad value raises here
        self._assigned.setdefault(name, []).append(change)

    def __delattr__(self, name: str) -> None:
        """Undo the latest assignment to ``NAME``."""
        changes = self._assigned.get(name)
        if not changes:
            raise AttributeError(f"{name} was not assigned; settings are changed by assignment")
        changes.pop().disable()

    def __repr__(self) -> str:  # never loads: a repr in a debugger must not read files
        model = self._model.__name__ if self._model is not None else "the process's model"
        return f"<LazySettings of {model}>"


def lazy(model: type[S]) -> S:
    """A lazy settings object of ``model``, typed as ``model`` for a type checker."""
    return cast(S, LazySettings(model))


#: ``from settings import settings``: the process's settings, typed as :class:`Settings`.
settings = cast("Settings", LazySettings())
