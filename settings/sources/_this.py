"""Dynaconf's ``this`` for the files' tokens: the merged values, read as ``this.a.b``,
``this["a"]``, ``this.get("a.b")`` or ``this.a.list[0]`` (what ``@format``, ``@jinja`` and
``@get`` use), and ``this.current_env``, the environment being loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from settings._provenance import MISSING


class This:
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
        """The value at dotted ``key``, else ``default``; ``cast`` as in ``@get key @int``.
        A part that is a number indexes a list (``allowed_hosts.0``), as in Dynaconf."""
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
                return default
        if self._prefix + ".".join(path) not in self._literal:
            evaluate = self._evaluate
            node = [evaluate(v) for v in node] if isinstance(node, list) else evaluate(node)
        self.read.update(_texts(node))
        return node if cast is None else self._cast(cast, node)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, default=MISSING) is not MISSING

    def __getattr__(self, name: str) -> Any:
        # A table walked through (``this.database`` of ``this.database.host``) is not read:
        # only what the token takes from it is (a secret beside ``host`` is not).
        read, self.read = self.read, set()
        try:
            value = self.get(name, default=MISSING) if not name.startswith("__") else MISSING
        finally:
            walked, self.read = self.read, read
        if not isinstance(value, dict):
            read.update(walked)
        if value is MISSING and name == "current_env" and self._current_env is not None:
            return self._current_env
        if value is MISSING:
            raise AttributeError(name)
        if isinstance(value, dict):
            prefix = f"{self._prefix}{name.lower()}."
            return This(value, self._literal, self._evaluate, self._cast, prefix, read=self.read)
        return value

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None


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
