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
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from settings import Settings, get_settings, load_settings
from settings.sources import ENV_VARIABLE
from settings.sources._environ import deployment_variables
from tests.pgcluster import PgCluster, find_bindir, throwaway_cluster

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"

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

DEPLOYMENT_VARIABLES = deployment_variables(Settings)


#: Variables the settings loader reads from the process environment (each also as ``<NAME>_FILE``).
LOADER_VARIABLES = (ENV_VARIABLE, *DEPLOYMENT_VARIABLES)


def unavailable(reason: str) -> NoReturn:
    """Skip: no PostgreSQL here. Fail instead when ``REQUIRE_POSTGRES=1``."""
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason}, and REQUIRE_POSTGRES=1 forbids skipping", pytrace=False)
    pytest.skip(reason)


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


@dataclass(frozen=True)
class Login:
    """A role on a server, with its password in clear (as a deployment would set DB_PASSWORD)."""

    host: str
    port: int
    username: str
    password: str
    database: str

    def environ(self, password: str | None = None) -> dict[str, str]:
        """Deployment variables for this login; the password goes raw into ``DB_PASSWORD``."""
        return {
            "DATABASE_URL": f"postgresql://{self.host}:{self.port}/{self.database}",
            "DB_USERNAME": self.username,
            "DB_PASSWORD": self.password if password is None else password,
        }


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
