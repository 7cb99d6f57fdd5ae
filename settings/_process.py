"""The settings of this process: :func:`get_settings` loads them once, or an application's start
installs its own; :class:`override_settings` changes them for a block.

``override_settings`` is Django's swap-and-restore, with every change validated again.

An override is a set of changes, not a settings object: it applies on top of whatever settings a
reader serves with. :func:`settings.get_settings` applies it to the process's settings, an app
(:mod:`settings.fastapi`) to the settings it was started with, so an app built with
``create_app(settings=...)`` keeps its own values under an override. Each application builds a
new, validated object (never ``model_copy(update=...)``, which skips validation), once per base
and override.

Where an override is seen: in the context it was entered in (a ``contextvars`` context). The
block's own code sees it, and so do the asyncio tasks it creates (they copy the context) and an
app driven in the same task (``settings.testing.app_client``); other tasks and other threads do
not. Blocks may end in any order: each removes exactly its own changes, so no value outlives
its block.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel

from settings._errors import ImproperlyConfigured, Problem
from settings._load import load_settings
from settings._provenance import Assignment, Sources
from settings._validate import validate
from settings.merge import flatten
from settings.schema import BaseSettings
from settings.schema._keys import canonical_keys, stored_values, unknown_key

if TYPE_CHECKING:
    from settings.contrib import Settings


class ProcessSettings:
    """One settings object for the process, made by ``load`` on first use."""

    def __init__(self, load: Callable[[], BaseSettings]) -> None:
        self._load = load
        self._settings: BaseSettings | None = None
        self._lock = threading.Lock()

    def get(self) -> BaseSettings:
        settings = self._settings
        if settings is None:
            with self._lock:
                if self._settings is None:
                    self._settings = self._load()
                settings = self._settings
        return settings

    def peek(self) -> BaseSettings | None:
        """The settings if already loaded or installed; never loads."""
        return self._settings

    def install(self, settings: BaseSettings | None) -> None:
        """Make ``settings`` the process's (``None``: load again on next use)."""
        self._settings = settings


process_settings = ProcessSettings(lambda: load_settings())


F = TypeVar("F", bound=Callable[..., Any])
S = TypeVar("S", bound=BaseSettings)
ORIGIN = "override_settings"


class _Change:
    """One entered override: its flat changes, and what they made of each base so far."""

    def __init__(self, changes: dict[str, Any]) -> None:
        self.changes = changes
        self._made: dict[int, tuple[BaseSettings, BaseSettings]] = {}  # id(base) -> (base, result)

    def apply(self, base: S) -> S:
        made = self._made.get(id(base))
        if made is None or made[0] is not base:
            made = (base, apply_changes(base, self.changes))
            self._made[id(base)] = made
        return made[1]  # type: ignore[return-value]


_active: ContextVar[tuple[_Change, ...]] = ContextVar("settings_overrides", default=())


def active_overrides() -> int:
    """How many override blocks are active in this context."""
    return len(_active.get())


def overridden(base: S) -> S:
    """``base`` with every override active in this context applied, innermost last."""
    for change in _active.get():
        base = change.apply(base)
    return base


def as_model(settings: BaseSettings, model: type[S]) -> S:
    """``settings`` validated again as ``model`` (a subclass's fields take their defaults),
    sources kept: for an app of model ``model`` given settings of its base model."""
    if isinstance(settings, model):
        return settings
    converted, problems = validate(flatten(stored_values(settings)), _sources_of(settings), model)
    if converted is None:
        raise ImproperlyConfigured(problems)
    return converted


def _sources_of(settings: BaseSettings) -> Sources:
    return settings.sources or Sources(
        environment=settings.environment, files=(), variables=(), history={}
    )


def apply_changes(base: S, changes: Mapping[str, Any]) -> S:
    """A new validated settings object of ``base``'s model: ``base`` with ``changes`` (nested
    dicts or ``a__b`` keys)."""
    model = type(base)
    flat_changes = canonical_keys(model, _dotted(_as_tables(changes)))
    problems = [
        Problem(key, reason, ORIGIN)
        for key in flat_changes
        if (reason := unknown_key(model, key)) is not None
    ]
    if problems:
        raise ImproperlyConfigured(problems)
    values = flatten(stored_values(base))
    for key, value in flat_changes.items():
        if isinstance(value, Mapping):  # an empty one: it replaces the mapping, clearing it
            values = {k: v for k, v in values.items() if not k.startswith(f"{key}.")}
        values[key] = value
    sources = _with_override(base.sources, base.environment, flat_changes)
    settings, problems = validate(values, sources, model)
    if settings is None:
        raise ImproperlyConfigured(problems)
    return settings


