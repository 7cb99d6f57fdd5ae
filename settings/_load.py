"""The front door for loading: sources, merge, validation and checks, in that order.

:func:`build` runs the pipeline and keeps every piece of one load (:class:`Built`: the layers,
the merge's history, the settings and the problems); :func:`verdict` adds the checks' findings;
:func:`load_settings` turns both into a settings object or :class:`ImproperlyConfigured`. The
command-line tools also describe configurations that would not pass, so they use :func:`build`
directly.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from settings._errors import ImproperlyConfigured, Problem
from settings._provenance import FILE_ORIGIN, Assignment, Sources
from settings._validate import validate
from settings.checks._run import CheckResult, run_checks
from settings.merge import merge
from settings.schema import BaseSettings
from settings.sources import Loaded, load_layers
from settings.sources._discovery import ModelArgument, find_model
from settings.sources._environments import environments_of

if TYPE_CHECKING:
    from settings.contrib import Settings


class Built:
    """Every piece of one load. ``settings`` is ``None`` when the values do not validate."""

    __slots__ = ("history", "loaded", "model", "problems", "root", "settings", "sources", "values")

    def __init__(
        self,
        model: type[BaseSettings],
        loaded: Loaded,
        root: Path,
        values: Mapping[str, Any],
        history: Mapping[str, tuple[Assignment, ...]],
        sources: Sources,
        settings: BaseSettings | None,
        problems: list[Problem],
    ) -> None:
        self.model: Final = model
        self.loaded: Final = loaded
        self.root: Final = root
        self.values: Final = values  # kept out of repr, as history is: they hold secrets
        self.history: Final = history
        self.sources: Final = sources
        self.settings: Final = settings
        self.problems: Final = problems

    def __repr__(self) -> str:
        return (
            f"Built(model={self.model!r}, root={self.root!r}, sources={self.sources!r}, "
            f"settings={self.settings!r}, problems={self.problems!r})"
        )

    @property
    def ok(self) -> bool:
        return self.settings is not None and not any(p.is_error for p in self.problems)


def build(
    env: str | None, root: Path, environ: Mapping[str, str], model: ModelArgument = None
) -> Built:
    """Load, merge and validate into the model (:mod:`settings.sources._discovery` finds it),
    deployment rules not applied.

    Raises ``ImproperlyConfigured`` only when there is nothing to describe: the model cannot be
    had, ``settings.toml`` is missing or not TOML, or the environment is unknown.
    """
    found = find_model(model, environ, root)
    loaded = load_layers(env, root, environ, found)
    values, history = merge(loaded.layers)
    sources = Sources(
        environment=loaded.environment,
        files=tuple(loaded.files),
        variables=_variable_names(history),
        history=history,
        unknown_variables=tuple(loaded.unknown_variables),
        development_secrets=frozenset(loaded.development_secrets),
        secret_files=dict(loaded.secret_files),
        deploy_environments=loaded.environments.deploy,
        environment_tables=loaded.environment_tables,
    )
    reported = {problem.key for problem in loaded.errors}
    valid = {k: v for k, v in values.items() if k not in reported}
    settings, problems = validate(valid, sources, found, root=root)
    problems = loaded.errors + [p for p in problems if p.key not in reported]
    return Built(found, loaded, root, values, history, sources, settings, problems)


def deployment_rules_apply(environment: str, deploy_environments: Collection[str]) -> bool:
    """The one policy: a start in a deployment environment (``deploy_environments``, by
    default production) runs the deployment rules; ``check --deploy`` runs them anywhere."""
    return environment in deploy_environments


def deploy_environments(settings: BaseSettings) -> tuple[str, ...]:
    """The deployment environments of the load that made ``settings``; for settings built by
    hand, as their model and the working directory's ``pyproject.toml`` configure them."""
    sources = settings.sources
    if sources is not None and sources.deploy_environments is not None:
        return sources.deploy_environments
    return environments_of(type(settings), Path.cwd()).deploy


class Verdict:
    """Every problem of one load, errors first, and how many findings ``silenced_checks``
    silenced (``python -m settings check`` says it)."""

    __slots__ = ("problems", "silenced")

    def __init__(self, problems: list[Problem], silenced: int = 0) -> None:
        self.problems: Final = problems
        self.silenced: Final = silenced

    def __repr__(self) -> str:
        return f"Verdict(problems={self.problems!r}, silenced={self.silenced!r})"

    @property
    def ok(self) -> bool:
        return not any(problem.is_error for problem in self.problems)


