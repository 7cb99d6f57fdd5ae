"""``uvicorn app.main:app --workers 2``: every worker serves and loads its settings; SIGTERM
leaves no connection of any worker on the server; ``/metrics`` adds up every worker."""

from __future__ import annotations

import asyncio
import signal
import uuid
from pathlib import Path

import httpx

from tests.support import uvicorn as servers
from tests.support.load import hammer
from tests.support.postgres import PgCluster, eventually_zero, sessions_named
from tests.support.prometheus import sample
from tests.support.work_app import WORK_APP, postgres_toml, project


def environ_for(cluster: PgCluster, role: str, name: str) -> dict[str, str]:
    url = f"postgresql://{role}@{cluster.host}:{cluster.port}/{role}?application_name={name}"
    return {"ENV_FOR_DYNACONF": "testing", "DATABASE_URL": url, "DB_PASSWORD": f"{role}-pw"}


def test_sigterm_leaves_no_connection_of_any_worker(pg_cluster: PgCluster, tmp_path: Path) -> None:
    if not pg_cluster.is_running():
        pg_cluster.start()
    asyncio.run(pg_cluster.create_role("workers", "workers-pw"))
    name = f"workers-{uuid.uuid4().hex[:8]}"
    directory = project(tmp_path, postgres_toml())
    environ = environ_for(pg_cluster, "workers", name)
    with servers.uvicorn(
        directory, environ, app=WORK_APP, options=("--factory", "--workers", "2")
    ) as server:
        server.wait_serving()
        pids, _ = serving_pids(server.url)
        outcomes = asyncio.run(hammer(server.url, "/work", clients=8, requests=80))
        open_before = asyncio.run(sessions_named(pg_cluster, name))
        server.stop(signal.SIGTERM)

    assert len(pids) == 2
    assert {outcome.status for outcome in outcomes} == {200}
    assert open_before > 0
    assert asyncio.run(eventually_zero(lambda: sessions_named(pg_cluster, name))) == 0
    assert server.output.count("Settings loaded: environment testing") == 2


def serving_pids(url: str, attempts: int = 200) -> tuple[set[int], int]:
    """The worker processes that answered, asking on new connections until two did, and how
    many requests that took."""
    pids: set[int] = set()
    asked = 0
    while asked < attempts and len(pids) < 2:
        with httpx.Client(base_url=url, timeout=10, trust_env=False) as client:
            pids.add(client.get("/pid").json())
        asked += 1
    return pids, asked


def test_metrics_add_up_every_worker(pg_cluster: PgCluster, tmp_path: Path) -> None:
    if not pg_cluster.is_running():
        pg_cluster.start()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    directory = project(tmp_path / "app", postgres_toml())
    environ = {
        **environ_for(pg_cluster, "workers", "metrics-workers"),
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    with servers.uvicorn(
        directory, environ, app=WORK_APP, options=("--factory", "--workers", "2")
    ) as server:
        server.wait_serving()
        pids, asked = serving_pids(server.url)
        asyncio.run(hammer(server.url, "/pid", clients=4, requests=40))
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            metrics = client.get("/metrics").text
        server.stop(signal.SIGTERM)

    assert len(pids) == 2  # both workers answered, so one worker's figures would fall short
    counted = sample(
        metrics,
        "http_server_request_duration_seconds_count",
        method="GET",
        route="/pid",
        status="200",
    )
    assert counted == asked + 40
    assert sample(metrics, "db_client_connection_max") == 2 * (2 + 2)  # two pools of 2 + 2
