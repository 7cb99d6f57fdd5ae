"""Read the settings files and the environment into layers, in precedence order.

Precedence, lowest first (the README says the same):

1. the defaults written in :mod:`settings.schema`
2. ``settings.toml`` ``[default]``
3. ``settings.toml`` ``[<environment>]``
4. ``.secrets.toml`` ``[default]``, then ``[<environment>]`` (optional)
5. ``settings.local.toml`` ``[default]``, then ``[<environment>]`` (optional, git-ignored)
6. environment variables: ``APP_<KEY>`` and the deployment variables (``DATABASE_URL``,
   ``DB_*``, ``SECRET_KEY``, ``CORS_ORIGINS``, each also as ``<NAME>_FILE``)

A file's ``[global]`` table, if any, applies after its environment table, as in Dynaconf.

This is the only module that uses Dynaconf. It evaluates Dynaconf's tokens (``@format``,
``@jinja``, ``@int``, ``@json``, ``@get``, ``@read_file`` ...) in the files, which are reviewed
code; the layering itself is done here because Dynaconf's own merge either replaces whole tables
or concatenates lists, and the contract wants tables merged and lists replaced. Environment
values never pass through Dynaconf: they stay literal text.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from settings.environ import read_environment
from settings.errors import ImproperlyConfigured, Problem
from settings.keys import unknown_key
from settings.provenance import Layer, flatten
from settings.schema import SECRET_KEYS

SETTINGS_FILE = "settings.toml"
OPTIONAL_FILES = (".secrets.toml", "settings.local.toml")
LOCAL_FILE = "settings.local.toml"
ENV_VARIABLE = "ENV_FOR_DYNACONF"
DEFAULT_ENV = "development"
SPECIAL_TABLES = ("default", "global")
UNSUPPORTED_TOKENS = ("@merge", "@merge_unique", "@insert", "@del", "@reset", "@empty")


@dataclass
class Loaded:
    """Every layer in precedence order, and what went wrong reading them."""

    environment: str
    layers: list[Layer] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unknown_variables: list[str] = field(default_factory=list)
    development_secrets: set[str] = field(default_factory=set)


def load_layers(env: str | None, root: Path, environ: Mapping[str, str]) -> Loaded:
    """All layers for ``env`` (default: ``ENV_FOR_DYNACONF``, else development)."""
    documents, errors = _read_files(root)
    environments = sorted(set(documents[SETTINGS_FILE]) - set(SPECIAL_TABLES))
    environment, env_origin = _select_environment(env, environ, environments)
    loaded = Loaded(environment, errors=errors)
    for name, tables in documents.items():
        loaded.errors += _check_tables(name, tables, environments)
        if tables:
            loaded.files.append(name)
        for table in ("default", environment, "global"):
            if table in tables:
                origin = f"{name} [{table}]"
                loaded.layers.append(Layer(origin, flatten(tables[table])))
    variables = read_environment(environ)
    _evaluate_tokens(loaded, environ, variables.layers)
    for table in ("default", DEFAULT_ENV):
        secret = documents[SETTINGS_FILE].get(table, {}).get("secret_key")
        if isinstance(secret, str):
            loaded.development_secrets.add(_evaluated_secret(loaded, table, secret))
    loaded.layers += variables.layers
    loaded.errors += variables.errors
    loaded.unknown_variables = variables.unknown
    loaded.layers.insert(0, Layer(env_origin, {"environment": environment}))
    return loaded


def _select_environment(
    env: str | None, environ: Mapping[str, str], known: list[str]
) -> tuple[str, str]:
    if env is not None:
        chosen, origin = env, "argument env="
    elif ENV_VARIABLE in environ:
        chosen, origin = environ[ENV_VARIABLE], f"env {ENV_VARIABLE}"
    else:
        chosen, origin = DEFAULT_ENV, "default environment"
    name = chosen.strip().lower()
    if name not in known:
        listed = ", ".join(known) or "none: settings.toml has no environment table"
        message = f"unknown environment {chosen!r}; known environments: {listed}"
        raise ImproperlyConfigured([Problem("environment", message, origin)])
    return name, origin


def _read_files(root: Path) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    path = root / SETTINGS_FILE
    if not path.is_file():
        message = f"{path.resolve()} not found; settings.toml is required"
        raise ImproperlyConfigured([Problem("settings", message, SETTINGS_FILE)])
    documents: dict[str, dict[str, Any]] = {}
    errors: list[Problem] = []
    for name in (SETTINGS_FILE, *OPTIONAL_FILES):
        try:
            documents[name] = _read_toml(root / name, required=name == SETTINGS_FILE)
        except ValueError as exc:
            errors.append(Problem("settings", str(exc), name))
            documents[name] = {}
    if errors:
        raise ImproperlyConfigured(errors)
    return documents, errors


def _read_toml(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ValueError(f"{path} not found") from None
        return {}
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        document = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} is not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name}: invalid TOML: {exc}") from None
    return _lower_keys(document, path.name, "")


def _lower_keys(table: dict[str, Any], file: str, where: str) -> dict[str, Any]:
    """Keys are case-insensitive, as in Dynaconf; two spellings of one key are an error."""
    lowered: dict[str, Any] = {}
    for key, value in table.items():
        name = key.lower()
        if name in lowered:
            raise ValueError(f"{file}: {where}{key} is set twice (keys are case-insensitive)")
        if isinstance(value, dict):
            value = _lower_keys(value, file, f"{where}{name}.")
        lowered[name] = value
    return lowered


def _check_tables(file: str, tables: dict[str, Any], environments: list[str]) -> list[Problem]:
    problems = []
    for table, values in tables.items():
        if not isinstance(values, dict):
            message = "is outside any table; put it under [default] or an environment"
            problems.append(Problem(table, message, file))
        elif table not in environments and table not in SPECIAL_TABLES:
            known = ", ".join([*SPECIAL_TABLES, *environments])
            message = f"unknown environment table [{table}]; settings.toml defines: {known}"
            problems.append(Problem(table, message, file))
        else:
            for key in flatten(values):
                reason = unknown_key(key)
                if reason is not None:
                    problems.append(Problem(key, reason, f"{file} [{table}]"))
    return problems


def _evaluate_tokens(loaded: Loaded, environ: Mapping[str, str], variables: list[Layer]) -> None:
    """Apply Dynaconf's tokens to the files' strings, list items included, in place.

    ``{env[X]}`` reads ``environ``; ``{this.database.host}`` and ``@get database.host`` read the
    merged values, environment variables included, as Dynaconf's ``this`` would.
    """
    if not any(_has_token(v) for layer in loaded.layers for v in layer.values.values()):
        return  # Dynaconf is imported only for files that use its tokens
    from settings.provenance import merge, unflatten

    literal = frozenset(key for layer in variables for key in layer.values)
    this = _This(unflatten(merge([*loaded.layers, *variables])[0]), environ, literal)
    for index, layer in enumerate(loaded.layers):
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
                loaded.errors.append(Problem(key, f"cannot evaluate {token}{detail}", layer.origin))
        loaded.layers[index] = Layer(layer.origin, values)


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


def _evaluated_secret(loaded: Loaded, table: str, raw: str) -> str:
    origin = f"{SETTINGS_FILE} [{table}]"
    for layer in loaded.layers:
        if layer.origin == origin:
            return str(layer.values.get("secret_key", raw))
    return raw


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@")


def _strings(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has_token(value: Any) -> bool:
    return any(_is_token(item) for item in _strings(value))
