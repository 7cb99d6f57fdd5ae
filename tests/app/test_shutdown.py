"""Shutdown is bounded when the database hangs.

Issue 11, item 2: the pool is full of idle connections, then every process of the server is
stopped (SIGSTOP): nothing it is sent is ever answered. SIGTERM must still end the app within
about ``connect_timeout`` (each connection is closed gracefully where it can be, terminated where
it cannot), with one line saying so and no traceback. Before, each pooled connection waited its
own ``command_timeout``.

Issue 17, item 8: requests in flight, waiting on that frozen server, get
``server.shutdown_timeout`` after SIGTERM, then are answered 503, and the process exits. Before,
each waited its statement's ``command_timeout`` (29 s measured), past Kubernetes' grace period.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from pathlib import Path

from tests.support import uvicorn as servers
from tests.support.load import Outcome, hammer
from tests.support.postgres import options_cluster
from tests.support.work_app import WORK_APP, postgres_toml, project

CONNECT_TIMEOUT = 2.0
#: Generous next to connect_timeout + 1 s (the machine is shared), and far below the
#: 3 x command_timeout (90 s) an unbounded shutdown takes.
EXIT_WITHIN = CONNECT_TIMEOUT + 8


def test_sigterm_ends_the_app_even_when_the_server_hangs(tmp_path: Path) -> None:
    toml = postgres_toml(pool="size = 3\nmax_overflow = 0").replace(
        "connect_timeout = 2.0", f"connect_timeout = {CONNECT_TIMEOUT}\ncommand_timeout = 30.0"
    )
    directory = project(tmp_path, toml)
    with options_cluster() as cluster:
        asyncio.run(cluster.create_role("hung", "hung-pw"))
        environ = {
            "ENV_FOR_DYNACONF": "testing",
            "DATABASE_URL": f"postgresql://hung@{cluster.host}:{cluster.port}/hung",
            "DB_PASSWORD": "hung-pw",
        }
        with servers.uvicorn(directory, environ, app=WORK_APP, options=("--factory",)) as server:
            server.wait_serving()
            outcomes = asyncio.run(hammer(server.url, "/work", clients=6, requests=30))
            cluster.signal_all(signal.SIGSTOP)
            try:
                status = server.stop(signal.SIGTERM, timeout=EXIT_WITHIN)
            finally:
                cluster.signal_all(signal.SIGCONT)

    assert {outcome.status for outcome in outcomes} == {200}
    assert status == -signal.SIGTERM, server.output  # uvicorn ends by re-raising SIGTERM
    lines = [line for line in server.output.splitlines() if "Shutdown:" in line]
    assert lines == [
        "WARNING:  Shutdown: 0 of 3 database connections closed; the server did not "
        f"answer within {CONNECT_TIMEOUT:g} s, so the other 3 were terminated"
    ], server.output
    assert "Traceback" not in server.output
    assert "Application shutdown complete" in server.output


SHUTDOWN_TIMEOUT = 2.0


def test_requests_waiting_on_a_frozen_server_end_within_the_shutdown_timeout(
    tmp_path: Path,
) -> None:
    toml = postgres_toml(pool="size = 3\nmax_overflow = 0").replace(
        "connect_timeout = 2.0", f"connect_timeout = {CONNECT_TIMEOUT}\ncommand_timeout = 30.0"
    )
    directory = project(tmp_path, toml)
    with options_cluster() as cluster:
        asyncio.run(cluster.create_role("hung", "hung-pw"))
        environ = {
            "ENV_FOR_DYNACONF": "testing",
            "DATABASE_URL": f"postgresql://hung@{cluster.host}:{cluster.port}/hung",
            "DB_PASSWORD": "hung-pw",
            "APP_SERVER__SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
        }
        with servers.uvicorn(directory, environ, app=WORK_APP, options=("--factory",)) as server:
            server.wait_serving()
            warm = asyncio.run(hammer(server.url, "/work", clients=3, requests=12))
            cluster.signal_all(signal.SIGSTOP)
            in_flight: list[Outcome] = []
            load = threading.Thread(
                target=lambda: asyncio.run(
                    hammer(server.url, "/work", clients=3, requests=3, outcomes=in_flight)
                )
            )
            try:
                load.start()
                time.sleep(1.0)  # the three requests now wait on the frozen server
                assert in_flight == [], in_flight
                signalled = time.monotonic()
                status = server.stop(signal.SIGTERM, timeout=60)
                exited = time.monotonic() - signalled
                load.join(timeout=60)
            finally:
                cluster.signal_all(signal.SIGCONT)

    assert {outcome.status for outcome in warm} == {200}
    assert [(outcome.status, outcome.body) for outcome in in_flight] == [
        (503, {"detail": "The server is shutting down. Try again."})
    ] * 3, in_flight
    answered = max(outcome.ended for outcome in in_flight) - signalled
    # cancelled at the deadline; their connections to the frozen server are given up within
    # connect_timeout, then the 503 goes out
    assert SHUTDOWN_TIMEOUT - 0.2 <= answered <= SHUTDOWN_TIMEOUT + CONNECT_TIMEOUT + 2, answered
    assert exited <= SHUTDOWN_TIMEOUT + CONNECT_TIMEOUT + 5, (exited, server.output)
    assert status == -signal.SIGTERM, server.output
    assert (
        "Shutdown: 3 requests still in flight after 2 s (server.shutdown_timeout): "
        "cancelled, answered 503"
    ) in server.output
    assert "Traceback" not in server.output, server.output
