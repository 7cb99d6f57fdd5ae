"""``database.pgbouncer = true`` behind a real PgBouncer in transaction mode: two server
connections, two app processes, concurrent load. With the setting nothing fails; without it,
prepared statements collide and requests fail (the load test shows both)."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from tests.support import uvicorn as servers
from tests.support.load import Outcome, hammer
from tests.support.pgbouncer import PgBouncer, pgbouncer
from tests.support.postgres import Login, PgCluster
from tests.support.work_app import WORK_APP, postgres_toml, project

CLIENTS, REQUESTS = 12, 120


@pytest.fixture(scope="module")
def bouncer_login(pg_cluster: PgCluster) -> Login:
    if not pg_cluster.is_running():
        pg_cluster.start()
    login = Login(pg_cluster.host, pg_cluster.port, "bounced", "bounced-pw-9f1c", "bounced")
    asyncio.run(pg_cluster.create_role(login.username, login.password))
    return login


def load_through(
    bouncer: PgBouncer, login: Login, tmp_path: Path, *, setting: str
) -> tuple[Counter[object], str]:
    """Two uvicorn processes behind ``bouncer`` under concurrent load: how the requests ended,
    and what the processes logged."""
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "DATABASE_URL": f"postgresql://{bouncer.host}:{bouncer.port}/{login.database}",
        "DB_USERNAME": login.username,
        "DB_PASSWORD": login.password,
        "APP_DATABASE__PGBOUNCER": setting,
    }
    toml = postgres_toml(pool="size = 5\nmax_overflow = 5")
    setups = [(project(tmp_path / name, toml), environ) for name in ("one", "two")]
    with servers.many(setups, app=WORK_APP, options=("--factory",)) as running:
        for server in running:
            server.wait_serving()

        async def both() -> list[list[Outcome]]:
            return await asyncio.gather(
                *(
                    hammer(server.url, "/work", clients=CLIENTS, requests=REQUESTS)
                    for server in running
                )
            )

        results = asyncio.run(both())
        for server in running:
            server.stop()
        output = "".join(server.output for server in running)
    return Counter(o.status or o.error for outcomes in results for o in outcomes), output


def test_behind_pgbouncer_in_transaction_mode_no_request_fails(
    bouncer_login: Login, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    with pgbouncer(pg_cluster, {bouncer_login.username: bouncer_login.password}) as bouncer:
        ended, output = load_through(bouncer, bouncer_login, tmp_path, setting="true")

    assert ended == {200: 2 * REQUESTS}
    assert "ERROR" not in output and "WARNING" not in output, output


def test_the_same_load_without_the_setting_fails(
    bouncer_login: Login, pg_cluster: PgCluster, tmp_path: Path
) -> None:
    with pgbouncer(pg_cluster, {bouncer_login.username: bouncer_login.password}) as bouncer:
        ended, output = load_through(bouncer, bouncer_login, tmp_path, setting="false")

    assert ended[200] < 2 * REQUESTS, ended
    assert set(ended) - {200} <= {500, 503}, ended
    assert "prepared statement" in output
