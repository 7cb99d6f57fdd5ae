"""The merge: layers applied in precedence order, with the history of every key.

Merging is one loop: tables merge key by key because the keys are dotted leaves (:func:`flatten`),
and lists replace because a list is a leaf. A value may instead be a marker
(:mod:`settings.merge._markers`) saying how it combines with what the lower layers set:
Dynaconf's ``@del``, ``@merge``, ``@insert``, ``@reset``. :class:`Merged` applies them, so the
history records the layer that applied one and the value that resulted (``None`` where a layer
removed the key).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from settings._provenance import MISSING, Assignment, Layer
from settings.merge._markers import Extend, Insert, Replace, Unset, Verbatim


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
    merged = Merged()
    for layer in layers:
        merged.add(layer)
    return merged.values, merged.assignments()


class Merged:
    """The values so far and their history, one layer added at a time.

    The cost is linear in the number of keys: the keys inside each table are indexed, so a
    value that replaces a table (or a table that replaces a value) finds what it removes
    without scanning every key.
    """

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.history: dict[str, list[Assignment]] = {}
        # table -> the keys of ``values`` inside it, in the order of ``values``
        self._inside: dict[str, dict[str, None]] = {}

    def add(self, layer: Layer) -> None:
        """Apply one layer, above the ones added before it."""
        for key, value in layer.values.items():
            self.assign(key, value, layer.origin)

    def assignments(self) -> dict[str, tuple[Assignment, ...]]:
        return {key: tuple(items) for key, items in self.history.items()}

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
        if isinstance(value, Verbatim):
            value = value.value
        if isinstance(value, Extend | Insert):
            value = value.apply(self.values.get(key, MISSING))
        # A value replaces a table of the same name and a table replaces a value, so the
        # winning keys always nest: never both ``a.b`` and ``a.b.c``.
        for other in [*_tables_around(key, self.values), *self._inside.get(key, ())]:
            self._drop(other)
        if key not in self.values:
            for table in _tables_around(key):
                self._inside.setdefault(table, {})[key] = None
        self.values[key] = value
        self._record(key, origin, value)

    def _forget(self, key: str, origin: str, keep: Collection[str]) -> None:
        """Drop ``key`` and every key inside it, recording ``None`` for each one not in
        ``keep`` (the keys about to be set again), or for ``key`` if that records nothing."""
        # ``key`` and keys inside it are never both there (see :meth:`assign`).
        gone = [key] if key in self.values else list(self._inside.get(key, ()))
        for dropped in gone:
            self._drop(dropped)
        recorded = [k for k in gone if k not in keep]
        for dropped in recorded or ([] if keep else [key]):
            self._record(dropped, origin, None, removed=True)

    def _drop(self, key: str) -> None:
        del self.values[key]
        for table in _tables_around(key):
            inside = self._inside[table]
            del inside[key]
            if not inside:
                del self._inside[table]

    def _record(self, key: str, origin: str, value: Any, *, removed: bool = False) -> None:
        self.history.setdefault(key, []).append(Assignment(key, origin, value, removed))


def _tables_around(key: str, present: Collection[str] | None = None) -> list[str]:
    """The tables ``key`` is inside (``a`` and ``a.b`` for ``a.b.c``), outermost first; with
    ``present``, only those that are in it."""
    parts = key.split(".")
    tables = [".".join(parts[:end]) for end in range(1, len(parts))]
    return tables if present is None else [table for table in tables if table in present]
