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
    _evaluate_tokens(loaded, environ)
    for table in ("default", DEFAULT_ENV):
        secret = documents[SETTINGS_FILE].get(table, {}).get("secret_key")
        if isinstance(secret, str):
            loaded.development_secrets.add(_evaluated_secret(loaded, table, secret))
    variables = read_environment(environ)
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


def _evaluate_tokens(loaded: Loaded, environ: Mapping[str, str]) -> None:
    """Apply Dynaconf's tokens to the files' string values, in place."""
    if not any(_is_token(v) for layer in loaded.layers for v in layer.values.values()):
        return  # Dynaconf is imported only for files that use its tokens
    from dynaconf.utils.boxing import DynaBox
    from dynaconf.utils.parse_conf import Lazy, parse_conf_data

    from settings.provenance import merge, unflatten

    merged = DynaBox(unflatten(merge(loaded.layers)[0]), box_settings={})
    for index, layer in enumerate(loaded.layers):
        values = dict(layer.values)
        for key, value in layer.values.items():
            if not _is_token(value):
                continue
            try:
                if value.split(" ", 1)[0] in UNSUPPORTED_TOKENS:
                    raise ValueError("tables merge and lists replace by themselves here")
                parsed = parse_conf_data(value, tomlfy=False, box_settings={})
                if isinstance(parsed, Lazy):
                    lazy = parsed
                    parsed = lazy.formatter(lazy.value, env=environ, this=merged)
                    if lazy.casting is not None:
                        parsed = lazy.casting(parsed)
                values[key] = parsed.to_dict() if hasattr(parsed, "to_dict") else parsed
            except Exception as exc:  # Dynaconf raises many types; all mean a bad token
                detail = "" if key in SECRET_KEYS else f": {exc}"
                message = f"cannot evaluate {value.split(' ', 1)[0]}{detail}"
                loaded.errors.append(Problem(key, message, layer.origin))
        loaded.layers[index] = Layer(layer.origin, values)


def _evaluated_secret(loaded: Loaded, table: str, raw: str) -> str:
    origin = f"{SETTINGS_FILE} [{table}]"
    for layer in loaded.layers:
        if layer.origin == origin:
            return str(layer.values.get("secret_key", raw))
    return raw


def _is_token(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@")
