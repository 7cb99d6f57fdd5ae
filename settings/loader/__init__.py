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

The files are read here (:mod:`.files`), not by Dynaconf, because the contract wants tables
merged key by key and lists replaced, with a record of where each value came from; Dynaconf
only evaluates the tokens in the files' strings (:mod:`.tokens`, the one module importing it).
Environment variables (:mod:`settings.environ`) never pass through Dynaconf: they stay literal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from settings.environ import read_environment
from settings.errors import Problem
from settings.loader.environments import DEFAULT_ENV, ENV_VARIABLE, select_environment
from settings.loader.files import (
    LOCAL_FILE,
    OPTIONAL_FILES,
    SETTINGS_FILE,
    SPECIAL_TABLES,
    check_tables,
    read_files,
)
from settings.loader.tokens import evaluate_tokens
from settings.provenance import Layer, flatten

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
    layers: list[Layer] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unknown_variables: list[str] = field(default_factory=list)
    development_secrets: set[str] = field(default_factory=set)


def load_layers(env: str | None, root: Path, environ: Mapping[str, str]) -> Loaded:
    """All layers for ``env`` (default: ``ENV_FOR_DYNACONF``, else development)."""
    documents = read_files(root)
    environments = sorted(set(documents[SETTINGS_FILE]) - set(SPECIAL_TABLES))
    environment, env_origin = select_environment(env, environ, environments)
    loaded = Loaded(environment)
    for name, tables in documents.items():
        loaded.errors += check_tables(name, tables, environments)
        if tables:
            loaded.files.append(name)
        for table in ("default", environment, "global"):
            if table in tables:
                origin = f"{name} [{table}]"
                loaded.layers.append(Layer(origin, flatten(tables[table])))
    variables = read_environment(environ)
    loaded.errors += evaluate_tokens(loaded.layers, environ, variables.layers)
    for table in ("default", DEFAULT_ENV):
        secret = documents[SETTINGS_FILE].get(table, {}).get("secret_key")
        if isinstance(secret, str):
            loaded.development_secrets.add(_evaluated_secret(loaded, table, secret))
    loaded.layers += variables.layers
    loaded.errors += variables.errors
    loaded.unknown_variables = variables.unknown
    loaded.layers.insert(0, Layer(env_origin, {"environment": environment}))
    return loaded


def _evaluated_secret(loaded: Loaded, table: str, raw: str) -> str:
    origin = f"{SETTINGS_FILE} [{table}]"
    for layer in loaded.layers:
        if layer.origin == origin:
            return str(layer.values.get("secret_key", raw))
    return raw
