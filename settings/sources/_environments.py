"""Which environment is loaded, and which environments are deployments.

The environment: ``load_settings(env=...)`` (``--env``), else the switch variable, else the
default environment. Case-insensitive; an unknown name is an error listing the known ones, never
a silent fall-back to ``[default]``. A start in a deployment environment runs the deployment
rules.

An application that already has its own names keeps them (:func:`environments_of`). Each of
the three is looked up on its own, first match wins:

1. the model's ``model_config``: ``env_switcher``, ``default_env``, ``deploy_environments``;
2. the same keys in the ``[tool.settings]`` table of the ``pyproject.toml`` beside
   ``settings.toml``;
3. the defaults: ``ENV_FOR_DYNACONF``, ``development``, ``["production"]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from settings._errors import ImproperlyConfigured, Problem
from settings.sources._discovery import PYPROJECT, pyproject_settings
from settings.sources._toml import SPECIAL_TABLES

ENV_VARIABLE = "ENV_FOR_DYNACONF"
DEFAULT_ENV = "development"
DEPLOY_ENVIRONMENTS = ("production",)
#: The configuration keys, in ``model_config`` and ``[tool.settings]`` alike.
KEYS = ("env_switcher", "default_env", "deploy_environments")
_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Environments:
    """How an application names its environments; ``origins`` says where each key was set
    (absent: the default)."""

    __slots__ = ("default", "deploy", "origins", "switcher")

    def __init__(
        self,
        switcher: str = ENV_VARIABLE,
        default: str = DEFAULT_ENV,
        deploy: tuple[str, ...] = DEPLOY_ENVIRONMENTS,
        origins: Mapping[str, str] | None = None,
    ) -> None:
        self.switcher: Final = switcher
        self.default: Final = default
        self.deploy: Final = deploy
        self.origins: Final[Mapping[str, str]] = {} if origins is None else origins

    def __repr__(self) -> str:
        return (
            f"Environments(switcher={self.switcher!r}, default={self.default!r}, "
            f"deploy={self.deploy!r})"
        )


def environments_of(model: type[BaseModel], root: Path) -> Environments:
    """The environments as ``model`` and the ``pyproject.toml`` in ``root`` configure them;
    raises :class:`ImproperlyConfigured` naming a bad value and where it was set."""
    config: Mapping[str, Any] = model.model_config
    table: dict[str, Any] | None = None  # read only when the model leaves a key to it
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in KEYS:
        if config.get(key) is not None:
            values[key] = config[key]
            origins[key] = f"{model.__module__}:{model.__qualname__} model_config {key}"
            continue
        table = pyproject_settings(root) if table is None else table
        if key in table:
            values[key], origins[key] = table[key], f"{PYPROJECT} [tool.settings] {key}"
    problems = [Problem(key, message, origins[key]) for key, message in _invalid(values).items()]
    if problems:
        raise ImproperlyConfigured(problems)
    deploy = values.get("deploy_environments", DEPLOY_ENVIRONMENTS)
    return Environments(
        switcher=values.get("env_switcher", ENV_VARIABLE),
        default=values.get("default_env", DEFAULT_ENV).strip().lower(),
        deploy=tuple(dict.fromkeys(name.strip().lower() for name in deploy)),
        origins=origins,
    )


def _invalid(values: Mapping[str, Any]) -> dict[str, str]:
    """What is wrong with each configured value, by key."""
    wrong = {}
    switcher = values.get("env_switcher", ENV_VARIABLE)
    if not isinstance(switcher, str) or not _VARIABLE_NAME.fullmatch(switcher):
        wrong["env_switcher"] = (
            f"must be the name of an environment variable, such as 'ENVIRONMENT'; got {switcher!r}"
        )
    default = values.get("default_env", DEFAULT_ENV)
    if not _is_environment_name(default):
        wrong["default_env"] = (
            f"must be the name of an environment, such as 'local'; got {default!r}"
        )
    deploy = values.get("deploy_environments", DEPLOY_ENVIRONMENTS)
    if not isinstance(deploy, list | tuple) or not all(map(_is_environment_name, deploy)):
        wrong["deploy_environments"] = (
            f"must be a list of environment names, such as ['staging', 'production']; got "
            f"{deploy!r}"
        )
    return wrong


def _is_environment_name(name: object) -> bool:
    return isinstance(name, str) and name.strip().lower() not in ("", *SPECIAL_TABLES)


def unknown_deploy_environments(environments: Environments, known: list[str]) -> list[Problem]:
    """A configured deployment environment that ``settings.toml`` does not define: a misspelt
    name (``prodution``) would leave the real one without its deployment rules."""
    origin = environments.origins.get("deploy_environments")
    if origin is None:  # the default, production, is not required of every settings.toml
        return []
    listed = ", ".join(known) or "none: settings.toml has no environment table"
    return [
        Problem(
            "deploy_environments",
            f"{name!r} is not an environment of settings.toml{_guess(name, known)}; known "
            f"environments: {listed}",
            origin,
        )
        for name in environments.deploy
        if name not in known
    ]


def select_environment(
    env: str | None,
    environ: Mapping[str, str],
    known: list[str],
    environments: Environments | None = None,
) -> tuple[str, str]:
    """The environment's name, lower case, and where the choice came from."""
    environments = Environments() if environments is None else environments
    switcher = environments.switcher
    if env is not None:
        chosen, origin = env, "the env argument (--env)"
    elif switcher in environ:
        origin_of = getattr(environ, "origin", lambda name: f"env {name}")  # .env or real
        chosen, origin = environ[switcher], origin_of(switcher)
    else:
        chosen, origin = environments.default, "default environment"
        if "default_env" in environments.origins:
            origin = f"default environment ({environments.origins['default_env']})"
    name = chosen.strip().lower()
    if name not in known:
        listed = ", ".join(known) or "none: settings.toml has no environment table"
        message = (
            f"unknown environment {chosen!r}{_guess(name, known)}; known environments: {listed}"
        )
        raise ImproperlyConfigured([Problem("environment", message, origin)])
    return name, origin


def _guess(name: str, known: list[str]) -> str:
    import difflib  # only for a misspelling: a clean load never needs it

    close = difflib.get_close_matches(name, known, n=1)
    # An abbreviation (``prod``, ``dev``) is too short for difflib's ratio; its prefix is not.
    close = close or [one for one in known if name and one.startswith(name)][:1]
    return f"; did you mean {close[0]}?" if close else ""