def verdict(built: Built, *, deploy: bool | None = None, connect: bool = False) -> Verdict:
    """The load's own problems and the checks'. The deployment rules run where a start runs
    them when ``deploy`` is ``None``, else as it says; ``connect`` adds the checks that ask a
    server."""
    if deploy is None:
        deploy = deployment_rules_apply(built.sources.environment, built.loaded.environments.deploy)
    found = _checks(built, deploy=deploy, connect=connect)
    problems = built.problems + found.problems
    return Verdict(errors_first(problems), len(found.silenced))


def errors_first(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: not problem.is_error)


def _checks(built: Built, *, deploy: bool, connect: bool) -> CheckResult:
    """The checks' findings, also for settings that do not validate.

    So that one report holds every problem, invalid values are set aside (they fall back to
    lower layers' schema defaults) and the checks run on the rest; findings about a key that
    is already reported are dropped.
    """
    failed = {_base_key(problem.key) for problem in built.problems}
    stand_in = built.settings
    if failed:  # checks read values and provenance without what was set aside
        values = _without(built.values, failed)
        sources = _set_aside(built.sources, failed)
        stand_in, _ = validate(values, sources, built.model, root=built.root)
    if stand_in is None:
        return CheckResult([])
    found = run_checks(stand_in, deploy=deploy, connect=connect)
    if not failed:
        return found
    reported = _Related(failed)
    return CheckResult([p for p in found.problems if not reported(p.key)], found.silenced)


def _set_aside(sources: Sources, keys: set[str]) -> Sources:
    """``sources`` without the history of ``keys`` (values set aside for their problems), so
    that a check reads the provenance of the values it is given."""
    if not keys:
        return sources
    related = _Related(keys)
    history = {k: v for k, v in sources.history.items() if not related(k)}
    return dataclasses.replace(sources, history=history)


def _base_key(key: str) -> str:
    return re.sub(r"\[\d+\]", "", key)


class _Related:
    """Whether a dotted key is one of ``keys``, inside one, or holds one; in time of the key's
    length, not of how many keys there are (a file of thousands of unknown keys compared each
    with each took a minute)."""

    def __init__(self, keys: set[str]) -> None:
        self.keys = keys
        self.holders = {key[:at] for key in keys for at in _dots(key)}

    def __call__(self, key: str) -> bool:
        if key in self.keys or key in self.holders:
            return True
        return any(key[:at] in self.keys for at in _dots(key))


def _dots(key: str) -> Iterator[int]:
    """Where the dots of ``key`` are: ``key[:at]`` is each table holding it."""
    return (at for at, character in enumerate(key) if character == ".")


def _without(values: Mapping[str, Any], keys: set[str]) -> dict[str, Any]:
    related = _Related(keys)
    return {k: v for k, v in values.items() if not related(k)}


def _variable_names(history: Mapping[str, tuple[Assignment, ...]]) -> tuple[str, ...]:
    """The environment variables that contributed a value (names only, never values)."""
    names = set()
    for assignments in history.values():
        for assignment in assignments:
            for prefix in ("env ", ".env ", FILE_ORIGIN):
                if assignment.origin.startswith(prefix):
                    names.update(assignment.origin.removeprefix(prefix).split(", "))
    return tuple(sorted(names))


S = TypeVar("S", bound=BaseSettings)


@overload
def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: type[S],
) -> S: ...


@overload
def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: str | None = None,
) -> Settings: ...


def load_settings(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: ModelArgument = None,
) -> BaseSettings:
    """Load, merge and validate the settings; raise :class:`ImproperlyConfigured` on any problem.

    Pure: reads the files in ``root`` (default: the working directory) and the variables in
    ``environ`` (default: ``os.environ``), and changes nothing, logs included. ``model`` is the
    application's model (a class or ``"pkg.mod:Class"``), else ``SETTINGS_MODEL``, else
    ``[tool.settings] model`` in ``pyproject.toml``, else :class:`Settings`. A deployment
    environment (``deploy_environments``, by default production) also runs the deployment
    rules, whose errors stop the load. Warnings do not stop it: the app logs
    them at startup and ``python -m settings check`` prints them.
    """
    return checked_load(env, root=root, environ=environ, model=model)[0]


def checked_load(
    env: str | None = None,
    *,
    root: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    model: ModelArgument = None,
) -> tuple[BaseSettings, list[Problem], Built]:
    """What :func:`load_settings` does, also returning the warnings and the load itself, for a
    start that logs them (:mod:`settings.fastapi`) without running the checks again."""
    base = Path.cwd() if root is None else Path(root)
    built = build(env, base, os.environ if environ is None else environ, model)
    judged = verdict(built)
    if built.settings is None or not judged.ok:
        raise ImproperlyConfigured(judged.problems)
    return built.settings, judged.problems, built
