"""``show``: the effective settings, secrets masked, as text (with origins), JSON or TOML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from settings.cli.context import Context
from settings.cli.loading import load_unchecked
from settings.cli.render import leaves, literal, masked_tree, to_json, toml_key
from settings.keys import schema_keys
from settings.schema import Settings


def run(context: Context) -> int:
    """Print the effective settings; deployment rules are ``check``'s business."""
    settings = load_unchecked(context.env, context.root, context.environ)
    tree = masked_tree(settings)
    if context.format == "json":
        context.print(to_json(tree))
    elif context.format == "toml":
        context.print("\n".join(_toml(tree)))
    else:
        context.print("\n".join(_text(settings, tree)))
    return 0


def _text(settings: Settings, tree: Mapping[str, Any]) -> list[str]:
    """``key = value  # origin`` lines, after a header naming the environment and sources."""
    sources = settings.sources
    files = ", ".join(sources.files) if sources else ""
    variables = ", ".join(sources.variables) if sources and sources.variables else "none"
    lines = [
        f"# environment {settings.environment}; files: {files}; variables: {variables}; "
        f"fingerprint {settings.fingerprint}"
    ]
    flat = {key: literal(value) for key, value in leaves(tree).items()}
    width = max(len(key) + len(value) for key, value in flat.items()) + 3
    for key, value in flat.items():
        line = f"{key} = {value}"
        origin = _origin(settings, key)
        lines.append(f"{line:<{width}}  # {origin}" if origin else line)
    return lines


def _origin(settings: Settings, key: str) -> str:
    if key == "database.url":
        return "composed from database.*"
    sources = settings.sources
    return (sources.origin(key) if sources else None) or "schema default"


def _toml(tree: Mapping[str, Any], prefix: str = "") -> list[str]:
    """A TOML document; a value that is not set (TOML has no null) becomes a comment."""
    kinds = schema_keys()
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
        lines += ["", f"[{key}]", *_toml(table, key + ".")]
    return lines
