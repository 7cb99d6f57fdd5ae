"""Dynaconf's ``this`` for the files' tokens: the merged values, read as ``this.a.b``,
``this["a"]``, ``this.get("a.b")`` or ``this.a.list[0]`` (what ``@format``, ``@jinja`` and
``@get`` use), and ``this.current_env``, the environment being loaded.

A table read through ``this`` is a read-only mapping, as Dynaconf's box is: ``{this.database}``
is its text (``{'host': 'db', 'port': 5432}``), and in ``@jinja`` ``this.database | tojson``,
``this.database.items()`` and ``this.database | length`` work. Its values are evaluated only
when read, so a table whose keys read one another through ``this`` does not loop.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from settings._provenance import MISSING


class This(Mapping[str, Any]):
    """The merged values, keys case-insensitive. A file's value that is itself a token is
    evaluated when read (by ``evaluate``); values from environment variables (the ``literal``
    keys) stay text. ``cast(name, value)`` applies a converter such as ``@int``."""

    def __init__(
        self,
        values: dict[str, Any],
        literal: frozenset[str],
        evaluate: Callable[[Any], Any],
        cast: Callable[[str, Any], Any],
        prefix: str = "",
        current_env: str | None = None,
        read: set[str] | None = None,
    ) -> None:
        self._values = values
        self._literal = literal
        self._evaluate = evaluate
        self._cast = cast
        self._prefix = prefix
        self._current_env = current_env
        #: Every text a token read through ``this``: its error never quotes one of them.
        self.read: set[str] = set() if read is None else read

    def get(self, key: str, default: Any = None, cast: str | None = None, **_: Any) -> Any:
        """The value at dotted ``key``, else ``default``; ``cast`` as in ``@get key @int``
        (applied to the default too, as Dynaconf does). A part that is a number indexes a list
        (``allowed_hosts.0``), as in Dynaconf."""
        node: Any = self._values
        path: list[str] = []  # the key's parts before any list index: the setting's key
        indexed = False
        for part in key.lower().split("."):
            if isinstance(node, list) and _is_index(part, node):
                node, indexed = node[int(part)], True
            elif isinstance(node, dict) and part in node:
                node = node[part]
                path += [] if indexed else [part]
            else:
                return default if cast is None else self._cast(cast, default)
        dotted = self._prefix + ".".join(path)
        if isinstance(node, dict) and not indexed:
            value = This(
                node, self._literal, self._evaluate, self._cast, f"{dotted}.", read=self.read
            )
        else:  # inside a list, the list's key says whether it is literal
            value = self._view(node, _same if dotted in self._literal else self._evaluate)
        return value if cast is None else self._cast(cast, plain(value))

    def _view(self, node: Any, evaluate: Callable[[Any], Any]) -> Any:
        """``node`` (a value, a list, a table inside a list) as a token reads it: values
        evaluated, tables as :class:`This`."""
        if isinstance(node, dict):
            return This(node, frozenset(), evaluate, self._cast, read=self.read)
        if isinstance(node, list):
            return [self._view(item, evaluate) for item in node]
        value = evaluate(node)
        if isinstance(value, dict | list):  # @json {...}: evaluated already, nothing inside is
            return self._view(value, _same)
        self.read.update(_texts(value))
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, default=MISSING) is not MISSING

    def __getattr__(self, name: str) -> Any:
        value = self.get(name, default=MISSING) if not name.startswith("__") else MISSING
        if value is MISSING and name == "current_env" and self._current_env is not None:
            return self._current_env
        if value is MISSING:
            raise AttributeError(name)
        return value

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __str__(self) -> str:
        """The table's text, as Dynaconf's ``{this.database}`` gives it."""
        return str(plain(self))

    __repr__ = __str__


def plain(value: Any) -> Any:
    """``value`` with every :class:`This` inside it as a plain dict, its values evaluated."""
    if isinstance(value, This):
        return {key: plain(value[key]) for key in value}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def _same(value: Any) -> Any:
    return value


def _is_index(part: str, items: list[Any]) -> bool:
    return part.lstrip("-").isdigit() and -len(items) <= int(part) < len(items)


def _texts(value: Any) -> list[str]:
    """The text inside ``value`` (a value, a list, a table), as a token may quote it."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    return [] if value is None else [str(value)]
