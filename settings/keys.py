"""The dotted keys the schema knows, so that a misspelled key is an error that names it."""

from __future__ import annotations

import difflib
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic_core import PydanticUndefined

from settings.schema import Settings

#: Keys no file or variable may set: the loader sets them itself.
RESERVED = {"environment": "the environment is chosen by ENV_FOR_DYNACONF, not set in a file"}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    candidates = (annotation, *get_args(annotation))
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _is_mapping(annotation: Any) -> bool:
    return get_origin(annotation) is dict


@cache
def schema_keys(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, str]:
    """Every dotted key of ``model``: ``"leaf"``, ``"table"`` or ``"mapping"`` (free keys)."""
    keys: dict[str, str] = {}
    for name, info in model.model_fields.items():
        dotted = prefix + name
        nested = _model_of(info.annotation)
        if nested is not None:
            keys[dotted] = "table"
            keys.update(schema_keys(nested, dotted + "."))
        else:
            keys[dotted] = "mapping" if _is_mapping(info.annotation) else "leaf"
    return keys


def unknown_key(dotted: str) -> str | None:
    """Why ``dotted`` cannot be set (unknown, a table, reserved), or ``None`` if it can."""
    keys = schema_keys()
    if dotted in RESERVED:
        return RESERVED[dotted]
    kind = keys.get(dotted)
    if kind == "leaf" or kind == "mapping":
        return None
    if kind == "table":
        return f"is a table; set its keys ({dotted}.<key>) instead"
    parent = dotted.rpartition(".")[0]
    while parent:
        if keys.get(parent) == "mapping":
            return None
        if keys.get(parent) == "leaf":
            return f"{parent} is a value, not a table"
        parent = parent.rpartition(".")[0]
    close = difflib.get_close_matches(dotted, [k for k in keys if k not in RESERVED], n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"unknown key{hint}"


@cache
def field_adapter(dotted: str) -> TypeAdapter[Any] | None:
    """A validator of the type (with its constraints) of the field at ``dotted``, if a leaf."""
    model: type[BaseModel] = Settings
    *parents, leaf = dotted.split(".")
    for part in parents:
        info = model.model_fields.get(part)
        nested = _model_of(info.annotation) if info else None
        if nested is None:
            return None
        model = nested
    info = model.model_fields.get(leaf)
    if info is None or _model_of(info.annotation) is not None:
        return None
    annotation: Any = info.annotation
    if info.metadata:
        annotation = Annotated[annotation, *info.metadata]
    return TypeAdapter(annotation)


@cache
def schema_defaults(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, Any]:
    """The default the schema gives each dotted leaf key; a key without one is absent.

    Cached and shared: copy a value before changing it.
    """
    defaults: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            defaults.update(schema_defaults(type(default), f"{prefix}{name}."))
        elif default is not PydanticUndefined:
            defaults[prefix + name] = default
    return defaults
