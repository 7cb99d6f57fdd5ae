"""``uvicorn app.main:app --workers 2``: every worker serves and loads its settings; SIGTERM
leaves no connection of any worker on the server; ``/metrics`` adds up every worker."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from pathlib import Path

import httpx

from app.db import PUBLISH_INTERVAL
from tests.support import uvicorn as servers
from tests.support.load import hammer
from tests.support.postgres import PgCluster, eventually_zero, options_cluster, sessions_named
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
        worked = asyncio.run(hammer(server.url, "/work", clients=8, requests=80))
        # Each worker writes its pool's figures at most PUBLISH_INTERVAL after they change;
        # the scrape reads the answering worker's own at once, the other's from its file.
        time.sleep(PUBLISH_INTERVAL + 1)
        opened = asyncio.run(sessions_named(pg_cluster, "metrics-workers"))
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            metrics = client.get("/metrics").text
        server.stop(signal.SIGTERM)

    assert len(pids) == 2  # both workers answered, so one worker's figures would fall short
    counted = sample(
        metrics,
        "http_server_request_duration_seconds_count",
        http_request_method="GET",
        http_route="/pid",
        http_response_status_code="200",
    )
    assert counted == asked + 40
    assert sample(metrics, "db_client_connection_max") == 2 * (2 + 2)  # two pools of 2 + 2
    assert {outcome.status for outcome in worked} == {200}
    pool = {"db_client_connection_pool_name": "metrics-workers"}
    used = sample(metrics, "db_client_connection_count", db_client_connection_state="used", **pool)
    idle = sample(metrics, "db_client_connection_count", db_client_connection_state="idle", **pool)
    assert (used, idle) == (0, opened)  # both workers' connections, all back in their pools
    assert opened >= 2


def test_uvicorn_workers_count_in_the_budget_and_the_metrics_warning(tmp_path: Path) -> None:
    with options_cluster("-c max_connections=20") as cluster:
        asyncio.run(cluster.create_role("three", "three-pw"))
        directory = project(tmp_path, postgres_toml(pool="size = 5\nmax_overflow = 5"))
        environ = environ_for(cluster, "three", "three-workers")  # no WEB_CONCURRENCY
        with servers.uvicorn(
            directory, environ, app=WORK_APP, options=("--factory", "--workers", "3")
        ) as server:
            server.wait_serving()
            with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
                ready = client.get("/health/ready").json()
            server.stop(signal.SIGTERM)

    [budget] = ready["checks"]["database:budget"]
    assert budget["status"] == "warn"
    assert budget["observedValue"] == {"ceiling": 30, "allowed": 17}
    exceeded = "database.E001 database.pool: can open more connections than the server allows: "
    exceeded += "server.replicas 1 x server.workers 3 x (pool.size 5"
    assert server.output.count(exceeded) == 3, server.output
    assert server.output.count("workers counted from uvicorn --workers 3") == 3
    assert "3 workers (uvicorn --workers 3) but PROMETHEUS_MULTIPROC_DIR is not set" in (
        server.output
    )


def test_a_killed_worker_leaves_the_sums(pg_cluster: PgCluster, tmp_path: Path) -> None:
    if not pg_cluster.is_running():
        pg_cluster.start()
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    directory = project(tmp_path / "app", postgres_toml())
    environ = {
        **environ_for(pg_cluster, "workers", "killed-worker"),
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
    }
    with servers.uvicorn(
        directory, environ, app=WORK_APP, options=("--factory", "--workers", "2")
    ) as server:
        server.wait_serving()
        pids, _ = serving_pids(server.url)
        killed = min(pids)
        os.kill(killed, signal.SIGKILL)  # it never runs its shutdown
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # uvicorn starts a new worker in its place
            now, _ = serving_pids(server.url, attempts=20)
            if len(now) == 2 and killed not in now:
                break
            time.sleep(0.2)
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            metrics = client.get("/metrics").text
        server.stop(signal.SIGTERM)

    assert len(now) == 2 and killed not in now, server.output
    assert sample(metrics, "db_client_connection_max") == 2 * (2 + 2)  # two live pools only
