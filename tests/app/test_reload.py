"""Reload on SIGHUP, against a real ``uvicorn`` process: valid and invalid changes, a rotated
secret, a burst of requests, and a move to another PostgreSQL server.

Each server runs in a project directory of its own; a test changes the files there, sends
SIGHUP, and waits for the audit line that ends every reload (applied or refused).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.postgres import Login, PgCluster, eventually_zero
from tests.support.reloading import (
    SETTINGS_TOML,
    audit_lines,
    reload,
    serve,
    startup_fingerprint,
    wait_for,
    write_settings,
)
from tests.support.uvicorn import Server

CANARY = "rotated-canary-key-must-never-be-printed-0123456789"


def pool_size(client: httpx.Client) -> int:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    return int(response.json()["checks"]["database:connections"][0]["observedValue"]["size"])


def test_a_valid_change_reaches_the_pool_and_the_handlers(tmp_path: Path) -> None:
    write_settings(tmp_path, size=2, orders_v2=False)
    with serve(tmp_path) as server:
        server.wait_serving()
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            host = {"Host": "api.example.com"}
            before = (
                pool_size(client),
                client.get("/features").json()["orders_v2"],
                client.get("/features", headers=host).status_code,
            )
            old = startup_fingerprint(server)
            write_settings(tmp_path, size=7, orders_v2=True, hosts="api.example.com")

            line = reload(server)

            after = (
                pool_size(client),
                client.get("/features").json()["orders_v2"],
                client.get("/features", headers=host).status_code,
            )

    assert before == (2, False, 400)
    assert after == (7, True, 200)  # the pool, a handler and the allowed hosts, together
    new = re.search(rf"fingerprint {old} -> ([0-9a-f]+);", line)
    assert new and new.group(1) != old, line
    assert "database.pool.size 2 -> 7 (settings.toml [default])" in line
    assert "features.orders_v2 false -> true (settings.toml [default])" in line


def test_a_request_in_flight_finishes_with_the_settings_it_began_with(tmp_path: Path) -> None:
    write_settings(tmp_path, orders_v2=False)
    with serve(tmp_path) as server:
        server.wait_serving()
        with (
            httpx.Client(base_url=server.url, timeout=60, trust_env=False) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            in_flight = pool.submit(client.get, "/held")
            wait_for(lambda: client.get("/started").json() is True, server, "the request in flight")
            write_settings(tmp_path, orders_v2=True)
            reload(server)
            with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as other:
                new_request = other.get("/features").json()["orders_v2"]
            client.get("/release")
            finished = in_flight.result()

    assert new_request is True
    assert finished.status_code == 200 and finished.json() == {"orders_v2": False}


def test_invalid_toml_keeps_the_old_settings_and_logs_the_report(tmp_path: Path) -> None:
    write_settings(tmp_path, size=3)
    with serve(tmp_path) as server:
        server.wait_serving()
        old = startup_fingerprint(server)
        with (tmp_path / "settings.toml").open("a") as toml:
            toml.write("\n[testing\nbroken = \n")

        line = reload(server)

        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            ready = client.get("/health/ready")
            size = pool_size(client)
        alive = server.process.poll() is None
        output = server.stderr

    assert alive
    assert ready.status_code == 200
    assert size == 3
    assert f"fingerprint {old} -> {old}; refused (1 error, reported above)" in line
    assert "Settings reload refused; the settings in use stay." in output
    assert "settings.toml: invalid TOML" in output and "line 20" in output


def test_an_invalid_value_is_refused_with_the_key_named(tmp_path: Path) -> None:
    write_settings(tmp_path, size=3)
    (tmp_path / ".env").write_text("APP_FEATURES__READ_REPLICA=true\n")
    with serve(tmp_path) as server:
        server.wait_serving()
        write_settings(tmp_path, size=0)

        line = reload(server)

        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            size = pool_size(client)
            flags = client.get("/features").json()
        output = server.stderr

    assert "refused" in line
    assert size == 3
    assert flags["read_replica"] is True
    assert "database.pool.size" in output and "settings.toml [default]" in output
    assert "files settings.toml, .env; variables APP_FEATURES__READ_REPLICA" in output


def test_a_rotated_secret_is_named_and_never_shown(tmp_path: Path) -> None:
    write_settings(tmp_path)
    with serve(tmp_path) as server:
        server.wait_serving()
        old = startup_fingerprint(server)
        (tmp_path / ".secrets.toml").write_text(f'[default]\nsecret_key = "{CANARY}"\n')

        line = reload(server)

        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            ready = client.get("/health/ready")
        output = server.output

    assert ready.status_code == 200
    assert line.endswith("1 changed: secret_key changed (.secrets.toml [default])")
    assert f"fingerprint {old} -> {old}" in line  # the fingerprint leaves secrets out
    versions = re.search(r"; secrets ([0-9a-f]+) -> ([0-9a-f]+);", line)
    assert versions and versions.group(1) != versions.group(2), line  # their version changed
    assert CANARY not in output


def test_reloads_during_a_burst_of_requests_give_no_server_error(tmp_path: Path) -> None:
    write_settings(tmp_path, size=2)
    with serve(tmp_path) as server:
        server.wait_serving()
        statuses: list[int] = []
        done = threading.Event()

        def hammer(path: str) -> None:
            with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client:
                while not done.is_set():
                    statuses.append(client.get(path).status_code)

        with ThreadPoolExecutor(4) as pool:
            workers = [pool.submit(hammer, path) for path in ("/features", "/health/ready") * 2]
            wait_for(lambda: len(statuses) > 20, server, "the first requests")
            for size in (3, 4, 5, 6):  # each a new pool, the old one retired under load
                write_settings(tmp_path, size=size, orders_v2=size % 2 == 0)
                reload(server)
            done.set()
            for worker in workers:
                worker.result()
        lines = audit_lines(server)

    assert [line for line in lines if "refused" in line] == []
    assert len(lines) == 4
    assert statuses and all(status == 200 for status in statuses), sorted(set(statuses))


# --- another PostgreSQL server ------------------------------------------------------------


def on_first_cluster(directory: Path, login: Login, pool_timeout: float = 5.0) -> None:
    """The project's database: the throwaway cluster, its password in .secrets.toml."""
    (directory / "settings.toml").write_text(
        SETTINGS_TOML.format(size=2, orders_v2="false")
        .replace(
            'driver = "sqlite+aiosqlite"\ndatabase = "app.sqlite3"',
            f'host = "{login.host}"\nport = {login.port}\n'
            f'username = "{login.username}"\ndatabase = "{login.database}"',
        )
        .replace("timeout = 5.0", f"timeout = {pool_timeout}")
    )
    (directory / ".secrets.toml").write_text(f"[default.database]\npassword = '{login.password}'\n")


