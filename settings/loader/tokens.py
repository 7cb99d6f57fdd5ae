"""Dynaconf's tokens in the files' strings: ``@format``, ``@jinja``, ``@int``, ``@json``, ``@get``,
``@read_file`` ...

This is the only module that imports Dynaconf, and only when a file uses a token. ``{env[X]}``
reads the injected environment; ``this`` is the merged values, environment variables included,
as Dynaconf's ``this`` would be. Environment variables never pass through here: they stay
literal text.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from settings.errors import Problem
from settings.provenance import Layer, merge, unflatten
from settings.schema import SECRET_KEYS


def evaluate_tokens(
    layers: list[Layer], environ: Mapping[str, str], variables: list[Layer]
) -> list[Problem]:
    """Apply the tokens of the files' ``layers``, list items included, in place.

    ``variables`` are the environment's layers: ``this`` sees them, but they are not evaluated.
    Returns a problem, with key and origin, for every token that fails.
    """
    if not any(_has_token(v) for layer in layers for v in layer.values.values()):
        return []  # Dynaconf is imported only for files that use its tokens
    literal = frozenset(key for layer in variables for key in layer.values)
    this = _This(unflatten(merge([*layers, *variables])[0]), environ, literal)
    problems: list[Problem] = []
    for index, layer in enumerate(layers):
        values = dict(layer.values)
        for key, value in layer.values.items():
            if not _has_token(value):
                continue
            try:
                if isinstance(value, list):
                    values[key] = [_evaluate(item, environ, this) for item in value]
                else:
                    values[key] = _evaluate(value, environ, this)
            except Exception as exc:  # Dynaconf raises many types; all mean a bad token
                token = next(v for v in _strings(value) if _is_token(v)).split(" ", 1)[0]
                detail = "" if key in SECRET_KEYS else f": {exc}"
                problems.append(Problem(key, f"cannot evaluate {token}{detail}", layer.origin))
        layers[index] = Layer(layer.origin, values)
    return problems


UNSUPPORTED_TOKENS = ("@merge", "@merge_unique", "@insert", "@del", "@reset", "@empty")


def _evaluate(value: Any, environ: Mapping[str, str], this: _This) -> Any:
    if not _is_token(value):
        return value
    from dynaconf.utils.parse_conf import Lazy, parse_conf_data

    if value.split(" ", 1)[0] in UNSUPPORTED_TOKENS:
        raise ValueError("tables merge and lists replace by themselves here")
    # AUTO_CAST given here, or Dynaconf reads it from os.environ and may skip every token.
    parsed = parse_conf_data(value, tomlfy=False, box_settings={"AUTO_CAST_FOR_DYNACONF": True})
    if isinstance(parsed, Lazy):
        lazy = parsed
        parsed = lazy.formatter(lazy.value, env=environ, this=this)
        if lazy.casting is not None:
            parsed = lazy.casting(parsed)
    return _plain(parsed)


def _plain(value: Any) -> Any:
    """Dynaconf's boxes as plain dicts (their ``to_dict()`` warns that it is deprecated)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


class _This:
    """Dynaconf's ``this`` over the merged values: ``this.a.b``, ``this["a"]``, ``get("a.b")``.

    Keys are case-insensitive. A file's value that is itself a token is evaluated when read;
    values from environment variables (the ``literal`` keys) stay text.
    """

    def __init__(
        self,
        values: dict[str, Any],
        environ: Mapping[str, str],
        literal: frozenset[str],
        prefix: str = "",
    ) -> None:
        self._values = values
        self._environ = environ
        self._literal = literal
        self._prefix = prefix

    def get(self, key: str, default: Any = None, cast: str | None = None, **_: Any) -> Any:
        node: Any = self._values
        for part in key.lower().split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if self._prefix + key.lower() not in self._literal:
            evaluate = functools.partial(_evaluate, environ=self._environ, this=self)
            node = [evaluate(v) for v in node] if isinstance(node, list) else evaluate(node)
        if cast is not None:
            from dynaconf.utils.parse_conf import apply_converter

            node = apply_converter(cast, node, box_settings={})
        return node

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key, default=_This) is not _This

    def __getattr__(self, name: str) -> Any:
        value = self.get(name, default=_This) if not name.startswith("__") else _This
        if value is _This:
            raise AttributeError(name)
        if isinstance(value, dict):
            return _This(value, self._environ, self._literal, f"{self._prefix}{name.lower()}.")
        return value

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__getattr__(name)
        except AttributeError:
            raise KeyError(name) from None


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@")


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_token(value: Any) -> bool:
    return any(_is_token(item) for item in _strings(value))
