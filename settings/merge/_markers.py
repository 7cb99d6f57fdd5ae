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

from collections.abc import Callable, Mapping
from typing import Any, Final

from settings._errors import plural
from settings._provenance import MISSING


class Unset:
    """Forget what the lower layers set for the key (a whole table too): the schema default
    applies. The history records the key as ``removed``."""

    __slots__ = ("token",)

    def __init__(self, token: str = "@del") -> None:
        self.token: Final = token

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"Unset(token={self.token!r})"


class Replace:
    """A table that replaces the lower layers' table instead of merging into it."""

    __slots__ = ("token", "values")

    def __init__(self, values: Mapping[str, Any], token: str = "@reset") -> None:
        self.values: Final = values  # flat, relative to the table's key
        self.token: Final = token

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"Replace(token={self.token!r})"

    def with_values(self, values: Mapping[str, Any]) -> Replace:
        return Replace(values, self.token)


class Extend:
    """The list below, then ``items``; ``unique`` first drops the items below that ``items``
    repeats (Dynaconf's order). Below is the lower layers' list, else ``default`` (the schema's).
    """

    __slots__ = ("default", "items", "token", "unique", "verbatim")

    def __init__(
        self,
        items: tuple[Any, ...],
        unique: bool = False,
        default: Any = MISSING,
        token: str = "@merge",
        verbatim: bool = False,
    ) -> None:
        self.items: Final = items
        self.unique: Final = unique
        self.default: Final = default
        self.token: Final = token
        self.verbatim: Final = verbatim  # ``@merge [...]``: tokens in ``items`` stay text

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"Extend(unique={self.unique!r}, token={self.token!r}, verbatim={self.verbatim!r})"

    def with_items(self, items: tuple[Any, ...], *, verbatim: bool | None = None) -> Extend:
        verbatim = self.verbatim if verbatim is None else verbatim
        return Extend(items, self.unique, self.default, self.token, verbatim)

    def problem(self, below: Any) -> str | None:
        """``None``: an ``@merge`` applies to any value below. A value that is not a list (a
        text, a number) is replaced by the items, as Dynaconf does."""
        return None

    def apply(self, below: Any) -> list[Any]:
        base = self.default if below is MISSING else below
        old = list(base) if isinstance(base, list) else []
        if self.unique:
            old = [item for item in old if item not in self.items]
        return [*old, *self.items]


class Verbatim:
    """A value whose tokens stay text (inside ``@merge {...}``, as in Dynaconf); the merge
    sets ``value`` itself."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value: Final = value

    def __repr__(self) -> str:
        return "Verbatim()"


class Insert:
    """The list below with ``item`` inserted before position ``index`` (negative from the end)."""

    __slots__ = ("default", "index", "item", "token")

    def __init__(
        self, index: int, item: Any, default: Any = MISSING, token: str = "@insert"
    ) -> None:
        self.index: Final = index
        self.item: Final = item
        self.default: Final = default
        self.token: Final = token

    def __str__(self) -> str:
        return self.token

    def __repr__(self) -> str:
        return f"Insert(index={self.index!r}, token={self.token!r})"

    def with_item(self, item: Any) -> Insert:
        return Insert(self.index, item, self.default, self.token)

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
        return value.with_items(tuple(map_leaves(list(value.items), function)))
    if isinstance(value, Insert):
        return value.with_item(map_leaves(value.item, function))
    if isinstance(value, Replace):
        return value.with_values({key: map_leaves(v, function) for key, v in value.values.items()})
    return function(value)


def leaf_values(value: Any) -> list[Any]:
    """Every leaf :func:`map_leaves` visits in ``value``."""
    found: list[Any] = []
    map_leaves(value, found.append)
    return found
