"""A variable's text as the value its field takes: lists from JSON or commas, tables from JSON.

Variables (and ``.env`` lines, and ``secrets_dir`` files) hold text; the files hold typed TOML.
Where the field's type is a collection (``list``, ``tuple``, ``set``, ``frozenset`` of any item
type, also inside ``Optional`` or ``Annotated``), the text is a JSON array or comma-separated
items, blanks trimmed and empty items dropped, as pydantic-settings and SPEC 2 read them; where
it is a mapping (``dict``) or a table (a section), the text is a JSON object. Other text stays
text: the field's type converts it (``"5433"`` is a port, ``"2024"`` stays a database name).
Error messages never quote the text: it may be a secret.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, PlainValidator, WrapValidator

from settings.schema._keys import canonical_key, field_info, model_of, schema_keys
from settings.schema._types import split_items

_COLLECTIONS = (list, tuple, set, frozenset)
_TEXT_VALIDATORS = (BeforeValidator, PlainValidator, WrapValidator)


def from_text(model: type[BaseModel], key: str, text: Any, name: str = "") -> dict[str, Any]:
    """``{dotted key: value}`` for a variable's ``text`` given to ``key``; ``ValueError`` when
    the text cannot be what the field takes. ``name`` is the variable, for the hint."""
    if not isinstance(text, str):
        return {key: text}
    kind = schema_keys(model).get(key)
    if kind == "table" or kind == "mapping":
        hint = f" or set its keys ({name}__<KEY>)" if name else ""
        table = _json(text, dict, f"is a table; give a JSON object{hint}")
        return _keyed(model, key, table) if kind == "table" else {key: table}
    info = field_info(model, key)
    if info is not None and _is_collection(info.annotation) and not _reads_text(model, key):
        return {key: split_items(text)}
    return {key: text}


def _json(text: str, kind: type, expected: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        if not text.lstrip().startswith(("[", "{")):
            raise ValueError(expected) from None
        raise ValueError(f"{expected}: not valid JSON ({exc.msg} at column {exc.colno})") from None
    except RecursionError:
        raise ValueError(f"{expected}: nested too deeply") from None
    if not isinstance(value, kind):
        raise ValueError(expected)
    return value


def _keyed(model: type[BaseModel], key: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON object given to a table, as the dotted keys it sets (a missing key keeps what
    lower layers give it, as a table in a file does)."""
    flat: dict[str, Any] = {}
    kinds = schema_keys(model)
    for name, value in table.items():
        dotted = canonical_key(model, f"{key}.{name}")
        if isinstance(value, Mapping) and kinds.get(dotted) == "table":
            flat.update(_keyed(model, dotted, value))
        else:
            flat[dotted] = value
    return flat


def _reads_text(model: type[BaseModel], key: str) -> bool:
    """Whether the field at ``key`` reads text itself, with a validator that runs before its
    type's (``StrList``, a ``BeforeValidator``, ``@field_validator(mode="before")``): it gets
    the variable's text as it is, as pydantic-settings' ``NoDecode`` gives it."""
    *parents, name = key.split(".")
    owner = model_of(field_info(model, ".".join(parents)).annotation) if parents else model
    if owner is None:
        return False
    info = owner.model_fields[name]
    annotation = info.annotation
    metadata = [*info.metadata]
    while get_origin(annotation) is Annotated:
        annotation, *more = get_args(annotation)
        metadata += more
    if any(isinstance(item, _TEXT_VALIDATORS) for item in metadata):
        return True
    for decorator in owner.__pydantic_decorators__.field_validators.values():
        if name in decorator.info.fields and decorator.info.mode != "after":
            return True
    return False


def _is_collection(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_collection(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_collection(arg) for arg in get_args(annotation) if arg is not type(None))
    return origin in _COLLECTIONS or annotation in _COLLECTIONS
