"""Validate merged values into the model, turning Pydantic's errors into problems.

Pydantic's own messages can echo the input, and a missing-field error can echo a whole table,
secrets included. Problems are therefore written here from the error's location, its message
and the origin recorded by the loader; a value is quoted only where it cannot hold a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from settings._errors import Problem
from settings._provenance import Sources
from settings._redact import is_secret, known_secrets, mask_text, secret_forms
from settings.merge import unflatten
from settings.schema import Settings

S = TypeVar("S", bound=Settings)

_QUOTABLE = (str, int, float, bool)


def validate(
    values: Mapping[str, Any], sources: Sources, model: type[S]
) -> tuple[S | None, list[Problem]]:
    """The validated settings, or ``None`` and every problem found."""
    try:
        settings = model.model_validate(unflatten(values))
    except ValidationError as exc:
        secrets = set(known_secrets(model, sources))  # every value a layer gave a secret
        errors = exc.errors(include_input=True, include_url=False)
        return None, [_problem(error, sources, model, secrets) for error in errors]
    settings._sources = sources
    return settings, []


def _problem(error: Any, sources: Sources, model: type[Settings], secrets: set[str]) -> Problem:
    names = [part for part in error["loc"] if isinstance(part, str)]
    key = ".".join(names)
    shown = key + "".join(f"[{part}]" for part in error["loc"] if isinstance(part, int))
    if error["type"] == "missing":
        return Problem(shown, "is required and no file or variable sets it", None)
    message = mask_text(str(error["msg"]).removeprefix("Value error, "), secrets)
    value = error.get("input")
    origin = sources.origin(key) or "schema default"
    if _quotable(model, key, value, origin, secrets):
        message += f" (got {mask_text(repr(value))})"
    return Problem(shown, message, origin)


def _quotable(model: type[Settings], key: str, value: Any, origin: str, secrets: set[str]) -> bool:
    """Quote a value only when it cannot hold a secret.

    Not for a secret key; not for a file's content (``DB_PORT_FILE`` may name the password
    file) nor a part of ``DATABASE_URL`` (``postgresql://u:SECRET`` has no host, so its password
    would be read as the port); and not when any secret of this load appears in it (a token
    such as ``@format {this.secret_key}`` can copy one anywhere).
    """
    if is_secret(model, key) or "DATABASE_URL" in origin or origin.startswith("file named by"):
        return False
    if not isinstance(value, _QUOTABLE) or len(str(value)) > 80:
        return False
    text = str(value).casefold()  # validators may have changed the case (log_level)
    return not any(form.casefold() in text for secret in secrets for form in secret_forms(secret))
