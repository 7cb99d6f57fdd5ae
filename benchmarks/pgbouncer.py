"""Throughput behind PgBouncer with the app's own pool, against a direct pool with the same
number of server connections (issue 17, item 2).

A throwaway PostgreSQL cluster and PgBouncer in transaction mode with ``default_pool_size = 2``
(the test helpers' :mod:`tests.support.postgres` and :mod:`tests.support.pgbouncer`, reused, so
this needs ``initdb`` and Debian's ``pgbouncer``). Two uvicorn servers (one worker each,
``--no-access-log``) serve ``GET /work`` of :mod:`tests.support.work_app` (one transaction of
two parameterised statements, through ``SessionDep``):

- direct: the cluster itself, pool 2 + 0, so at most 2 server connections;
- ours: PgBouncer, ``database.pgbouncer = true``, pool 5 + 5 (the defaults), PgBouncer lending
  its 2 server connections per transaction.

The load generator drives them one at a time in rotated order, round by round, as the other
load benchmarks do. Target: ours >= 0.85x direct, in requests/s. Run it with
``python -m benchmarks.pgbouncer [--quick] [--markdown FILE]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from benchmarks.common import child_environ
from benchmarks.measure import Section, Target, interleave, render, verdicts
from benchmarks.servers import CONNECTIONS, CPU, Server, load_variants, start, stop

TITLE = "PgBouncer"
DIRECT = "direct pool, 2 server connections"
OURS = "ours: PgBouncer (transaction, 2 server connections), app pool 5+5"
ROLE, PASSWORD = "bench", "bench-pw-4e1d"


def run(rounds: int, seconds: float, warmup: int = 1) -> Section:
    from tests.support.pgbouncer import pgbouncer
    from tests.support.postgres import options_cluster
    from tests.support.work_app import postgres_toml, project

    section = Section(TITLE)
    with (
        options_cluster() as cluster,
        pgbouncer(cluster, {ROLE: PASSWORD}) as bouncer,
        tempfile.TemporaryDirectory(prefix="bench-pgbouncer-") as name,
    ):
        asyncio.run(cluster.create_role(ROLE, PASSWORD))
        base = {"ENV_FOR_DYNACONF": "testing", "DB_USERNAME": ROLE, "DB_PASSWORD": PASSWORD}
        variants = {
            DIRECT: (
                "size = 2\nmax_overflow = 0",
                {"DATABASE_URL": f"postgresql://{cluster.host}:{cluster.port}/{ROLE}"},
            ),
            OURS: (
                "size = 5\nmax_overflow = 5",
                {
                    "DATABASE_URL": f"postgresql://{bouncer.host}:{bouncer.port}/{ROLE}",
                    "APP_DATABASE__PGBOUNCER": "true",
                },
            ),
        }
        servers: dict[str, Server] = {}
        try:
            for index, (variant, (pool, extra)) in enumerate(variants.items()):
                root = project(Path(name) / str(index), postgres_toml(pool=pool))
                environ = child_environ({**base, **extra})
                target = "tests.support.work_app:create_work_app"
                servers[variant] = start(target, root, environ, "--factory")
            interleave(load_variants(section, servers, "/work", seconds), rounds, warmup)
        finally:
            for server in servers.values():
                stop(server)
    section.targets.append(Target(f"{OURS} / direct, req/s", OURS, DIRECT, ">=", 0.85))
    if CPU + OURS in section.series:
        section.targets.append(
            Target("server CPU/request (direct / ours)", CPU + DIRECT, CPU + OURS, None)
        )
    section.notes.append(f"load: {CONNECTIONS} keep-alive connections, {seconds:g} s per sample")
    return section


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pgbouncer", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    rounds, seconds = (6, 1.0) if args.quick else (16, 2.0)
    section = run(rounds, seconds)
    table = render([section])
    results = verdicts([section])
    summary = f"{sum(results)} of {len(results)} targets pass"
    print(f"{table}\n\n{summary}")
    if args.markdown:
        command = "python -m benchmarks.pgbouncer" + (" --quick" if args.quick else "")
        args.markdown.write_text(f"Command: `{command}`\n\n{table}\n\n{summary}\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
