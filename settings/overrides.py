"""``override_settings``: Django's swap-and-restore, with every change validated again.

An override builds a new, validated :class:`Settings` from the current one plus the changes (never
``model_copy(update=...)``, which skips validation) and pushes it on a process-wide stack that
:func:`settings.get_settings` and the app's ``SettingsDep`` read first.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from pydantic import BaseModel

from settings.errors import ImproperlyConfigured, Problem
from settings.keys import unknown_key
from settings.provenance import Assignment, Sources, flatten
from settings.report import validate
from settings.schema import Settings

F = TypeVar("F", bound=Callable[..., Any])
ORIGIN = "override_settings"

_stack: list[Settings] = []


def active_override() -> Settings | None:
    """The innermost active override, if any."""
    return _stack[-1] if _stack else None


def apply_changes(base: Settings, changes: dict[str, Any]) -> Settings:
    """A new validated :class:`Settings`: ``base`` with ``changes`` (nested dicts or ``a__b``)."""
    flat_changes = _dotted(_plain(changes))
    problems = [
        Problem(key, reason, ORIGIN)
        for key in flat_changes
        if (reason := unknown_key(key)) is not None
    ]
    if problems:
        raise ImproperlyConfigured(problems)
    values = flatten(base.model_dump())
    for key, value in flat_changes.items():
        if isinstance(value, Mapping):  # an empty one: it replaces the mapping, clearing it
            values = {k: v for k, v in values.items() if not k.startswith(f"{key}.")}
        values[key] = value
    sources = _with_override(base.sources, base.environment, flat_changes)
    settings, problems = validate(values, sources)
    if settings is None:
        raise ImproperlyConfigured(problems)
    return settings


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


def _plain(value: Any) -> Any:
    """Sections given as models (``database=DatabaseConfig(...)``) become plain tables."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
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

    A generator function cannot be decorated: its body runs after the call has returned, when
    the change would be gone. Use the context manager inside it.
    """

    def __init__(self, **changes: Any) -> None:
        self.changes = changes
        self._pushed: list[Settings] = []

    def enable(self) -> Settings:
        from settings.api import get_settings

        settings = apply_changes(get_settings(), self.changes)
        _stack.append(settings)
        self._pushed.append(settings)
        return settings

    def disable(self) -> None:
        """Undo the latest :meth:`enable` of this override, even if a later one is still on."""
        settings = self._pushed.pop()
        for index in range(len(_stack) - 1, -1, -1):
            if _stack[index] is settings:
                del _stack[index]
                return

    def __enter__(self) -> Settings:
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
