"""Loading settings is on the start path of every process: it imports no web or engine code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.environ import REPO as REPOSITORY

HEAVY = ("fastapi", "starlette", "sqlalchemy", "asyncpg", "aiosqlite", "uvicorn")
SCRIPT = f"""
import json, sys
from settings import get_settings
settings = get_settings()
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {HEAVY!r})
url = settings.database.url
print(json.dumps({{"heavy": heavy, "url": url.render_as_string(), "driver": url.drivername}}))
"""


def run_in(directory: Path, environ: dict[str, str]) -> dict[str, object]:
    clean = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "HOME", "LANG", "SYSTEMROOT", "PYTHONPATH")
    }
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=directory,
        env={**clean, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result: dict[str, object] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize(
    ("settings_toml", "environ", "driver"),
    [
        (None, {}, "sqlite+aiosqlite"),
        (
            '[default]\nsecret_key = "@format {env[SEED]}-key"\n'
            '[default.database]\nport = "@int 6543"\n[development]\n',
            {"SEED": "x", "DATABASE_URL": "postgresql://u:pw@db.example.com/app"},
            "postgresql+asyncpg",
        ),
    ],
    ids=["shipped-settings", "tokens-and-postgresql"],
)
def test_get_settings_imports_neither_fastapi_nor_sqlalchemy(
    tmp_path, settings_toml, environ, driver
) -> None:
    if settings_toml is None:  # the reference application's, which names its model
        shutil.copy(REPOSITORY / "settings.toml", tmp_path / "settings.toml")
        environ = {
            **environ,
            "SETTINGS_MODEL": "app.config:AppSettings",
            "PYTHONPATH": str(REPOSITORY),
        }
    else:
        (tmp_path / "settings.toml").write_text(settings_toml, encoding="utf-8")

    result = run_in(tmp_path, environ)

    assert result["heavy"] == []
    assert result["driver"] == driver  # and database.url still works afterwards
