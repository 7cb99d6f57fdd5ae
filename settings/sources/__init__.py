"""Read the settings files and the environment into layers, in precedence order.

Precedence, lowest first (docs/explanation/sources.md says the same):

1. the defaults written in the model (:mod:`settings.schema`, the batteries' sections)
2. ``settings.toml`` ``[default]``
3. ``settings.toml`` ``[<environment>]``
4. ``.secrets.toml`` ``[default]``, then ``[<environment>]`` (optional)
5. ``settings.local.toml`` ``[default]``, then ``[<environment>]`` (optional, git-ignored)
6. environment variables: ``APP_<KEY>`` and the variables the model declares with
   ``EnvVar`` (``DATABASE_URL``, ``DB_*``, ``SECRET_KEY``, ``CORS_ORIGINS`` on
   :class:`settings.Settings`), each also as ``<NAME>_FILE``; those of the optional ``.env``
   beside ``settings.toml`` (:mod:`._dotenv`) count as variables, each below a real variable of
   the same name

A file's ``[global]`` table, if any, applies after its environment table, as in Dynaconf.

The files are read here (:mod:`._toml`, :mod:`._files`), not by Dynaconf, because the contract
wants tables merged key by key and lists replaced, with a record of where each value came from.
In the files, which are reviewed code, Dynaconf's tokens work as Dynaconf documents them: the
ones that change merging (``@del``, ``@merge``, ``@insert``, ``@reset`` ..., and the
``dynaconf_merge`` marks of :mod:`._marks`) become markers that :func:`settings.merge.merge`
applies; Dynaconf evaluates the others (:mod:`._tokens`, the one module importing it, and only
when a file uses a token). Environment variables (:mod:`._environ`) never pass through Dynaconf:
they stay literal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from settings._errors import Problem
from settings._provenance import Layer
from settings._redact import is_secret
from settings.schema._keys import schema_defaults
from settings.sources._environ import Variables, read_environment
from settings.sources._environments import DEFAULT_ENV, ENV_VARIABLE, select_environment
from settings.sources._files import DOTENV_FILE
from settings.sources._marks import Mode, check_markers, file_mode, table_values
from settings.sources._toml import (
    LOCAL_FILE,
    OPTIONAL_FILES,
    SETTINGS_FILE,
    SPECIAL_TABLES,
    Document,
    environment_names,
    environment_tables,
    read_files,
    unknown_keys,
)

__all__ = [
    "DEFAULT_ENV",
    "ENV_VARIABLE",
    "LOCAL_FILE",
    "OPTIONAL_FILES",
    "SETTINGS_FILE",
    "SPECIAL_TABLES",
    "Loaded",
    "load_layers",
]


@dataclass
class Loaded:
    """Every layer in precedence order, and what went wrong reading them."""

    environment: str
    layers: list[Layer] = field(default_factory=list, repr=False)
    errors: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unknown_variables: list[str] = field(default_factory=list)
    development_secrets: set[str] = field(default_factory=set, repr=False)
    secret_files: dict[str, str] = field(default_factory=dict)


def load_layers(
    env: str | None, root: Path, environ: Mapping[str, str], model: type[BaseModel]
) -> Loaded:
    """All layers of ``model``'s settings for ``env`` (default: ``ENV_FOR_DYNACONF``, else
    development)."""
    documents = read_files(root)
    tokens = any(_has_token(document) for document in documents.values())
    dotenv = _dotenv_variables(root)
    real, environ = environ, Variables(environ, dotenv)
    environments = environment_names(documents[SETTINGS_FILE])
    environment, env_origin = select_environment(env, environ, environments)
    loaded = Loaded(environment)
    for name, document in documents.items():
        if document:
            loaded.files.append(name)
        tables, problems = environment_tables(name, document, environments)
        loaded.errors += problems
        layers = {}
        for table, values in tables.items():  # every table is checked, loaded or not
            layers[table], problems = _layer(name, table, values, file_mode(document), model)
            loaded.errors += problems
        loaded.layers += [layers[t] for t in ("default", environment, "global") if t in layers]
    if dotenv is not None:
        loaded.files.append(DOTENV_FILE)
    variables = read_environment(real, model, dotenv, root)
    if tokens:
        from settings.sources._tokens import evaluate_tokens  # Dynaconf: only for tokens

        loaded.errors += evaluate_tokens(
            loaded.layers, environ, variables.layers, partial(is_secret, model), environment
        )
    loaded.errors += check_markers(loaded.layers)  # on evaluated values: `@json [...]` is a list
    loaded.development_secrets = _development_secrets(loaded, documents[SETTINGS_FILE])
    loaded.layers += variables.layers
    loaded.errors += variables.errors
    loaded.unknown_variables = variables.unknown
    loaded.secret_files = variables.secret_files
    loaded.layers.insert(0, Layer(env_origin, {"environment": environment}))
    return loaded


def _layer(
    file: str, table: str, values: dict[str, Any], mode: Mode, model: type[BaseModel]
) -> tuple[Layer, list[Problem]]:
    """One table as a layer, its ``dynaconf_merge`` marks and merge tokens as markers, and a
    problem for each bad mark or token and each key the schema cannot take."""
    origin = f"{file} [{table}]"
    found: list[tuple[str, str]] = []
    defaults = schema_defaults(model)
    flat, failed = table_values(values, mode, found, defaults), list[tuple[str, str]]()
    if _has_token(values):
        from settings.sources._tokens import merge_tokens  # Dynaconf: only for tokens

        flat, failed = merge_tokens(flat, defaults, partial(is_secret, model))
    found += failed + unknown_keys(flat, model)
    return Layer(origin, flat), [Problem(key, why, origin) for key, why in found]


def _development_secrets(loaded: Loaded, settings_toml: Document) -> set[str]:
    """The secret keys ``settings.toml`` gives ``[default]`` and ``[development]``: evaluated
    where the table is loaded, as written where it is not."""
    secrets = set()
    for table in ("default", DEFAULT_ENV):
        value = settings_toml.get(table, {}).get("secret_key")
        for layer in loaded.layers:
            if layer.origin == f"{SETTINGS_FILE} [{table}]":
                value = layer.values.get("secret_key", value)
        if isinstance(value, str):
            secrets.add(value)
    return secrets


def _has_token(value: Any) -> bool:
    """Whether a file's value (a table, a list, text) holds a Dynaconf token (``@format ...``)
    anywhere inside it: only then is Dynaconf imported."""
    if isinstance(value, str):
        return value.startswith("@")
    if isinstance(value, dict):
        return any(_has_token(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_token(item) for item in value)
    return False


def _dotenv_variables(root: Path) -> dict[str, str] | None:
    """The variables of ``.env`` beside ``settings.toml``; ``None`` when there is none."""
    if not (root / DOTENV_FILE).exists() and not (root / DOTENV_FILE).is_symlink():
        return None
    from settings.sources._dotenv import read_dotenv  # python-dotenv: only for a .env

    return read_dotenv(root)
