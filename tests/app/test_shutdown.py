"""Issue 11, item 2: shutdown is bounded when the database hangs.

The pool is full of idle connections, then every process of the server is stopped (SIGSTOP):
nothing it is sent is ever answered. SIGTERM must still end the app within about
``connect_timeout`` (each connection is closed gracefully where it can be, terminated where it
cannot), with one line saying so and no traceback. Before, each pooled connection waited its own
``command_timeout``.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from tests.support import uvicorn as servers
from tests.support.load import hammer
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
