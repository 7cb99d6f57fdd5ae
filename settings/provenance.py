"""Layers of values and the record of where each value came from.

A :class:`Layer` is one source's values as a flat ``{"database.port": 5433}`` mapping, with the
origin a person reads in a report (``settings.toml [production]``, ``env DB_PORT``). Merging the
layers in precedence order is one loop: tables merge key by key because the keys are dotted
leaves, and lists replace because a list is a leaf.

A value may instead be a marker (:mod:`settings.markers`) saying how it combines with what the
lower layers set: Dynaconf's ``@del``, ``@merge``, ``@insert``, ``@reset``. :func:`merge`
applies them, so the history records the layer that applied one and the value that resulted
(``None`` where a layer removed the key).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from settings.markers import MISSING, Extend, Insert, Replace, Unset


@dataclass(frozen=True)
class Layer:
    """One source's values, flattened to dotted keys."""

    origin: str
    values: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Assignment:
    """One layer setting one key. ``value`` is kept out of ``repr``: it may be a secret.

    A layer that removed the key (``@del``, a replaced table) is ``removed``, with value ``None``:
    below it, the schema default applies.
    """

    key: str
    origin: str
    value: Any = field(repr=False)
    removed: bool = False


@dataclass(frozen=True)
class Sources:
    """Where the effective settings came from, for reports, ``explain`` and the startup log."""

    environment: str
    files: tuple[str, ...]
    variables: tuple[str, ...]
    history: Mapping[str, tuple[Assignment, ...]] = field(repr=False)
    unknown_variables: tuple[str, ...] = ()
    development_secrets: frozenset[str] = field(default=frozenset(), repr=False)
    #: Dotted key -> path, for each value read from a file named by an ``X_FILE`` variable,
    #: so that a rotated secret can be read again (the database password, per connection).
    secret_files: Mapping[str, str] = field(default_factory=dict)

    def origin(self, key: str) -> str | None:
        """The origin of the value that won for ``key`` (or for the last key set inside it);
        ``None`` where that is the schema default."""
        assignments = self.history.get(key)
        if assignments:
            return None if assignments[-1].removed else assignments[-1].origin
        inside = [a[-1] for k, a in self.history.items() if k.startswith(key + ".")]
        inside = [assignment for assignment in inside if not assignment.removed]
        return inside[-1].origin if inside else None


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
    merged = _Merged()
    for layer in layers:
        for key, value in layer.values.items():
            merged.assign(key, value, layer.origin)
    return merged.values, {key: tuple(items) for key, items in merged.history.items()}


class _Merged:
    """The values so far and their history, as :func:`merge` builds them."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.history: dict[str, list[Assignment]] = {}

    def assign(self, key: str, value: Any, origin: str) -> None:
        if isinstance(value, Unset):
            self._forget(key, origin, keep=())
            return
        if isinstance(value, Replace):
            inner = {f"{key}.{name}": item for name, item in value.values.items()}
            self._forget(key, origin, keep=inner)
            for dotted, item in inner.items():
                self.assign(dotted, item, origin)
            return
        if isinstance(value, Extend | Insert):
            value = value.apply(self.values.get(key, MISSING))
        # A value replaces a table of the same name and a table replaces a value, so the
        # winning keys always nest: never both ``a.b`` and ``a.b.c``.
        for other in [k for k in self.values if _nested(k, key) or _nested(key, k)]:
            del self.values[other]
        self.values[key] = value
        self._record(key, origin, value)

    def _forget(self, key: str, origin: str, keep: Collection[str]) -> None:
        """Drop ``key`` and every key inside it, recording ``None`` for each one not in
        ``keep`` (the keys about to be set again), or for ``key`` if that records nothing."""
        gone = [k for k in self.values if k == key or _nested(key, k)]
        for dropped in gone:
            del self.values[dropped]
        recorded = [k for k in gone if k not in keep]
        for dropped in recorded or ([] if keep else [key]):
            self._record(dropped, origin, None, removed=True)

    def _record(self, key: str, origin: str, value: Any, *, removed: bool = False) -> None:
        self.history.setdefault(key, []).append(Assignment(key, origin, value, removed))


def _nested(outer: str, inner: str) -> bool:
    """Whether dotted ``inner`` is inside the table ``outer``."""
    return inner.startswith(f"{outer}.")
