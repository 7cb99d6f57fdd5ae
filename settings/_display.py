"""How values are shown to a person: secrets masked, values as TOML literals, dotted keys.

Masking is applied to every value shown, by type: a key whose type holds a secret
(``SecretStr``, ``SecretBytes``, at any depth), the password inside any URL (typed or text), and
any text equal to a secret of the same load (a token can copy one into another key). The command
line (:mod:`settings.cli`) and the audit line (:mod:`settings.fastapi._audit`) both show values
this way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from pydantic import BaseModel

from settings._redact import known_secrets, shown
from settings.schema import BaseSettings, Section
from settings.schema._keys import schema_keys, section_at

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def masked_tree(settings: BaseSettings) -> dict[str, Any]:
    """The settings as nested plain values, masked, with what each section derives from its
    values added beside them (:meth:`Section.shown_extras`: ``database.url``)."""
    secrets = known_secrets(type(settings), settings.sources, settings)
    tree: dict[str, Any] = shown(settings, secrets)
    _add_extras(settings, tree, secrets)
    return tree


def _add_extras(section: Section, tree: dict[str, Any], secrets: frozenset[str]) -> None:
    for name in type(section).model_computed_fields:  # marked "computed" where shown
        tree[name] = shown(getattr(section, name), secrets)
    tree.update(section.shown_extras(secrets))
    for name in type(section).model_fields:
        value = getattr(section, name)
        if isinstance(value, Section) and isinstance(tree.get(name), dict):
            _add_extras(value, tree[name], secrets)


def derived_from(model: type[BaseModel], key: str) -> str | None:
    """The section a shown extra (``database.url``, ``replica.sync_url``) is composed from, or
    ``None`` when ``key`` is no such value."""
    parent, _, name = key.rpartition(".")
    section = section_at(model, parent) if parent else None
    if section is None or name in section.model_fields or name in section.model_computed_fields:
        return None
    return parent if isinstance(getattr(section, name, None), property | cached_property) else None


def dotted_values(
    model: type[BaseModel], tree: Mapping[str, Any], prefix: str = ""
) -> dict[str, Any]:
    """Dotted keys to values; a free-form mapping such as ``database.options`` is one value."""
    kinds = schema_keys(model)
    flat: dict[str, Any] = {}
    for name, value in tree.items():
        key = prefix + name
        if isinstance(value, Mapping) and kinds.get(key) != "mapping":
            flat.update(dotted_values(model, value, key + "."))
        else:
            flat[key] = value
    return flat


def literal(value: Any) -> str:
    """A shown value written as a TOML literal (``None`` as ``(not set)``)."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, Mapping):
        items = ", ".join(f"{toml_key(k)} = {literal(v)}" for k, v in value.items())
        return "{ " + items + " }" if items else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def toml_key(name: str) -> str:
    """A TOML key, quoted when it is not a bare key."""
    return name if _BARE_KEY.match(name) else json.dumps(name, ensure_ascii=False)
