"""How a value combines with what the lower layers set: Dynaconf's merge tokens as markers.

The loader turns the files' ``@del``/``@empty`` into :class:`Unset`, ``@merge``/``@merge_unique``
and ``dynaconf_merge`` lists into :class:`Extend`, ``@insert`` into :class:`Insert`, and
``@reset {table}``/``dynaconf_merge = false`` into :class:`Replace`;
:func:`settings.merge.merge` applies them. Without a marker, tables merge key by key and
lists replace. A marker's ``str()`` is its token, never its value: the value may be a secret.
:func:`map_leaves` reaches the values inside markers, for the tokens still to evaluate there,
except inside :class:`Verbatim` and a verbatim :class:`Extend` (an ``@merge`` value, whose tokens
Dynaconf keeps as text).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from settings._errors import plural
from settings._provenance import MISSING


@dataclass(frozen=True)
class Unset:
    """Forget what the lower layers set for the key (a whole table too): the schema default
    applies. The history records the key as ``removed``."""

    token: str = "@del"

    def __str__(self) -> str:
        return self.token


@dataclass(frozen=True)
class Replace:
    """A table that replaces the lower layers' table instead of merging into it."""

    values: Mapping[str, Any] = field(repr=False)  # flat, relative to the table's key
    token: str = "@reset"

    def __str__(self) -> str:
        return self.token


@dataclass(frozen=True)
class Extend:
    """The list below, then ``items``; ``unique`` first drops the items below that ``items``
    repeats (Dynaconf's order). Below is the lower layers' list, else ``default`` (the schema's).
    """

    items: tuple[Any, ...] = field(repr=False)
    unique: bool = False
    default: Any = field(default=MISSING, repr=False)
    token: str = "@merge"
    verbatim: bool = False  # ``@merge [...]``: tokens in ``items`` stay text, as in Dynaconf

    def __str__(self) -> str:
        return self.token

    def problem(self, below: Any) -> str | None:
        """``None``: an ``@merge`` applies to any value below. A value that is not a list (a
        text, a number) is replaced by the items, as Dynaconf does."""
        return None

    def apply(self, below: Any) -> list[Any]:
        base = self._base(below)
        old = list(base) if isinstance(base, list) else []
        if self.unique:
            old = [item for item in old if item not in self.items]
        return [*old, *self.items]

    def _base(self, below: Any) -> Any:
        return self.default if below is MISSING else below


@dataclass(frozen=True)
class Verbatim:
    """A value whose tokens stay text (inside ``@merge {...}``, as in Dynaconf); the merge
    sets ``value`` itself."""

    value: Any = field(repr=False)


@dataclass(frozen=True)
class Insert:
    """The list below with ``item`` inserted before position ``index`` (negative from the end)."""

    index: int
    item: Any = field(repr=False)
    default: Any = field(default=MISSING, repr=False)
    token: str = "@insert"

    def __str__(self) -> str:
        return self.token

    def problem(self, below: Any) -> str | None:
        """Why this cannot apply to ``below`` (index out of range), or ``None``. A value below
        that is not a list counts as an empty list, replaced, as in Dynaconf."""
        base = self.default if below is MISSING else below
        size = len(base) if isinstance(base, list) else 0
        if not -size <= self.index <= size:
            return (
                f"{self.token}: index {self.index} is out of range for the "
                f"{plural(size, 'item')} below"
            )
        return None

    def apply(self, below: Any) -> list[Any]:
        base = self.default if below is MISSING else below
        items = list(base) if isinstance(base, list) else []
        items.insert(self.index, self.item)
        return items


def map_leaves(value: Any, function: Callable[[Any], Any]) -> Any:
    """``value`` with ``function`` applied to every leaf in it: list items, the values of tables
    inside lists (``[[default.items]]``), markers' values."""
    if isinstance(value, list):
        return [map_leaves(item, function) for item in value]
    if isinstance(value, dict):
        return {key: map_leaves(item, function) for key, item in value.items()}
    if isinstance(value, Verbatim) or (isinstance(value, Extend) and value.verbatim):
        return value
    if isinstance(value, Extend):
        items = tuple(map_leaves(list(value.items), function))
        return dataclasses.replace(value, items=items)
    if isinstance(value, Insert):
        return dataclasses.replace(value, item=map_leaves(value.item, function))
    if isinstance(value, Replace):
        inner = {key: map_leaves(item, function) for key, item in value.values.items()}
        return dataclasses.replace(value, values=inner)
    return function(value)


def leaf_values(value: Any) -> list[Any]:
    """Every leaf :func:`map_leaves` visits in ``value``."""
    found: list[Any] = []
    map_leaves(value, found.append)
    return found
