"""Which settings model a load validates into: the application's own, or the base.

First match wins (as Django's ``DJANGO_SETTINGS_MODULE`` names the project's settings):

1. the ``model=`` argument (``load_settings(model=...)``, ``--model`` on the command line): a class
   or ``"pkg.mod:Class"``;
2. ``SETTINGS_MODEL`` in the environment the load reads;
3. ``model = "pkg.mod:Class"`` in the ``[tool.settings]`` table of the ``pyproject.toml`` beside
   ``settings.toml``;
4. :class:`settings.Settings`.

Importing the model's module also registers the checks declared beside it.
"""

from __future__ import annotations

import functools
import importlib
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from settings._errors import ImproperlyConfigured, Problem
from settings._redact import mask_text
from settings.schema import BaseSettings
from settings.schema._keys import declared_variables

MODEL_VARIABLE = "SETTINGS_MODEL"
#: The batteries-included model, named as an application names its own (Django's
#: ``global_settings``): the core imports no battery.
DEFAULT_MODEL = "settings:Settings"
PYPROJECT = "pyproject.toml"

ModelArgument = type[BaseSettings] | str | None


def find_model(model: ModelArgument, environ: Mapping[str, str], root: Path) -> type[BaseSettings]:
    """The model class to load; raises :class:`ImproperlyConfigured` naming a bad one and
    where it was named."""
    if isinstance(model, type):
        return _checked(model, repr(model), "the model argument")
    if model is not None:
        return _imported(model, "the model argument (--model)", root)
    if environ.get(MODEL_VARIABLE):
        return _imported(environ[MODEL_VARIABLE], f"env {MODEL_VARIABLE}", root)
    named = _pyproject_model(root)
    if named is not None:
        return _imported(named, f"{PYPROJECT} [tool.settings] model", root)
    return _imported(DEFAULT_MODEL, "the default model", root)


def _pyproject_model(root: Path) -> str | None:
    named = pyproject_settings(root).get("model")
    if named is not None and not isinstance(named, str):
        raise _error("must be a string 'pkg.module:Class'", f"{PYPROJECT} [tool.settings] model")
    return named


def pyproject_settings(root: Path) -> dict[str, Any]:
    """The ``[tool.settings]`` table of the ``pyproject.toml`` beside ``settings.toml``; empty
    without one. Raises :class:`ImproperlyConfigured` for a file that cannot be read."""
    path = root / PYPROJECT
    try:
        document = _parsed(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise _error(f"cannot read {path}: {exc}", PYPROJECT) from None
    table = document.get("tool", {}).get("settings", {})
    return dict(table) if isinstance(table, dict) else {}


@functools.lru_cache(maxsize=8)
def _parsed(text: str) -> dict[str, Any]:
    """A ``pyproject.toml`` parsed once per content: a load reads it for the model's name and
    again for the environments' (:mod:`._environments`), and parsing costs more than reading."""
    return tomllib.loads(text)


def _imported(path: str, origin: str, root: Path) -> type[BaseSettings]:
    module_name, colon, attribute = path.strip().partition(":")
    if not colon or not module_name or not attribute.isidentifier():
        raise _error(f"{path!r} is not 'pkg.module:Class'", origin)
    try:
        module = _import(module_name, root)
    except (Exception, SystemExit) as exc:  # any error in the module, sys.exit() included
        reason = mask_text(f"{type(exc).__name__}: {exc}")  # it may quote a URL's password
        raise _error(f"cannot import {module_name!r}: {reason}", origin) from None
    found = getattr(module, attribute, None)
    if found is None:
        raise _error(f"{module_name!r} has no attribute {attribute!r}", origin)
    return _checked(found, path, origin)


def _import(module_name: str, root: Path) -> object:
    """The module, found on ``sys.path`` or, like ``python -m``, in the settings directory."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        top = module_name.partition(".")[0]
        directory = str(root.resolve())
        beside = (root / top).is_dir() or (root / f"{top}.py").is_file()
        if exc.name != top or directory in sys.path or not beside:
            raise
        sys.path.insert(0, directory)
        return importlib.import_module(module_name)


def _checked(model: object, name: str, origin: str) -> type[BaseSettings]:
    if not isinstance(model, type) or not issubclass(model, BaseSettings):
        raise _error(f"{name} is not a subclass of settings.BaseSettings", origin)
    try:
        declared_variables(model)
    except TypeError as exc:
        raise _error(str(exc), origin) from None
    return model


def _error(message: str, origin: str) -> ImproperlyConfigured:
    return ImproperlyConfigured([Problem("model", message, origin)])
