"""examples/alembic: ``alembic upgrade head`` with the documented env.py (async and sync) reads
the settings and migrates a fresh database on the local PostgreSQL (docs/alembic.md)."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support.environ import REPO, clean_environ
from tests.support.project import BASE_SETTINGS_TOML

EXAMPLE = REPO / "examples" / "alembic"
#: A password the local server (trust authentication) ignores: it must show nowhere.
PASSWORD = "Alm9-" + secrets.token_hex(6)


@pytest.fixture
def fresh_database(postgres_url: str) -> Iterator[str]:
    """A database of its own on the local server, dropped afterwards: its URL."""
    name = f"alembic_{secrets.token_hex(6)}"
    asyncio.run(_admin(postgres_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _tables(url: str) -> tuple[list[str], list[str]]:
    connection = await asyncpg.connect(url, timeout=5)
    try:
        tables = await connection.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        versions = await connection.fetch("SELECT version_num FROM alembic_version")
    finally:
        await connection.close()
    return sorted(row[0] for row in tables), [row[0] for row in versions]


def project_with(tmp_path: Path, variant: str) -> Path:
    """The example copied as an application would (``env_sync.py`` over ``env.py`` for the
    sync variant), beside a settings.toml."""
    copy = tmp_path / "alembic"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    if variant == "sync":
        shutil.copy(copy / "migrations" / "env_sync.py", copy / "migrations" / "env.py")
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    return copy / "alembic.ini"


def alembic(ini: Path, *args: str, environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(ini), *args],
        cwd=ini.parent.parent,
        env=clean_environ(environ, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("variant", ["async", "sync"])
def test_upgrade_head_creates_the_table_in_the_database_the_settings_name(
    tmp_path: Path, fresh_database: str, variant: str
) -> None:
    ini = project_with(tmp_path, variant)
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "DATABASE_URL": f"{fresh_database}?sslmode=prefer&application_name=migrations",
        "DB_PASSWORD": PASSWORD,
    }

    result = alembic(ini, "upgrade", "head", environ=environ)

    assert result.returncode == 0, result.stderr
    assert "Running upgrade  -> 0001, Create the notes table." in result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert asyncio.run(_tables(fresh_database)) == (["alembic_version", "notes"], ["0001"])


@pytest.mark.parametrize("variant", ["async", "sync"])
def test_offline_sql_is_postgresql_s_without_a_connection(tmp_path: Path, variant: str) -> None:
    ini = project_with(tmp_path, variant)
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "DATABASE_URL": f"postgresql://app:{PASSWORD}@nowhere.invalid/app",
    }

    result = alembic(ini, "upgrade", "head", "--sql", environ=environ)

    assert result.returncode == 0, result.stderr
    assert "CREATE TABLE notes" in result.stdout
    assert "TIMESTAMP WITH TIME ZONE DEFAULT now()" in result.stdout  # PostgreSQL's dialect
    assert PASSWORD not in result.stdout + result.stderr
