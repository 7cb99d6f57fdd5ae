"""Read the settings files and the environment into layers, in precedence order.

Precedence, lowest first, is :data:`PRECEDENCE` (docs/explanation/sources.md says the same):

0. the defaults written in the model (:mod:`settings.schema`, the batteries' sections), which
   validation applies below every layer
1. ``environment``: the environment's name, in every field named for it
2. ``settings.toml``: ``[default]``, then ``[<environment>]``
3. ``.secrets.toml``: ``[default]``, then ``[<environment>]`` (optional)
4. ``settings.local.toml``: ``[default]``, then ``[<environment>]`` (optional, git-ignored)
5. ``secrets_dir``: the files of the model's ``secrets_dir`` (``model_config``), one per key,
   named as its variable: Docker and Kubernetes secrets
6. ``variables``: ``APP_<KEY>`` (the model's ``env_prefix``) and the variables the model
   declares with ``EnvVar`` (``DATABASE_URL``, ``DB_*``, ``SECRET_KEY``, ``CORS_ORIGINS`` on
   :class:`settings.Settings`), each also as ``<NAME>_FILE``; those of the optional ``.env``
   beside ``settings.toml`` (:mod:`._dotenv`; the model's ``env_file``) count as variables,
   each below a real variable of the same name

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
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from settings._errors import Problem, Severity
from settings._provenance import Layer
from settings._redact import is_secret
from settings.schema._config import reading_of
from settings.schema._keys import canonical_keys, schema_defaults
from settings.sources._environ import Variables, read_environment, read_secrets_dir
from settings.sources._environments import (
    DEFAULT_ENV,
    ENV_VARIABLE,
    Environments,
    environments_of,
    select_environment,
    unknown_deploy_environments,
)
from settings.sources._marks import Mode, check_markers, file_mode, table_values
from settings.sources._toml import (
    LOCAL_FILE,
    OPTIONAL_FILES,
    SECRETS_FILE,
    SETTINGS_FILE,
    SPECIAL_TABLES,
    Document,
    environment_names,
    environment_tables,
    read_files,
    unknown_keys,
)

#: Where a load's layers come from, lowest precedence first: a key of a later layer wins
#: (merged as :mod:`settings.merge` says). The only place the order is written.
PRECEDENCE = ("environment", SETTINGS_FILE, *OPTIONAL_FILES, "secrets_dir", "variables")

__all__ = [
    "DEFAULT_ENV",
    "ENV_VARIABLE",
    "LOCAL_FILE",
    "OPTIONAL_FILES",
    "PRECEDENCE",
    "SETTINGS_FILE",
    "SPECIAL_TABLES",
    "Loaded",
    "load_layers",
]


class Loaded:
    """Every layer in precedence order, and what went wrong reading them."""

    __slots__ = (
        "development_secrets",
        "environment",
        "environment_tables",
        "environments",
        "errors",
        "files",
        "layers",
        "secret_files",
        "unknown_variables",
    )

    def __init__(
        self,
        environment: str,
        environments: Environments | None = None,
        environment_tables: tuple[str, ...] = (),
    ) -> None:
        self.environment = environment
        self.environments = Environments() if environments is None else environments
        #: The environment tables of ``settings.toml``.
        self.environment_tables = environment_tables
        self.layers: list[Layer] = []  # out of repr, as development_secrets: secrets
        self.errors: list[Problem] = []
        self.files: list[str] = []
        self.unknown_variables: list[str] = []
        self.development_secrets: set[str] = set()
        self.secret_files: dict[str, str] = {}

    def __repr__(self) -> str:
        return (
            f"Loaded(environment={self.environment!r}, files={self.files!r}, "
            f"errors={self.errors!r}, unknown_variables={self.unknown_variables!r})"
        )


def load_layers(
    env: str | None, root: Path, environ: Mapping[str, str], model: type[BaseModel]
) -> Loaded:
    """All layers of ``model``'s settings for ``env`` (default: the switch variable, else the
    default environment: :mod:`._environments`)."""
    config = environments_of(model, root)
    documents = read_files(root)
    tokens = any(_has_token(document) for document in documents.values())
    reading = reading_of(model)
    dotenv, dotenv_files, read = _dotenv_variables(root, reading.env_files)
    real, environ = environ, Variables(environ, dotenv, dotenv_files)
    environments = environment_names(documents[SETTINGS_FILE])
    environment, env_origin = select_environment(env, environ, environments, config)
    loaded = Loaded(environment, config, tuple(environments))
    loaded.errors += unknown_deploy_environments(config, environments)
    # The environment, in every field named for it (``ENVIRONMENT: Literal[...]`` of a model
    # that had its own), each validated by its own type.
    named = [name for name in model.model_fields if name.lower() == "environment"]
    sources: dict[str, list[Layer]] = {
        "environment": [Layer(env_origin, dict.fromkeys(named, environment))]
    }
    for name, document in documents.items():
        if document:
            loaded.files.append(name)
        tables, problems = environment_tables(name, document, environments)
        loaded.errors += problems
        layers = {}
        for table, values in tables.items():  # every table is checked, loaded or not
            layers[table], problems = _layer(name, table, values, file_mode(document), model)
            loaded.errors += problems
        sources[name] = [layers[t] for t in ("default", environment, "global") if t in layers]
    loaded.files += read
    mounted = read_secrets_dir(model, root)
    # The switch variable chooses the environment; it sets no key, even one of the same name.
    real = {name: value for name, value in real.items() if name != config.switcher}
    dotenv = {k: v for k, v in dotenv.items() if k != config.switcher} if dotenv else dotenv
    variables = read_environment(real, model, dotenv, root, dotenv_files)
    sources["secrets_dir"], sources["variables"] = mounted.layers, variables.layers
    # Tokens and merge marks are the files' own: evaluated and checked over the files' layers
    # in order (each pass may replace a layer), then put back under their file.
    owners = [name for name in documents for _ in sources[name]]
    in_files = [layer for name in documents for layer in sources[name]]
    if tokens:
        from settings.sources._tokens import evaluate_tokens  # Dynaconf: only for tokens

        read_secrets = {**mounted.secret_files, **variables.secret_files}
        loaded.errors += evaluate_tokens(
            in_files,
            environ,
            variables.layers,
            partial(is_secret, model),
            environment,
            # the files that gave a secret its value, and .secrets.toml, which holds them
            secret_paths={path for key, path in read_secrets.items() if is_secret(model, key)}
            | {str(root / SECRETS_FILE)},
        )
    loaded.errors += check_markers(in_files)  # on evaluated values: `@json [...]` is a list
    for name in documents:
        sources[name] = [
            layer for owner, layer in zip(owners, in_files, strict=True) if owner == name
        ]
    loaded.layers = [layer for source in PRECEDENCE for layer in sources[source]]
    loaded.development_secrets = _development_secrets(loaded, documents[SETTINGS_FILE])
    loaded.errors += mounted.errors + variables.errors
    loaded.unknown_variables = variables.unknown
    loaded.secret_files = {**mounted.secret_files, **variables.secret_files}
    return loaded


def _layer(
    file: str, table: str, values: dict[str, Any], mode: Mode, model: type[BaseModel]
) -> tuple[Layer, list[Problem]]:
    """One table as a layer, its ``dynaconf_merge`` marks and merge tokens as markers, and a
    problem for each bad mark or token and each key the schema cannot take."""
    origin = f"{file} [{table}]"
    found: list[tuple[str, str]] = []
    defaults = schema_defaults(model)
    flat = canonical_keys(model, table_values(values, mode, found, defaults))
    failed: list[tuple[str, str]] = []
    if _has_token(values):
        from settings.sources._tokens import merge_tokens  # Dynaconf: only for tokens

        flat, failed = merge_tokens(flat, defaults, partial(is_secret, model))
    found += failed + unknown_keys(flat, model)
    ignored = reading_of(model).ignore_unknown  # extra="ignore": unknown keys are warnings
    return Layer(origin, flat), [
        Problem(key, why, origin, severity=_severity(why, ignored)) for key, why in found
    ]


def _severity(why: str, ignored: bool) -> Severity:
    return "warning" if ignored and why.startswith("unknown key") else "error"


def _development_secrets(loaded: Loaded, settings_toml: Document) -> set[str]:
    """The secret keys ``settings.toml`` gives ``[default]`` and the default environment's
    table (``[development]`` unless configured): evaluated where the table is loaded, as
    written where it is not."""
    secrets = set()
    for table in ("default", loaded.environments.default):
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


def _dotenv_variables(
    root: Path, names: tuple[str, ...]
) -> tuple[dict[str, str] | None, dict[str, str], list[str]]:
    """The variables of the ``.env`` files beside ``settings.toml`` (the model's ``env_file``,
    later files winning; ``None`` when there is none), the file each came from, and the files
    read."""
    values: dict[str, str] | None = None
    files: dict[str, str] = {}
    read: list[str] = []
    for name in names:
        if not (root / name).exists() and not (root / name).is_symlink():
            continue
        from settings.sources._dotenv import read_dotenv  # python-dotenv: only for a .env

        found = read_dotenv(root, name)
        if found is not None:
            values = {**(values or {}), **found}
            files.update(dict.fromkeys(found, name))
            read.append(name)
    return values, files, read
