"""Dynaconf's ``dynaconf_merge`` marks in the files' tables, as merge markers.

Without a mark, tables merge key by key and lists replace. Dynaconf's marks change that:

- a list holding the item ``"dynaconf_merge"`` (``"dynaconf_merge_unique"``) extends the list
  below instead of replacing it (without repeating what it repeats);
- ``dynaconf_merge = true`` in a table does so for every list inside the table, however deep;
  in an environment table or at the top of a file, for all of it;
- ``dynaconf_merge = false`` in a table replaces the table below instead of merging into it; in
  an environment table or at the top of a file, each table inside does;
- ``dynaconf_merge = {...}`` or ``[...]`` alone in a table (Dynaconf's short form) is merged in.

``dynaconf_merge_unique`` as a table key (``= true``, or the short form) is refused with
:data:`UNIQUE_KEY`: Dynaconf does not document it, and reads it as ``dynaconf_merge`` in a
nested table (repeats kept) and as an ordinary setting in an environment table or at the top of
a file. Rather than copy that, or mean something Dynaconf does not, the file is refused.

The list below a mark is the lower layers' list or, where no file sets it, the schema default.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from settings._errors import Problem
from settings._provenance import MISSING, Layer
from settings.merge import Merged
from settings.merge._markers import Extend, Insert, Replace

MERGE_KEYS = ("dynaconf_merge", "dynaconf_merge_unique")

#: Why ``dynaconf_merge_unique`` cannot be a table's key (it can be a list's item).
UNIQUE_KEY = (
    "is not a mark of a table in Dynaconf (it merges like dynaconf_merge, repeats kept, or is "
    "read as a setting); write dynaconf_merge = true, or mark the list: "
    '["dynaconf_merge_unique", ...] or "@merge_unique [...]"'
)

#: What a scope's mark says: lists extend ("merge"), extend uniquely, or tables replace.
Mode = Literal["merge", "unique", "replace"] | None

#: (dotted key, what is wrong) for a mark that means nothing.
Found = list[tuple[str, str]]

#: The model's schema defaults by dotted key (:func:`settings.schema._keys.schema_defaults`).
Defaults = Mapping[str, Any]


def file_mode(document: Mapping[str, Any]) -> Mode:
    """The mode a ``dynaconf_merge = true|false`` at the top of a file gives its tables
    (a ``dynaconf_merge_unique`` there is reported by :mod:`.files`, with :data:`UNIQUE_KEY`)."""
    flag = document.get(MERGE_KEYS[0])
    return _mode(flag) if isinstance(flag, bool) else None


def table_values(
    table: Mapping[str, Any], inherited: Mode, problems: Found, defaults: Defaults
) -> dict[str, Any]:
    """An environment table as flat dotted values, its marks turned into markers."""
    body, own = _flag(table, "", problems)
    mode = own or inherited
    if mode == "replace":  # at this level, false means: each table inside replaces its own
        return _entries(body, "", True, None, problems, defaults)
    return _entries(body, "", False, mode, problems, defaults)


def merged_table(
    table: Mapping[str, Any], key: str, unique: bool, defaults: Defaults
) -> dict[str, Any]:
    """``table`` merged into ``key``, as ``@merge {...}`` does: its lists extend the ones below."""
    mode: Mode = "unique" if unique else "merge"
    return _entries(table, f"{key}.", False, mode, [], defaults)


def extend(key: str, items: Iterable[Any], unique: bool, token: str, defaults: Defaults) -> Extend:
    """An :class:`Extend` of the list below ``key``, the schema default where no file sets it."""
    return Extend(tuple(items), unique, schema_default(key, defaults), token)


def schema_default(key: str, defaults: Defaults) -> Any:
    """The schema's default for dotted ``key``; :data:`MISSING` when it has none."""
    default = defaults.get(key, MISSING)
    return default if default is MISSING else copy.deepcopy(default)


def check_markers(layers: list[Layer]) -> list[Problem]:
    """Report, and drop, every ``@merge`` or ``@insert`` that cannot apply to what is below it.

    One merge, a layer at a time: each layer's markers are checked against the layers below.
    """
    problems = []
    below = Merged()
    for index, layer in enumerate(layers):
        bad = [
            (key, reason)
            for key, marker in layer.values.items()
            if isinstance(marker, Extend | Insert)
            and (reason := marker.problem(below.values.get(key, MISSING))) is not None
        ]
        if bad:
            problems += [Problem(key, reason, layer.origin) for key, reason in bad]
            dropped = {key for key, _ in bad}
            layer = Layer(layer.origin, {k: v for k, v in layer.values.items() if k not in dropped})
            layers[index] = layer
        below.add(layer)
    return problems


def _entries(
    table: Mapping[str, Any],
    prefix: str,
    replace: bool,
    lists: Mode,
    problems: Found,
    defaults: Defaults,
) -> dict[str, Any]:
    """Flat values of ``table``: with ``replace``, each table directly inside it replaces the one
    below; ``lists`` is the mode of the lists however deep inside it."""
    flat: dict[str, Any] = {}
    for name, value in table.items():
        dotted = prefix + name
        if isinstance(value, dict):
            flat.update(_table(value, dotted, replace, lists, problems, defaults))
        elif isinstance(value, list):
            flat[dotted] = _list(value, dotted, lists, defaults)
        else:
            flat[dotted] = value
    return flat


def _table(
    table: dict[str, Any],
    key: str,
    replace: bool,
    lists: Mode,
    problems: Found,
    defaults: Defaults,
) -> dict[str, Any]:
    if len(table) == 1 and isinstance(short := next(iter(table.values())), list):
        name = next(iter(table))
        if name == MERGE_KEYS[0]:  # [default.allowed_hosts] dynaconf_merge = ["x"]
            return {key: extend(key, short, False, name, defaults)}
        if name == MERGE_KEYS[1]:
            problems.append((f"{key}.{name}", UNIQUE_KEY))
            return {}
    body, own = _flag(table, f"{key}.", problems)
    if own == "replace" or (replace and own is None):
        inner = _entries(body, f"{key}.", False, None, problems, defaults)
        return {key: Replace({k.removeprefix(f"{key}."): v for k, v in inner.items()}, _MARK)}
    return _entries(body, f"{key}.", False, own or lists, problems, defaults)


def _list(items: list[Any], key: str, mode: Mode, defaults: Defaults) -> Any:
    for name in MERGE_KEYS:
        if name in items:
            rest = list(items)
            rest.remove(name)
            return extend(key, rest, name == MERGE_KEYS[1], name, defaults)
    if mode in ("merge", "unique"):
        return extend(key, items, mode == "unique", _MARK, defaults)
    return items


def _flag(table: Mapping[str, Any], where: str, problems: Found) -> tuple[dict[str, Any], Mode]:
    """``table`` without its mark, and the mode the mark gives."""
    body = {k: v for k, v in table.items() if k not in MERGE_KEYS}
    if MERGE_KEYS[1] in table:
        problems.append((where + MERGE_KEYS[1], UNIQUE_KEY))
    name = MERGE_KEYS[0]
    if name not in table:
        return body, None
    flag = table[name]
    if isinstance(flag, bool):
        return body, _mode(flag)
    if isinstance(flag, dict) and not body:  # dynaconf_merge = {host = "x"}, alone
        return flag, _mode(True)
    message = "must be true or false, or hold the values to merge alone in its table"
    problems.append((where + name, message))
    return body, None


def _mode(flag: bool) -> Mode:
    return "merge" if flag else "replace"


_MARK = "dynaconf_merge"