def move_to(directory: Path, login: Login, postgres_url: str) -> None:
    """Point the project at the shared server instead (host, port, role and database)."""
    second = make_url(postgres_url)
    (directory / "settings.toml").write_text(
        (directory / "settings.toml")
        .read_text()
        .replace(f'host = "{login.host}"', 'host = "localhost"')
        .replace(f"port = {login.port}", f"port = {second.port}")
        .replace(f'username = "{login.username}"', f'username = "{second.username}"')
        .replace(f'database = "{login.database}"', f'database = "{second.database}"')
    )


def sessions_on(cluster: PgCluster, login: Login) -> int:
    return asyncio.run(cluster.sessions_of(login.username))


@pytest.mark.postgres
def test_moving_to_another_server_retires_the_old_pool_once_requests_return(
    tmp_path: Path, running_cluster: PgCluster, cluster_login: Login, postgres_url: str
) -> None:
    on_first_cluster(tmp_path, cluster_login)
    with serve(tmp_path) as server:
        server.wait_serving()
        with (
            httpx.Client(base_url=server.url, timeout=60, trust_env=False) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            assert client.get("/where").json()["port"] == cluster_login.port
            in_flight = pool.submit(client.get, "/held-db")
            wait_for(lambda: client.get("/started").json() is True, server, "a request in flight")
            move_to(tmp_path, cluster_login, postgres_url)

            line = reload(server)

            new_request = client.get("/where")
            still_open = sessions_on(running_cluster, cluster_login)
            client.get("/release")
            finished = in_flight.result()
            left = asyncio.run(
                eventually_zero(lambda: running_cluster.sessions_of(cluster_login.username))
            )
        output = server.stderr

    assert 'database.host "127.0.0.1" -> "localhost"' in line
    assert new_request.json()["port"] == make_url(postgres_url).port
    assert still_open >= 1  # the request in flight kept its connection to the first server
    assert finished.status_code == 200 and finished.json()["port"] == cluster_login.port
    assert left == 0  # once returned, no connection to the first server is left
    assert "closes once its connections are returned" in output
    assert cluster_login.password not in output


@pytest.mark.postgres
def test_after_pool_timeout_idle_connections_close_and_the_held_one_when_returned(
    tmp_path: Path, running_cluster: PgCluster, cluster_login: Login, postgres_url: str
) -> None:
    on_first_cluster(tmp_path, cluster_login, pool_timeout=1.0)
    with serve(tmp_path) as server:
        server.wait_serving()
        with (
            httpx.Client(base_url=server.url, timeout=60, trust_env=False) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            in_flight = pool.submit(client.get, "/held-db")
            wait_for(lambda: client.get("/started").json() is True, server, "a request in flight")
            client.get("/where")  # a second pooled connection, returned: idle
            before = sessions_on(running_cluster, cluster_login)
            move_to(tmp_path, cluster_login, postgres_url)

            reload(server)
            wait_for(lambda: "still use" in server.stderr, server, "pool.timeout to pass")
            wait_for(
                lambda: sessions_on(running_cluster, cluster_login) == 1,
                server,
                "the idle connection to close",
            )
            client.get("/release")
            finished = in_flight.result()
            left = asyncio.run(
                eventually_zero(lambda: running_cluster.sessions_of(cluster_login.username))
            )

    assert before == 2
    assert finished.status_code == 200 and finished.json()["port"] == cluster_login.port
    assert left == 0


# --- uvicorn --workers: the supervisor's own SIGHUP -----------------------------------------

WORKERS = ("--workers", "2", "--timeout-worker-healthcheck", "60")


def restarted(server: Server) -> bool:
    """Whether the supervisor has finished replacing its workers after SIGHUP: two old ones
    gone (not only signalled: one still draining might answer), or a replacement refused."""
    stderr = server.stderr.partition("Received SIGHUP, restarting processes.")[2]
    return stderr.count("Finished server process") >= 2 or "aborting the restart" in stderr


def features_seen(server: Server, count: int = 12) -> set[bool]:
    """``orders_v2`` as each of ``count`` new connections sees it (spread over the workers)."""
    seen = set()
    for _ in range(count):
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            response = client.get("/features", headers={"Connection": "close"})
            assert response.status_code == 200, response.text
            seen.add(response.json()["orders_v2"])
    return seen


def test_workers_sighup_replaces_each_worker_with_one_that_loads_the_new_settings(
    tmp_path: Path,
) -> None:
    write_settings(tmp_path, orders_v2=False)
    with serve(tmp_path, *WORKERS) as server:
        server.wait_serving()
        wait_for(lambda: len(audit_lines(server, "startup")) == 2, server, "two workers")
        before = features_seen(server)
        write_settings(tmp_path, orders_v2=True)

        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: restarted(server), server, "the rolling restart")

        after = features_seen(server)
        startups = audit_lines(server, "startup")
        reloads = audit_lines(server)

    assert (before, after) == ({False}, {True})
    assert len(startups) == 4  # two workers, then their two replacements, each loading
    assert reloads == []  # the supervisor restarts workers; none reloads in process
    [old] = {re.findall(r"fingerprint \S+ -> ([0-9a-f]+)", line)[0] for line in startups[:2]}
    for line in startups[2:]:  # each against the settings of the worker it replaced
        assert re.search(
            rf"fingerprint {old} -> (?!{old})[0-9a-f]+ since process [0-9]+; 1 changed: "
            r"features.orders_v2 false -> true \(settings.toml \[default\]\)$",
            line,
        ), startups


def test_workers_sighup_with_invalid_settings_keeps_the_old_workers(tmp_path: Path) -> None:
    write_settings(tmp_path, orders_v2=False)
    with serve(tmp_path, *WORKERS) as server:
        server.wait_serving()
        wait_for(lambda: len(audit_lines(server, "startup")) == 2, server, "two workers")
        with (tmp_path / "settings.toml").open("a") as toml:
            toml.write("\n[testing\n")

        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: restarted(server), server, "the refused restart")

        seen = features_seen(server)
        alive = server.process.poll() is None
        output = server.stderr

    assert alive
    assert seen == {False}
    assert "settings.toml: invalid TOML" in output  # the replacement's report
    assert "keeping worker" in output and "aborting the restart" in output