def _process_settings() -> BaseSettings | None:
    """The process's settings, or ``None`` where it has none (no settings.toml here: the app
    under test was given its own)."""
    try:
        return process_settings.get()
    except ImproperlyConfigured:
        return None


def _dotted(changes: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"database": {"pool__size": 3}}`` -> ``{"database.pool.size": 3}``. Unlike
    :func:`flatten`, an empty mapping is kept as a value (``database__options={}``)."""
    flat: dict[str, Any] = {}
    for key, value in changes.items():
        dotted = prefix + key.replace("__", ".")
        if isinstance(value, Mapping) and value:
            flat.update(_dotted(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _as_tables(value: Any) -> Any:
    """Sections given as models (``database=DatabaseConfig(...)``) become plain tables."""
    if isinstance(value, BaseModel):
        value = stored_values(value)
    if isinstance(value, dict):
        return {key: _as_tables(item) for key, item in value.items()}
    return value


def _with_override(sources: Sources | None, environment: str, changes: dict[str, Any]) -> Sources:
    base = sources or Sources(environment=environment, files=(), variables=(), history={})
    history = dict(base.history)
    for key, value in changes.items():
        history[key] = (*history.get(key, ()), Assignment(key, ORIGIN, value))
    return dataclasses.replace(base, history=history)


class override_settings:  # noqa: N801 - named like Django's, used like a function
    """Change settings inside a ``with`` block, a decorated (sync or async) function, or each
    ``test*`` method of a decorated class (which stays a class, so pytest still collects it;
    its fixtures and ``setup_method`` run outside the change).

    The changes are validated on entry against the process's settings when those can be
    loaded (an invalid change raises there), and against each app's own settings when it
    serves a request. A generator function cannot be decorated: its body runs after the call
    has returned, when the change would be gone. Use the context manager inside it.
    """

    def __init__(self, **changes: Any) -> None:
        self.changes = changes
        self._entered: list[_Change] = []

    def enable(self) -> BaseSettings | None:
        """Apply the changes in this context; return the process's settings with them, or
        ``None`` when the process has no settings of its own (an app given its own)."""
        change = _Change(dict(self.changes))
        base = _process_settings()
        settings = change.apply(overridden(base)) if base is not None else None
        _active.set((*_active.get(), change))
        self._entered.append(change)
        return settings

    def disable(self) -> None:
        """Undo the latest :meth:`enable` of this override, even if a later one is still on."""
        change = self._entered.pop()
        _active.set(tuple(entry for entry in _active.get() if entry is not change))

    def __enter__(self) -> BaseSettings | None:
        return self.enable()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.disable()

    def __call__(self, function: F) -> F:
        if isinstance(function, type):
            return self._decorate_class(function)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(function) or inspect.isasyncgenfunction(function):
            raise TypeError(
                "override_settings cannot decorate a generator; use it as a context manager inside"
            )
        if inspect.iscoroutinefunction(function):

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await function(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _decorate_class(self, cls: type) -> type:
        """Each ``test*`` method, inherited ones included, wrapped as a function is."""
        for name in dir(cls):
            if not name.startswith("test"):
                continue
            method = inspect.getattr_static(cls, name)
            if isinstance(method, staticmethod):
                setattr(cls, name, staticmethod(self(method.__func__)))
            elif inspect.isfunction(method):
                setattr(cls, name, self(method))
        return cls


def get_settings() -> Settings:
    """The process-wide settings, with any active ``override_settings`` applied: loaded once
    from the working directory, or those an application's start installed (its own model).

    Typed as :class:`settings.Settings`, the default model; an application of another model
    reads its fields through its own typed access (``settings.lazy(AppSettings)``, its
    ``SettingsDep``)."""
    return cast("Settings", overridden(process_settings.get()))


get_settings.cache_clear = lambda: process_settings.install(None)  # type: ignore[attr-defined]
