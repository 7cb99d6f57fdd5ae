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

from pydantic import BaseModel, SecretBytes, SecretStr

from settings._provenance import Sources
from settings._redact import MASK, secret_values, shown
from settings.schema import Settings
from settings.schema._keys import is_secret, schema_keys

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def mask(model: type[BaseModel], key: str, value: Any, secrets: frozenset[str]) -> Any:
    """``value`` of ``key`` as it may be shown. An empty secret is shown empty: that reveals
    nothing."""
    if isinstance(value, Mapping):
        return {name: mask(model, f"{key}.{name}", v, secrets) for name, v in value.items()}
    if is_secret(model, key) and value not in (None, "", [], {}):
        if isinstance(value, SecretStr | SecretBytes) and not value.get_secret_value():
            return ""
        return MASK
    return shown(value, secrets)


def load_secrets(model: type[BaseModel], sources: Sources | None, *objects: Any) -> frozenset[str]:
    """Every secret of a load: those the ``objects`` hold, and each value any layer gave a
    secret key (winning or not), so that a copy of one is masked wherever it shows."""
    found: set[str] = set()
    for item in objects:
        found |= secret_values(item)
    if sources is not None:
        for key, assignments in sources.history.items():
            if is_secret(model, key):
                found |= secret_values([_secret(a.value) for a in assignments])
    return frozenset(found)


def _secret(value: Any) -> Any:
    """A raw value given to a secret key, as the secret it becomes."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        return SecretStr(value)
    if isinstance(value, list | tuple):
        return [_secret(item) for item in value]
    if isinstance(value, Mapping):
        return {k: _secret(v) for k, v in value.items()}
    return value


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
    secrets = load_secrets(type(settings), settings.sources, settings)
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
