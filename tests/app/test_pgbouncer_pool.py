"""``database.pgbouncer = true`` keeps the app's pool: behind a real PgBouncer in transaction
mode (two server connections), concurrent requests all succeed over pooled connections, and the
pool's gauges and readiness counters read what the pool holds, not 0."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.support import uvicorn as servers
from tests.support.load import hammer, pool_counters
from tests.support.pgbouncer import pgbouncer
from tests.support.postgres import Login, PgCluster
from tests.support.work_app import WORK_APP, get, postgres_toml, project

SIZE, OVERFLOW = 2, 2
CLIENTS, REQUESTS = 16, 240


@pytest.fixture(scope="module")
def pooled_login(pg_cluster: PgCluster) -> Login:
    if not pg_cluster.is_running():
        pg_cluster.start()
    login = Login(pg_cluster.host, pg_cluster.port, "pooled", "pooled-pw-5d2e", "pooled")
    asyncio.run(pg_cluster.create_role(login.username, login.password))
    return login


def total(text: str, name: str) -> float:
    """The sum of every sample of ``name``, whatever its labels."""
    pattern = rf"^{name}(?:\{{[^}}]*\}})? (\S+)$"
    return sum(float(value) for value in re.findall(pattern, text, flags=re.MULTILINE))


def test_behind_pgbouncer_the_pool_serves_concurrent_requests_and_reports_itself(
    pooled_login: Login, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    toml = postgres_toml(pool=f"size = {SIZE}\nmax_overflow = {OVERFLOW}")
    with pgbouncer(pg_cluster, {pooled_login.username: pooled_login.password}) as bouncer:
        environ = {
            "ENV_FOR_DYNACONF": "testing",
            "DATABASE_URL": f"postgresql://{bouncer.host}:{bouncer.port}/{pooled_login.database}",
            "DB_USERNAME": pooled_login.username,
            "DB_PASSWORD": pooled_login.password,
            "APP_DATABASE__PGBOUNCER": "true",
        }
        with servers.uvicorn(
            project(tmp_path, toml), environ, app=WORK_APP, options=("--factory",)
        ) as server:
            server.wait_serving()
            outcomes = asyncio.run(hammer(server.url, "/work", clients=CLIENTS, requests=REQUESTS))
            ready = asyncio.run(hammer(server.url, "/health/ready", clients=1, requests=1))
            metrics = get(server, "/metrics").text
            server.stop()

    assert [o.status for o in outcomes] == [200] * REQUESTS, {o.error for o in outcomes}
    assert "prepared statement" not in server.output
    assert "Traceback" not in server.output
    # The pool holds its connections to PgBouncer between requests: the gauges are live.
    assert total(metrics, "db_client_connection_max") == SIZE + OVERFLOW
    assert total(metrics, "db_client_connection_count") >= 1
    [probe] = ready
    assert probe.status == 200
    assert pool_counters(probe)["size"] == SIZE
