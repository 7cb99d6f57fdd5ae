"""How the commands show values: secrets masked, values as TOML literals, problems as a report.

Masking is applied to every value a command prints: a ``SecretStr``, any key named like a
secret (``password``, ``secret``, ``token``: this also covers driver options such as
``?password=`` from ``DATABASE_URL``), and the password inside any URL-like text.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

from settings.errors import ImproperlyConfigured, Problem
from settings.keys import schema_keys
from settings.schema import Settings
from settings.secrets import MASK, hide_url_password, is_secret

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def mask(key: str, value: Any) -> Any:
    """``value`` as it may be shown. An empty secret is shown empty: that reveals nothing."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, Mapping):
        return {name: mask(f"{key}.{name}", item) for name, item in value.items()}
    if is_secret(key) and value not in (None, ""):
        return MASK
    if isinstance(value, list | tuple):
        return [mask(key, item) for item in value]
    if isinstance(value, str):
        return hide_url_password(value)
    return value


def shown_url(settings: Settings) -> str:
    """``database.url`` with its password and any secret-named option masked; a socket
    directory (``?host=/run/postgresql``) stays, written as libpq reads it."""
    database = settings.database
    options = {name: mask(f"database.options.{name}", v) for name, v in database.options.items()}
    query = {**database.url.query, **options}
    url = database.url.set(query=query).render_as_string(hide_password=True)
    url = url.replace(":***@", f":{MASK}@", 1)
    url = url.replace("%2A" * len(MASK), MASK)
    socket = query.get("host")
    if isinstance(socket, str) and socket.startswith("/"):
        url = url.replace(f"host={quote_plus(socket)}", f"host={quote(socket)}", 1)
    return url


def masked_tree(settings: Settings) -> dict[str, Any]:
    """The settings as nested plain values, masked, with ``database.url`` added."""
    tree: dict[str, Any] = mask("", settings.model_dump())
    tree["database"]["url"] = shown_url(settings)
    return tree


def leaves(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys to values; a free-form mapping such as ``database.options`` is one value."""
    kinds = schema_keys()
    flat: dict[str, Any] = {}
    for name, value in tree.items():
        key = prefix + name
        if isinstance(value, Mapping) and kinds.get(key) != "mapping":
            flat.update(leaves(value, key + "."))
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


def to_json(data: Any) -> str:
    """Pretty JSON for ``--format json``; anything not JSON-native is shown as text."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def problem_data(problem: Problem) -> dict[str, Any]:
    """A problem as a JSON object (problems never hold secret values)."""
    return dataclasses.asdict(problem)


def report(problems: Sequence[Problem]) -> str:
    """The human report: the startup report when there are errors, else the list of warnings."""
    if any(problem.is_error for problem in problems):
        return ImproperlyConfigured(problems).report()
    noun = "warning" if len(problems) == 1 else "warnings"
    lines = [f"{len(problems)} {noun}"]
    lines += [f"  {problem}".replace("\n", "\n  ") for problem in problems]
    return "\n".join(lines)


def report_by_environment(affected: Mapping[Problem, Sequence[str]]) -> str:
    """The report of several environments: each problem once, after the environments it is
    found in (``[development, testing] ERROR debug: ...``); the heading counts each once."""
    heading = report(list(affected)).partition("\n")[0]
    lines = [
        f"  [{', '.join(names)}] {problem}".replace("\n", "\n  ")
        for problem, names in affected.items()
    ]
    return "\n".join([heading, *lines])


def counts(problems: Sequence[Problem]) -> str:
    """``2 errors, 1 warning``."""
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    return f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"

