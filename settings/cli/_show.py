"""``show``: the effective settings, secrets masked, as text (with origins), JSON or TOML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from settings._display import derived_from, dotted_values, literal, masked_tree, toml_key
from settings.cli._context import Context
from settings.cli._loading import load_unchecked
from settings.cli._render import to_json
from settings.schema import BaseSettings
from settings.schema._keys import computed_keys, schema_keys

#: Lines up to this long are aligned; longer ones keep their origin two spaces after them.
ALIGNED = 100


def run(context: Context) -> int:
    """Print the effective settings; deployment rules are ``check``'s business."""
    settings = load_unchecked(context)
    tree = masked_tree(settings)
    if context.format == "json":
        context.print(to_json(tree))
    elif context.format == "toml":
        context.print("\n".join(_toml(type(settings), tree)))
    else:
        context.print("\n".join(_text(settings, tree)))
    return 0


def _text(settings: BaseSettings, tree: Mapping[str, Any]) -> list[str]:
    """``key = value  # origin`` lines, after a header naming the environment and sources."""
    sources = settings.sources
    files = ", ".join(sources.files) if sources else ""
    variables = ", ".join(sources.variables) if sources and sources.variables else "none"
    lines = [
        f"# environment {settings.environment}; files: {files}; variables: {variables}; "
        f"fingerprint {settings.fingerprint}"
    ]
    values = dotted_values(type(settings), tree)
    flat = {key: f"{key} = {literal(value)}" for key, value in values.items()}
    # Origins line up after the longest line up to ALIGNED characters; a longer one (a list of
    # 6,000 hosts) is not followed by padding on every other line.
    width = max((len(line) for line in flat.values() if len(line) <= ALIGNED), default=0)
    for key, line in flat.items():
        origin = _origin(settings, key)
        lines.append(f"{line:<{width}}  # {origin}" if origin else line)
    return lines


def _origin(settings: BaseSettings, key: str) -> str:
    if key in computed_keys(type(settings)):
        return "computed by the model; not settable"
    section = derived_from(type(settings), key)
    if section is not None:
        return f"composed from {section}.*"
    sources = settings.sources
    return (sources.origin(key) if sources else None) or "schema default"


def _toml(model: type[BaseSettings], tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    """A TOML document; a value that is not set (TOML has no null) becomes a comment."""
    kinds = schema_keys(model)
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for name, value in tree.items():
        key = prefix + name
        if isinstance(value, Mapping) and kinds.get(key) != "mapping":
            tables.append((key, value))
        elif value is None:
            lines.append(f"# {toml_key(name)} is not set")
        else:
            lines.append(f"{toml_key(name)} = {literal(value)}")
    for key, table in tables:
        lines += ["", f"[{key}]", *_toml(model, table, key + ".")]
    return lines
