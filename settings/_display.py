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
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import BaseModel

from settings._redact import MASK, known_secrets, shown
from settings.schema import Settings
from settings.schema._keys import schema_keys

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def shown_url(settings: Settings, secrets: frozenset[str] = frozenset()) -> str:
    """``database.url`` with its password, any secret option and any copy of a secret (a
    username a token copied from the password) masked."""
    database = settings.database
    options = {name: shown(value, secrets) for name, value in database.options.items()}
    query = {**database.url.query, **options}  # a socket directory: ?host=/run/postgresql
    url = database.url.set(query=query).render_as_string(hide_password=True)
    url = url.replace(":***@", f":{MASK}@", 1).replace("%2A" * len(MASK), MASK)
    socket = query.get("host")
    if isinstance(socket, str) and socket.startswith("/"):  # written as libpq reads it
        url = url.replace(f"host={quote_plus(socket)}", f"host={quote(socket)}", 1)
    text: str = shown(url, secrets)
    return text


def masked_tree(settings: Settings) -> dict[str, Any]:
    """The settings as nested plain values, masked, with ``database.url`` added."""
    secrets = known_secrets(type(settings), settings.sources, settings)
    tree: dict[str, Any] = shown(settings, secrets)
    tree["database"]["url"] = shown_url(settings, secrets)
    return tree


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
