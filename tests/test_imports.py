"""Loading settings is on the start path of every process: it imports no web or engine code."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def run_in(directory: Path, environ: dict[str, str], script: str = SCRIPT) -> Any:
    """What ``script`` prints as JSON, run in ``directory`` with only ``environ`` and the basics."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if name in ("PATH", "HOME", "LANG", "SYSTEMROOT", "PYTHONPATH")
    }
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=directory,
        env={**clean, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


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


#: The dataclasses a load may create: each costs about 3.4 million instructions when its module
#: is imported (``@dataclass`` compiles six methods with ``exec``), a third of a percent of a
#: cold start apiece; the load path's other records are classes with ``__slots__``.
LOAD_PATH_DATACLASSES = [
    "settings._errors.Problem",
    "settings._provenance.Sources",
    "settings.schema.EnvVar",
]
DATACLASSES_SCRIPT = """
import dataclasses, json, sys
from settings import load_settings
load_settings()
print(json.dumps(sorted(
    f"{name}.{value.__name__}"
    for name, module in list(sys.modules.items())
    if name == "settings" or name.startswith("settings.")
    for value in list(vars(module).values())
    if isinstance(value, type) and value.__module__ == name and dataclasses.is_dataclass(value)
)))
"""


def test_a_load_creates_no_dataclass_beyond_the_three_public_records(tmp_path) -> None:
    shutil.copy(REPOSITORY / "settings.toml", tmp_path / "settings.toml")
    environ = {"SETTINGS_MODEL": "app.config:AppSettings", "PYTHONPATH": str(REPOSITORY)}

    assert run_in(tmp_path, environ, DATACLASSES_SCRIPT) == LOAD_PATH_DATACLASSES
