"""What ``/metrics`` costs the request path: the same app with ``metrics.enabled`` on and off.

Three uvicorn servers (one worker each, ``--no-access-log``, loopback) serve the request-path
app of ``SettingsDep`` (:func:`benchmarks.request_apps.settings_dep`), differing only in
``APP_METRICS__ENABLED`` and, for the third, ``PROMETHEUS_MULTIPROC_DIR`` (the file-backed values
``--workers N`` needs). The load generator drives them one at a time in rotated order, round by
round, as the request-path benchmark does. Target (issue 9): on >= 0.95x off, in requests/s.
"""

from __future__ import annotations

import tempfile

from benchmarks.app_start import ENVIRON
from benchmarks.common import BENCH_HOST as HOST
from benchmarks.common import child_environ, settings_dir
from benchmarks.measure import Section, Target, interleave
from benchmarks.servers import CONNECTIONS, CPU, Server, load_variants, start, stop

TITLE = "metrics"
OFF = "metrics.enabled = false"
ON = "ours: metrics.enabled = true"
MULTIPROCESS = "metrics on, PROMETHEUS_MULTIPROC_DIR set"


def run(rounds: int, seconds: float, warmup: int = 1) -> Section:
    section = Section(TITLE)
    with settings_dir() as root, tempfile.TemporaryDirectory(prefix="bench-prom-") as multiproc:
        base = {**ENVIRON, "APP_DATABASE__HOST": HOST, "BENCH_SETTINGS_ROOT": str(root)}
        variants = {
            OFF: {**base, "APP_METRICS__ENABLED": "false"},
            ON: {**base, "APP_METRICS__ENABLED": "true"},
            MULTIPROCESS: {
                **base,
                "APP_METRICS__ENABLED": "true",
                "PROMETHEUS_MULTIPROC_DIR": multiproc,
            },
        }
        servers: dict[str, Server] = {}
        try:
            for name, environ in variants.items():
                servers[name] = start(
                    "benchmarks.request_apps:settings_dep",
                    root,
                    child_environ(environ),
                    "--factory",
                )
            interleave(load_variants(section, servers, "/bench", seconds), rounds, warmup)
        finally:
            for server in servers.values():
                stop(server)
    section.targets.append(Target(f"{ON} / off, req/s", ON, OFF, ">=", 0.95))
    section.targets.append(Target(f"{MULTIPROCESS} / off, req/s", MULTIPROCESS, OFF, None))
    if CPU + ON in section.series:
        section.targets.append(
            Target("metrics on, server CPU/request (off / on)", CPU + OFF, CPU + ON, None)
        )
    section.notes.append(f"load: {CONNECTIONS} keep-alive connections, {seconds:g} s per sample")
    return section
