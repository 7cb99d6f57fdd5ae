"""The core's runtime dependencies are what settings/ imports to load: nothing of an extra.

pyproject.toml lists pydantic, Dynaconf and python-dotenv as the core; FastAPI, SQLAlchemy,
the drivers, prometheus-client, uvicorn, Jinja and httpx come with extras. A project that
installs the framework for its settings alone must not get (or have moved) any of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The top-level modules each extra brings (their packages' import names).
EXTRAS = {
    "fastapi",
    "starlette",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "prometheus_client",
    "uvicorn",
    "jinja2",
    "httpx",
}

LOAD = """
import json, sys, tempfile, pathlib
root = pathlib.Path(tempfile.mkdtemp())
(root / "settings.toml").write_text(
    '[default]\\nsecret_key = "a-development-key"\\n[development]\\n[production]\\n'
)
import settings, settings.checks
settings.load_settings(root=root, environ={})
settings.load_settings(root=root, environ={"DATABASE_URL": "postgresql://u:p@h/db"})
print(json.dumps(sorted({name.partition(".")[0] for name in sys.modules})))
"""


def test_the_core_dependencies_are_exactly_pydantic_dynaconf_and_python_dotenv() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {requirement.split(">")[0].split("=")[0] for requirement in project["dependencies"]}

    assert names == {"pydantic", "dynaconf", "python-dotenv"}


def test_loading_settings_imports_nothing_an_extra_brings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", LOAD], cwd=REPO, capture_output=True, text=True, check=True
    )

    imported = set(json.loads(result.stdout))

    assert not imported & EXTRAS, sorted(imported & EXTRAS)


SHOW_WITHOUT_SQLALCHEMY = """
import sys, tempfile, pathlib
sys.modules["sqlalchemy"] = None  # as in a project that installed the core alone
root = pathlib.Path(tempfile.mkdtemp())
(root / "settings.toml").write_text('[default]\\nsecret_key = "k"\\n[development]\\n')
from settings.cli import main
sys.exit(main(["show", "--root", str(root), "--model", "settings:Settings"]))
"""


def test_show_works_without_the_database_extra() -> None:
    """The core alone shows the database's parts; only the composed URL needs SQLAlchemy."""
    result = subprocess.run(
        [sys.executable, "-c", SHOW_WITHOUT_SQLALCHEMY], cwd=REPO, capture_output=True, text=True
    )

    assert (result.returncode, result.stderr) == (0, "")
    assert 'database.host = "localhost"' in result.stdout
    assert "database.url" not in result.stdout
