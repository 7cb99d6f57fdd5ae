"""Validate merged values into :class:`Settings`, turning Pydantic's errors into problems.

Pydantic's own messages can echo the input, and a missing-field error can echo a whole table,
secrets included. Problems are therefore written here from the error's location, its message
and the origin recorded by the loader; a value is quoted only for keys that are not secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from settings.errors import Problem
from settings.provenance import Sources, unflatten
from settings.schema import SECRET_KEYS, Settings

_QUOTABLE = (str, int, float, bool)


def validate(values: Mapping[str, Any], sources: Sources) -> tuple[Settings | None, list[Problem]]:
    """The validated settings, or ``None`` and every problem found."""
    try:
        settings = Settings.model_validate(unflatten(values))
    except ValidationError as exc:
        return None, [_problem(error, sources) for error in exc.errors(include_input=True)]
    settings._sources = sources
    return settings, []


def _problem(error: Any, sources: Sources) -> Problem:
    names = [part for part in error["loc"] if isinstance(part, str)]
    key = ".".join(names)
    shown = key + "".join(f"[{part}]" for part in error["loc"] if isinstance(part, int))
    if error["type"] == "missing":
        return Problem(shown, "is required and no file or variable sets it", None)
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    origin = sources.origin(key) or "schema default"
    if _quotable(key, value, origin):
        message += f" (got {value!r})"
    return Problem(shown, message, origin)


def _quotable(key: str, value: Any, origin: str) -> bool:
    """Quote a value only when it cannot be a secret: not a secret key, and not a part of a
    ``DATABASE_URL``, which may have been split wrongly (``postgresql://u:SECRET`` has no host;
    its password would be read as the port)."""
    if key in SECRET_KEYS or "DATABASE_URL" in origin:
        return False
    return isinstance(value, _QUOTABLE) and len(str(value)) <= 80
