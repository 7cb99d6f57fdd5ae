"""Requests lost to a reload under ``uvicorn --workers 2``, and how long SIGTERM takes with a
frozen database (issue 17, item 8).

Reload: the reload app (:mod:`tests.support.reload_app`, SQLite) under ``--workers 2``, eight
clients on keep-alive connections sending ``GET /features`` back to back; two seconds in, the
settings change and one of:

- ``supervisor``: SIGHUP to uvicorn's supervisor, which restarts the workers one at a time;
- ``workers``: SIGHUP to each worker (``pkill -HUP --parent``), which reloads in place;
- ``none``: nothing (the control).

Two seconds after the reload has ended the clients stop; a request that got no response (a
reset or closed connection) is lost. Shutdown: the work app (:mod:`tests.support.work_app`) on a
throwaway cluster, pool 3 + 0, ``command_timeout`` 30 s, ``connect_timeout`` 2 s; the cluster is
frozen (SIGSTOP), three requests wait on it, then SIGTERM: the seconds until they are answered
and until the process has exited, with ``server.shutdown_timeout`` at its default and at 3600 s
(no drain, as before it existed).

Needs ``initdb`` for the shutdown part. Run it with
``python -m benchmarks.reload_shutdown [--rounds N] [--skip-shutdown]``.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import httpx

from tests.support import uvicorn as servers
from tests.support.load import Outcome, hammer
from tests.support.postgres import options_cluster
from tests.support.work_app import WORK_APP, postgres_toml, project

RELOAD_APP = "tests.support.reload_app:create_reload_app"
CLIENTS = 8
SQLITE_TOML = """\
[default]
secret_key = "benchmark-key-0123456789-abcdefghijklmnopqrstuv"
allowed_hosts = ["127.0.0.1"]
log_level = "info"

[default.database]
driver = "sqlite+aiosqlite"
database = "app.sqlite3"

[default.features]
orders_v2 = {orders_v2}

[development]
"""


def _until(condition: object, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the reload did not end")
        time.sleep(0.05)


def reload_round(mode: str, directory: Path) -> tuple[int, int, float]:
    """Requests answered and lost, and the seconds the reload took, for one ``mode``."""
    (directory / "settings.toml").write_text(SQLITE_TOML.format(orders_v2="false"))
    options = ("--factory", "--workers", "2", "--timeout-worker-healthcheck", "60")
    with servers.uvicorn(directory, {}, app=RELOAD_APP, options=options) as server:
        server.wait_serving()
        _until(lambda: server.stderr.count("Audit: settings startup;") == 2)
        answered, lost = [0], [0]
        done = threading.Event()

        def client() -> None:
            with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as http:
                while not done.is_set():
                    try:
                        http.get("/features")
                        answered[0] += 1
                    except httpx.TransportError:
                        lost[0] += 1

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(2)
        (directory / "settings.toml").write_text(SQLITE_TOML.format(orders_v2="true"))
        began = time.monotonic()
        marker = "Received SIGHUP, restarting processes."
        if mode == "supervisor":
            server.process.send_signal(signal.SIGHUP)
            _until(lambda: server.stderr.partition(marker)[2].count("Finished server") >= 2)
        elif mode == "workers":
            parent = str(server.process.pid)
            subprocess.run(["pkill", "-HUP", "--parent", parent, "-f", "spawn_main"], check=True)
            _until(lambda: server.stderr.count("Audit: settings reload;") == 2)
        took = time.monotonic() - began
        time.sleep(2)
        done.set()
        for thread in threads:
            thread.join()
    return answered[0], lost[0], took


def shutdown_round(shutdown_timeout: float, directory: Path) -> tuple[float, float]:
    """Seconds from SIGTERM until the requests waiting on the frozen server were answered, and
    until the process exited."""
    toml = postgres_toml(pool="size = 3\nmax_overflow = 0").replace(
        "connect_timeout = 2.0", "connect_timeout = 2.0\ncommand_timeout = 30.0"
    )
    project(directory, toml)
    with options_cluster() as cluster:
        asyncio.run(cluster.create_role("hung", "hung-pw"))
        environ = {
            "ENV_FOR_DYNACONF": "testing",
            "DATABASE_URL": f"postgresql://hung@{cluster.host}:{cluster.port}/hung",
            "DB_PASSWORD": "hung-pw",
            "APP_SERVER__SHUTDOWN_TIMEOUT": str(shutdown_timeout),
        }
        with servers.uvicorn(directory, environ, app=WORK_APP, options=("--factory",)) as server:
            server.wait_serving()
            asyncio.run(hammer(server.url, "/work", clients=3, requests=12))
            cluster.signal_all(signal.SIGSTOP)
            outcomes: list[Outcome] = []
            load = threading.Thread(
                target=lambda: asyncio.run(
                    hammer(server.url, "/work", clients=3, requests=3, outcomes=outcomes)
                )
            )
            try:
                load.start()
                time.sleep(1.0)
                signalled = time.monotonic()
                server.stop(signal.SIGTERM, timeout=120)
                exited = time.monotonic() - signalled
                load.join()
            finally:
                cluster.signal_all(signal.SIGCONT)
    answered = max(outcome.ended for outcome in outcomes) - signalled
    return answered, exited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-shutdown", action="store_true")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reload-bench-") as root:
        print("| reload | round | answered | lost | reload took (s) |")
        print("|---|---|---|---|---|")
        for number in range(arguments.rounds):
            for mode in ("none", "supervisor", "workers"):
                directory = Path(root) / f"{mode}-{number}"
                directory.mkdir()
                answered, lost, took = reload_round(mode, directory)
                print(f"| {mode} | {number + 1} | {answered} | {lost} | {took:.1f} |")
        if arguments.skip_shutdown:
            return
        print("\n| server.shutdown_timeout | answered after SIGTERM (s) | exited after (s) |")
        print("|---|---|---|")
        for shutdown_timeout in (15.0, 3600.0):
            directory = Path(root) / f"shutdown-{shutdown_timeout:g}"
            answered, exited = shutdown_round(shutdown_timeout, directory)
            print(f"| {shutdown_timeout:g} | {answered:.1f} | {exited:.1f} |")


if __name__ == "__main__":
    main()
