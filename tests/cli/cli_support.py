"""Shared by the command-line tests: a settings.toml, a production environ, results."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
