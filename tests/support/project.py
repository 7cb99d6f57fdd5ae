"""Settings files for the tests, and a throw-away project directory to write and load them.

``Project`` writes its TOML files and loads them with an injected environment: nothing reads the
real working directory or ``os.environ``. The ``project`` and ``production`` fixtures
(``tests/conftest.py``) hand one out per test.
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

#: An environment in which :data:`SETTINGS_TOML`'s production table loads without a deployment
#: error.
PRODUCTION_ENVIRON = {
    "ENV_FOR_DYNACONF": "production",
    "SECRET_KEY": STRONG_KEY,
    "DB_PASSWORD": "pw",
}

#: A settings.toml for tests: SQLite unless a variable says otherwise, small pool, short waits.
BASE_SETTINGS_TOML = """\
[default]
secret_key = "tests-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
allowed_hosts = ["localhost", "testserver"]

[default.database]
driver = "sqlite+aiosqlite"
database = "data/app.sqlite3"
connect_timeout = 2.0

[default.database.pool]
size = 2
max_overflow = 1
timeout = 2.0

[development]
[testing]
"""


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
