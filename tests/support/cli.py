"""The command line's test inputs (a settings.toml, a production environ, a result) and its
fixtures, ``settings_dir`` and ``cli`` (a plugin of ``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from settings.cli import main

SETTINGS_TOML = """\
[default]
debug = false
log_level = "info"
secret_key = "development-only-key-do-not-use-in-production"
allowed_hosts = ["localhost"]

[default.database]
host = "127.0.0.1"
port = 5432

[development]
debug = true

[development.database]
driver = "sqlite+aiosqlite"
database = "dev.sqlite3"

[testing.database]
database = "test"

[production]
log_level = "warning"
allowed_hosts = ["example.com"]
"""

#: What a correct production deployment sets.
PRODUCTION = {
    "ENV_FOR_DYNACONF": "production",
    "SECRET_KEY": "k3y-with-enough-entropy-0123456789abcdef",
    "DB_PASSWORD": "pw",
}


@dataclass(frozen=True)
class Result:
    """One command's exit status and output."""

    code: int
    out: str
    err: str


Run = Callable[..., Result]


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    """A directory with a settings.toml: development on SQLite, testing, production."""
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML)
    return tmp_path


@pytest.fixture
def cli(settings_dir: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``python -m settings ARGV`` in-process in ``settings_dir``, with the given environ."""

    def run(
        *argv: str, environ: Mapping[str, str] | None = None, root: Path | None = settings_dir
    ) -> Result:
        args = [*argv, "--root", str(root)] if root is not None else list(argv)
        code = main(args, environ=dict(environ or {}))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
