"""Layers of values and the record of where each value came from.

A :class:`Layer` is one source's values as a flat ``{"database.port": 5433}`` mapping, with the
origin a person reads in a report (``settings.toml [production]``, ``env DB_PORT``). Merging the
layers in precedence order is one loop: tables merge key by key because the keys are dotted
leaves, and lists replace because a list is a leaf.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Layer:
    """One source's values, flattened to dotted keys."""

    origin: str
    values: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Assignment:
    """One layer setting one key. ``value`` is kept out of ``repr``: it may be a secret."""

    key: str
    origin: str
    value: Any = field(repr=False)


@dataclass(frozen=True)
class Sources:
    """Where the effective settings came from, for reports, ``explain`` and the startup log."""

    environment: str
    files: tuple[str, ...]
    variables: tuple[str, ...]
    history: Mapping[str, tuple[Assignment, ...]] = field(repr=False)
    unknown_variables: tuple[str, ...] = ()
    development_secrets: frozenset[str] = field(default=frozenset(), repr=False)

    def origin(self, key: str) -> str | None:
        """The origin of the value that won for ``key`` (or for the last key set inside it)."""
        assignments = self.history.get(key)
        if assignments:
            return assignments[-1].origin
        inside = [a[-1].origin for k, a in self.history.items() if k.startswith(key + ".")]
        return inside[-1] if inside else None


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"database": {"port": 1}}`` -> ``{"database.port": 1}``; lists and scalars are leaves."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, dotted + "."))
        elif not isinstance(value, Mapping):
            flat[dotted] = value
    return flat


def unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`flatten`."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        *parents, leaf = dotted.split(".")
        table = nested
        for part in parents:
            table = table.setdefault(part, {})
        table[leaf] = value
    return nested


def merge(layers: Iterable[Layer]) -> tuple[dict[str, Any], dict[str, tuple[Assignment, ...]]]:
    """Apply layers lowest precedence first; return the winning values and every assignment."""
    values: dict[str, Any] = {}
    history: dict[str, list[Assignment]] = {}
    for layer in layers:
        for key, value in layer.values.items():
            # A value replaces a table of the same name and a table replaces a value, so the
            # winning keys always nest: never both ``a.b`` and ``a.b.c``.
            for other in [k for k in values if k.startswith(f"{key}.") or key.startswith(f"{k}.")]:
                del values[other]
            values[key] = value
            history.setdefault(key, []).append(Assignment(key, layer.origin, value))
    return values, {key: tuple(assignments) for key, assignments in history.items()}
