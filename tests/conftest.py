"""Shared fixtures: PostgreSQL servers, and settings loaded from a ``settings.toml`` in tmp_path.

PostgreSQL fixtures skip their test with the reason when no server can be had; with
``REQUIRE_POSTGRES=1`` (as ``.ci/run`` sets) they fail it instead, so CI cannot pass by skipping.
``TEST_DATABASE_URL`` names the running server (default ``postgresql://postgres@127.0.0.1:5432/test``);
``PG_BINDIR`` where ``initdb`` is, for the throwaway cluster.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from settings import Settings, get_settings, load_settings
from tests.support.environ import LOADER_VARIABLES
from tests.support.postgres import (
    DEFAULT_TEST_DATABASE_URL,
    Login,
    PgCluster,
    find_bindir,
    throwaway_cluster,
    unavailable,
)
from tests.support.project import BASE_SETTINGS_TOML, PRODUCTION_ENVIRON, SETTINGS_TOML, Project

#: Fixtures of the chat project (an application's own model) and of the command line, for
#: every folder that uses them.
pytest_plugins = ("tests.support.chat", "tests.support.cli")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The running server's URL, after checking that it answers."""
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)

    async def probe() -> None:
        connection = await asyncpg.connect(url, timeout=3)
        await connection.close()

    try:
        asyncio.run(probe())
    except (OSError, asyncpg.PostgresError) as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        unavailable(
            f"no PostgreSQL server answers at {shown} ({type(exc).__name__}); "
            "start one or point TEST_DATABASE_URL at one"
        )
    return url


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway cluster with scram-sha-256 password authentication, for the whole session."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("no initdb/pg_ctl found for a throwaway PostgreSQL cluster (set PG_BINDIR)")
    with throwaway_cluster(bindir) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def cluster_login(pg_cluster: PgCluster) -> Login:
    """A role whose password holds every character a URL treats specially."""
    password = f"p@ss:w/rd?#%-{secrets.token_hex(4)}"
    asyncio.run(pg_cluster.create_role("app_user", password))
    return Login(pg_cluster.host, pg_cluster.port, "app_user", password, "app_user")


@pytest.fixture
def running_cluster(pg_cluster: PgCluster) -> PgCluster:
    """The throwaway cluster, started again if a previous test left it stopped."""
    if not pg_cluster.is_running():
        pg_cluster.start()
    return pg_cluster


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """``make_settings(env="testing", toml=BASE_SETTINGS_TOML, **environ)``, loaded for real."""

    def make(env: str = "testing", toml: str = BASE_SETTINGS_TOML, **environ: str) -> Settings:
        (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")
        return load_settings(env, root=tmp_path, environ=environ)

    return make


@pytest.fixture
def process_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """The process environment without any variable the loader reads (CI sets DATABASE_URL),
    and ``get_settings()`` uncached at the start and the end. For the few tests of the
    ``os.environ`` and working-directory defaults; others inject ``environ=``."""
    for name in list(os.environ):
        if name.startswith(("APP_", "DYNACONF_")) or name.removesuffix("_FILE") in LOADER_VARIABLES:
            monkeypatch.delenv(name)
    get_settings.cache_clear()  # type: ignore[attr-defined]
    yield monkeypatch
    get_settings.cache_clear()  # type: ignore[attr-defined]


@pytest.fixture
def process_settings(tmp_path: Path, process_environment: pytest.MonkeyPatch) -> Path:
    """Work in a temp dir holding the test settings.toml, with no loader variable set.

    For tests of ``create_app()`` and ``override_settings``, which read ``get_settings()``.
    """
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    process_environment.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """``tmp_path`` holding the test settings.toml, for a load or a ``check`` run there."""
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    return tmp_path


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A project whose settings.toml is :data:`tests.support.project.SETTINGS_TOML`."""
    created = Project(tmp_path)
    created.write("settings.toml", SETTINGS_TOML)
    return created


@pytest.fixture
def production() -> dict[str, str]:
    """An environment in which the project's production table loads without a deployment error."""
    return dict(PRODUCTION_ENVIRON)