def worker_pids(server: Server) -> list[int]:
    """The supervisor's worker processes (multiprocessing's spawned children)."""
    children = subprocess.run(
        ["pgrep", "-P", str(server.process.pid), "-f", "spawn_main"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    return sorted(map(int, children))


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie waiting to be reaped by
    whoever adopted it has)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_server_left_running_goes_with_its_workers(tmp_path: Path) -> None:
    """The tests' own hygiene: a supervisor killed at the end of its block (SIGKILL, which it
    cannot pass on) must not leave its workers serving for the rest of the run."""
    write_settings(tmp_path, orders_v2=False)
    with serve(tmp_path, *WORKERS) as server:
        server.wait_serving()
        wait_for(lambda: len(audit_lines(server, "startup")) == 2, server, "two workers")
        workers = worker_pids(server)

    deadline = time.monotonic() + 10
    while any(map(running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) == 2
    assert [pid for pid in workers if running(pid)] == []


def test_workers_sighup_to_each_worker_reloads_in_place_and_no_request_fails(
    tmp_path: Path,
) -> None:
    write_settings(tmp_path, orders_v2=False)
    with serve(tmp_path, *WORKERS) as server:
        server.wait_serving()
        wait_for(lambda: len(audit_lines(server, "startup")) == 2, server, "two workers")
        workers = worker_pids(server)
        statuses: list[int] = []
        errors: list[str] = []
        done = threading.Event()

        def client() -> None:  # keep-alive connections, as a load balancer keeps them
            with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as http:
                while not done.is_set():
                    try:
                        statuses.append(http.get("/features").status_code)
                    except httpx.TransportError as exc:
                        errors.append(repr(exc))

        with ThreadPoolExecutor(4) as pool:
            clients = [pool.submit(client) for _ in range(4)]
            wait_for(lambda: len(statuses) > 50, server, "the first requests")
            write_settings(tmp_path, orders_v2=True)

            for pid in workers:  # pkill -HUP --parent <supervisor>
                os.kill(pid, signal.SIGHUP)
            wait_for(lambda: len(audit_lines(server)) == 2, server, "both workers' reloads")
            sent = len(statuses)
            wait_for(lambda: len(statuses) > sent + 50, server, "requests after the reloads")
            done.set()
            for future in clients:
                future.result()
        after = features_seen(server)
        workers_after = worker_pids(server)
        reloads = audit_lines(server)

    assert len(workers) == 2 and workers_after == workers  # no worker was restarted
    assert errors == []
    assert statuses and set(statuses) == {200}
    assert after == {True}
    assert all("features.orders_v2 false -> true" in line for line in reloads), reloads
