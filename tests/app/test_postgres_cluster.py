"""The app against a throwaway PostgreSQL cluster with password authentication.

Only a cluster of our own can be stopped and restarted mid-test, and it checks passwords
(scram-sha-256), which the shared server may not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from app.main import create_app
from settings import Settings
from tests.support.app_client import running, session_app
from tests.support.postgres import Login, PgCluster, eventually_zero

pytestmark = pytest.mark.postgres


async def test_password_with_url_characters_outages_and_recovery_without_restart(
    make_settings: Callable[..., Settings],
    running_cluster: PgCluster,
    cluster_login: Login,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert set("@:/?#%") <= set(cluster_login.password)
    settings = make_settings(**cluster_login.environ())
    timeout = settings.database.connect_timeout

    await asyncio.to_thread(running_cluster.stop)
    async with running(create_app(settings)) as client:
        down_at_startup = await client.get("/health/ready")
        await asyncio.to_thread(running_cluster.start)
        up = await client.get("/health/ready")
        await asyncio.to_thread(running_cluster.stop)
        started = time.monotonic()
        down = await client.get("/health/ready")
        down_wait = time.monotonic() - started
        await asyncio.to_thread(running_cluster.start)
        back = await client.get("/health/ready")
        open_while_serving = await running_cluster.sessions_of(cluster_login.username)

    statuses = [r.status_code for r in (down_at_startup, up, down, back)]
    assert statuses == [503, 200, 503, 200]
    assert down_wait < timeout + 1
    assert open_while_serving >= 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("Database check failed" in m for m in messages)
    assert any("answers again" in m for m in messages)
    assert cluster_login.password not in caplog.text
    assert await eventually_zero(lambda: running_cluster.sessions_of(cluster_login.username)) == 0


async def test_wrong_password_gives_503_and_says_so_without_the_password(
    make_settings: Callable[..., Settings],
    running_cluster: PgCluster,
    cluster_login: Login,
    caplog: pytest.LogCaptureFixture,
) -> None:
    wrong = "wr0ng:p@ss/?#%-canary"
    settings = make_settings(**cluster_login.environ(password=wrong))

    async with running(session_app(settings)) as client:
        ready = await client.get("/health/ready")
        now = await client.get("/now")

    assert ready.status_code == 503
    [database] = ready.json()["checks"]["database:responseTime"]
    assert database["output"] == "connection failed (InvalidPasswordError)"
    assert now.status_code == 503
    failures = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any('password authentication failed for user "app_user"' in m for m in failures)
    for secret in (wrong, cluster_login.password):
        assert secret not in caplog.text
        assert secret not in ready.text + now.text


@pytest.mark.parametrize(
    ("sslmode", "status"), [("disable", 200), ("prefer", 200), ("require", 503)]
)
async def test_sslmode_in_database_url_reaches_asyncpg(
    make_settings: Callable[..., Settings],
    running_cluster: PgCluster,
    cluster_login: Login,
    caplog: pytest.LogCaptureFixture,
    sslmode: str,
    status: int,
) -> None:
    environ = cluster_login.environ()
    environ["DATABASE_URL"] += f"?sslmode={sslmode}"
    settings = make_settings(**environ)

    async with running(create_app(settings)) as client:
        response = await client.get("/health/ready")

    assert settings.database.options == {"ssl": sslmode}
    assert response.status_code == status  # the throwaway cluster runs without SSL
    if status == 503:
        assert "rejected SSL upgrade" in caplog.text
