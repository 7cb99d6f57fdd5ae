"""A throw-away project directory per test: write its TOML files, load it with an injected
environment. Nothing reads the real working directory or ``os.environ``.

Helpers are fixtures, not imports: ``tests/app`` has a conftest module of its own.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from settings import ImproperlyConfigured, Settings, load_settings

SETTINGS_TOML = """
[default]
secret_key = "development-key-not-for-production"
allowed_hosts = ["localhost", "127.0.0.1"]

[default.database]
host = "db.internal"
port = 5432
username = "app"
database = "app"

[development]
debug = true

[testing]

[production]
allowed_hosts = ["example.com"]
"""

STRONG_KEY = "Zq8wN3vR5tY7uI9oP1aS2dF4gH6jK8lX0cVbM"


@dataclass
class Project:
    """A settings directory: ``write`` its files, ``load`` it, or get the ``error`` it raises."""

    root: Path

    def write(self, name: str, text: str, *, encoding: str = "utf-8") -> Path:
        path = self.root / name
        path.write_text(textwrap.dedent(text), encoding=encoding)
        return path

    def load(self, environ: Mapping[str, str] | None = None, env: str | None = None) -> Settings:
        return load_settings(env, root=self.root, environ=dict(environ or {}))

    def error(
        self, environ: Mapping[str, str] | None = None, env: str | None = None
    ) -> ImproperlyConfigured:
        with pytest.raises(ImproperlyConfigured) as info:
            self.load(environ, env)
        return info.value

    def problems(
        self, environ: Mapping[str, str] | None = None, env: str | None = None
    ) -> set[tuple[str, str | None]]:
        """Each problem as (key, origin): what a reader needs to find the offending value."""
        return {(problem.key, problem.origin) for problem in self.error(environ, env).problems}

    def secret_file(self, name: str, content: str | bytes) -> str:
        path = self.root / name
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        return str(path)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project whose settings.toml is :data:`SETTINGS_TOML`."""
    created = Project(tmp_path)
    created.write("settings.toml", SETTINGS_TOML)
    return created


@pytest.fixture
def production() -> dict[str, str]:
    """An environment in which the production table above loads without a deployment error."""
    return {"ENV_FOR_DYNACONF": "production", "SECRET_KEY": STRONG_KEY, "DB_PASSWORD": "pw"}
