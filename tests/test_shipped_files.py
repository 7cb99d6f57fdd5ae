"""The repository's own settings.toml and .secrets.toml.example load as the contract says."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from app.config import AppSettings
from settings import load_settings
from settings._redact import secret_keys
from settings.merge import flatten
from tests.support.environ import REPO as REPOSITORY
from tests.support.project import STRONG_KEY


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """A copy of the shipped settings.toml, with the pyproject.toml naming the reference
    application's model (a developer's own files stay out)."""
    shutil.copy(REPOSITORY / "settings.toml", tmp_path / "settings.toml")
    shutil.copy(REPOSITORY / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_development_works_with_no_server(shipped) -> None:
    database = load_settings(root=shipped, environ={}).database

    assert database.driver == "sqlite+aiosqlite"
    assert database.database == str(shipped.resolve() / "development.sqlite3")


@pytest.mark.parametrize("env", ["development", "testing"])
def test_every_non_production_environment_loads_without_variables(shipped, env) -> None:
    assert load_settings(env, root=shipped, environ={}).environment == env


def test_production_requires_postgresql_and_deployment_values(shipped) -> None:
    environ = {
        "ENV_FOR_DYNACONF": "production",
        "SECRET_KEY": STRONG_KEY,
        "DB_PASSWORD": "pw",
        "APP_ALLOWED_HOSTS": "example.com",
    }

    settings = load_settings(root=shipped, environ=environ)

    assert settings.database.driver == "postgresql+asyncpg"
    assert settings.debug is False


def test_the_pool_is_sized_per_environment(shipped) -> None:
    environ = {"SECRET_KEY": STRONG_KEY, "DB_PASSWORD": "pw", "APP_ALLOWED_HOSTS": "example.com"}

    sizes = {
        env: load_settings(env, root=shipped, environ=environ).database.pool.size
        for env in ("development", "testing", "production")
    }

    assert len(set(sizes.values())) == 3


def test_the_secrets_example_lists_every_secret_with_a_placeholder(shipped) -> None:
    example = tomllib.loads((REPOSITORY / ".secrets.toml.example").read_text("utf-8"))

    assert set(flatten(example["default"])) == set(secret_keys(AppSettings))
    shutil.copy(REPOSITORY / ".secrets.toml.example", shipped / ".secrets.toml")
    load_settings(root=shipped, environ={})  # every key of the example is known
