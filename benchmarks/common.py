"""What every benchmark shares: the repository, a clean settings directory, the environment."""

from __future__ import annotations

import compileall
import functools
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

#: What production needs to validate, as ``APP_`` variables that all loaders understand.
PRODUCTION_ENVIRON = {
    "APP_SECRET_KEY": "bench-Zq7xK2mL9vB4nR8tW1yC6dF3hJ5pS0aE",
    "APP_DATABASE__PASSWORD": "bench-password",
    "APP_DATABASE__HOST": "db.internal",
    "APP_ALLOWED_HOSTS": '["api.example.com"]',
}

#: What the request-path handlers return; the settings say the same (``APP_DATABASE__HOST``).
BENCH_HOST = "db.internal"

#: Variables that would change what a loader sees; removed from every child's environment.
_CONFIG_PREFIXES = ("APP_", "DB_", "DYNACONF_", "PYDANTIC_", "UVICORN_")
#: How Python finds and writes bytecode; every child gets them from :func:`child_environ`.
_BYTECODE_NAMES = {"PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX"}

#: The packages of the repository that a process may import: compiled at every start in the
#: "without bytecode" condition (:func:`source_environ`).
REPOSITORY_PACKAGES = ("settings", "app", "benchmarks")

_CONFIG_NAMES = {
    "DATABASE_URL",
    "SECRET_KEY",
    "CORS_ORIGINS",
    "ENV_FOR_DYNACONF",
    "SETTINGS_FILE_FOR_DYNACONF",
}


@contextmanager
def settings_dir() -> Iterator[Path]:
    """A temporary directory holding only a copy of ``settings.toml`` and of the
    ``pyproject.toml`` that names the reference application's model for it.

    The repository may hold a developer's ``.secrets.toml`` or ``settings.local.toml``; the
    benchmarks must read the same files on every machine.
    """
    with tempfile.TemporaryDirectory(prefix="bench-settings-") as name:
        shutil.copy(REPO / "settings.toml", name)
        shutil.copy(REPO / "pyproject.toml", name)
        yield Path(name)


#: The one Dynaconf token of the "@format token" variants, in ``[production.database]``, and
#: the variable it reads (set for those variants only): the role is ``orders-reader``.
TOKEN_LINE = 'username = "@format {env[SERVICE_NAME]}-reader"'
TOKEN_ENVIRON = {**PRODUCTION_ENVIRON, "SERVICE_NAME": "orders"}
TOKEN_VALUE = "orders-reader"


@contextmanager
def token_settings_dir() -> Iterator[Path]:
    """:func:`settings_dir`, its ``settings.toml`` holding one ``@format`` token."""
    with settings_dir() as root:
        path = root / "settings.toml"
        text = path.read_text()
        table = "[production.database]\n"
        if table not in text:
            raise RuntimeError(f"settings.toml has no {table.strip()} for the token")
        path.write_text(text.replace(table, table + TOKEN_LINE + "\n", 1))
        yield root


@contextmanager
def app_model_dir() -> Iterator[Path]:
    """A temporary directory holding the generated 50-field application model, its
    ``pyproject.toml`` and ``settings.toml`` (:mod:`benchmarks.big_model`)."""
    from benchmarks import big_model

    with tempfile.TemporaryDirectory(prefix="bench-app-model-") as name:
        big_model.write(Path(name))
        yield Path(name)


def child_environ(extra: dict[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` without configuration variables, plus ``extra`` and the repo on the path.

    Every child reads all of its code from bytecode, as a process of an installed package does
    (pip compiles bytecode when it installs, whatever ``PYTHONDONTWRITEBYTECODE`` says): the
    libraries' and the standard library's are theirs, and the repository's packages are compiled
    into their ``__pycache__`` here, once per run (:func:`compile_repository`). Without that, a
    shell's ``PYTHONDONTWRITEBYTECODE=1`` (set on this project's machines) made every child of a
    fresh or edited tree compile our package at every start, and the references' libraries not.
    """
    compile_repository()
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_CONFIG_PREFIXES)
        and name not in _CONFIG_NAMES
        and name not in _BYTECODE_NAMES
        and not (name.endswith("_FILE") and name.removesuffix("_FILE") in _CONFIG_NAMES)
    }
    environ["PYTHONPATH"] = str(REPO)
    return {**environ, **(extra or {})}


@functools.cache
def compile_repository() -> None:
    """Valid bytecode for :data:`REPOSITORY_PACKAGES` in their ``__pycache__`` (stale or
    missing files rewritten), as pip writes it for a package it installs."""
    for package in REPOSITORY_PACKAGES:
        if not compileall.compile_dir(REPO / package, quiet=1):
            raise RuntimeError(f"could not compile {package}/")


def source_environ(source: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """:func:`child_environ`, but the repository's packages are imported from ``source`` (a
    copy, :func:`source_copy`) and no bytecode is written: they are compiled at every start,
    while the libraries keep their bytecode. That is an editable install run under
    ``PYTHONDONTWRITEBYTECODE=1``, as on this project's machines."""
    return {
        **child_environ(extra),
        "PYTHONPATH": f"{source}{os.pathsep}{REPO}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@contextmanager
def source_copy() -> Iterator[Path]:
    """A temporary copy of :data:`REPOSITORY_PACKAGES`, without any ``__pycache__``."""
    with tempfile.TemporaryDirectory(prefix="bench-source-") as name:
        for package in REPOSITORY_PACKAGES:
            shutil.copytree(
                REPO / package, Path(name, package), ignore=shutil.ignore_patterns("__pycache__")
            )
        yield Path(name)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
