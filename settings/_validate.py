"""Validate merged values into the model, turning Pydantic's errors into problems.

Pydantic's own messages can echo the input, and a missing-field error can echo a whole table,
secrets included. Problems are therefore written here from the error's location, its message
and the origin recorded by the loader; a value is quoted only where it cannot hold a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from settings._errors import Problem
from settings._provenance import FILE_ORIGIN, Sources
from settings._redact import is_secret, known_secrets, mask_text, shows_secret
from settings.merge import unflatten
from settings.schema import BaseSettings, _validating
from settings.schema._keys import declared_variables, schema_keys

S = TypeVar("S", bound=BaseSettings)

_QUOTABLE = (str, int, float, bool)
#: The problem of a required value that no layer sets.
UNSET = "is required and no file or variable sets it"


def validate(
    values: Mapping[str, Any], sources: Sources, model: type[S], *, root: Path | None = None
) -> tuple[S | None, list[Problem]]:
    """The validated settings, or ``None`` and every problem found. ``root``, the settings
    directory, is the validation context's: a section may resolve paths against it."""
    context = {"root": root} if root is not None else None
    data = unflatten(values)
    token = _validating.set(True)  # a model validator may set fields (Section.__setattr__)
    try:
        settings = model.model_validate(data, context=context)
    except ValidationError as exc:
        secrets = set(known_secrets(model, sources))  # every value a layer gave a secret
        errors = exc.errors(include_input=True, include_url=False)
        return None, [_problem(error, data, sources, model, secrets) for error in errors]
    finally:
        _validating.reset(token)
    settings._sources = sources
    return settings, []


def _problem(
    error: Any, data: Any, sources: Sources, model: type[BaseSettings], secrets: set[str]
) -> Problem:
    path = _path(error, data)
    names = [part for part in path if isinstance(part, str)]
    key = ".".join(names)
    shown = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    shown = shown.removeprefix(".")
    if not names:  # a model validator's: about the settings as a whole, not one source
        message = mask_text(str(error["msg"]).removeprefix("Value error, "), secrets)
        return Problem(model.__name__, message, None)
    if error["type"] == "missing":
        return Problem(shown, UNSET, None)
    message = mask_text(str(error["msg"]).removeprefix("Value error, "), secrets)
    if is_secret(model, key):
        message = _without_length(message, error.get("ctx"))
    value = error.get("input")
    origin = _origin(sources, names) or "schema default"
    if quotable(model, key, value, origin, secrets):
        message += f" (got {mask_text(repr(value))})"
    return Problem(shown, message, origin)


def _path(error: Any, data: Any) -> list[str | int]:
    """The error's location as the keys and list positions of the values given.

    Pydantic's location also names the member of a union that failed (``int``,
    ``lax-or-strict[...]``, a model's class name): such a part is no key of the values at that
    point, and is left out, so the key is the field's dotted key (``either``).
    """
    path: list[str | int] = []
    node = data
    last = len(error["loc"]) - 1
    for index, part in enumerate(error["loc"]):
        if isinstance(part, int):  # only lists are indexed
            path.append(part)
            node = node[part] if isinstance(node, list) and -len(node) <= part < len(node) else None
        elif isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif index == last and error["type"] == "missing":  # absent from the values: missing
            path.append(part)
    return path


def _origin(sources: Sources, names: list[str]) -> str | None:
    """Where the value at ``names`` came from; inside a value set whole (a list of tables),
    where that value came from."""
    key = ".".join(names)
    origin = sources.origin(key)
    while origin is None and key not in sources.history and "." in key:
        key = key.rpartition(".")[0]
        if key in sources.history:
            origin = sources.origin(key)
    return origin


def _without_length(message: str, ctx: Mapping[str, Any] | None) -> str:
    """A secret's error without its length: Pydantic's ``max_length`` error says "at most 5
    items after validation, not 20", and 20 is the secret's length."""
    actual = (ctx or {}).get("actual_length")
    if actual is None:
        return message
    message = message.replace(f", not {actual}", "")
    return message if str(actual) not in message else "has a length outside the allowed range"


def quotable(
    model: type[BaseSettings], key: str, value: Any, origin: str, secrets: set[str]
) -> bool:
    """Quote a value only when it cannot hold a secret (a report's "got", and ``explain`` of a
    key whose value was refused).

    Not for a secret key; not for a file's content (``DB_PORT_FILE`` may name the password
    file) nor a part of a variable that sets a whole table, such as ``DATABASE_URL``
    (``postgresql://u:SECRET`` has no host, so its password
    would be read as the port); and not when any secret of this load appears in it (a token
    such as ``@format {this.secret_key}`` can copy one anywhere); nor a URL with credentials,
    which a password with a blank makes unreadable to any URL parser, nor anything else with an
    ``@``: a URL mistyped (``redis//:PASSWORD@host``, ``:PASSWORD@host``) is no URL to find a
    password in, but its ``@`` still ends one.
    """
    if is_secret(model, key) or origin.startswith(FILE_ORIGIN) or _sets_a_table(model, origin):
        return False
    if not isinstance(value, _QUOTABLE) or len(str(value)) > 80:
        return False
    if "@" in str(value):  # credentials, in a URL or in a mistyped one
        return False
    return not shows_secret(str(value), secrets)  # in any case: validators may fold it


def _sets_a_table(model: type[BaseSettings], origin: str) -> bool:
    """Whether ``origin`` names a variable declared on a section (``env DATABASE_URL``)."""
    names = set(origin.replace(",", " ").split())
    kinds = schema_keys(model)
    return any(
        kinds.get(key) == "table"
        for name, key in declared_variables(model).items()
        if name in names
    )
