"""Request path: requests per second of one handler, by the way it reads the settings.

Four uvicorn servers (one worker each, ``--no-access-log``, loopback) run side by side, each
serving :mod:`benchmarks.request_apps` with one variant; the load generator
(:mod:`benchmarks.loadgen`, keep-alive connections) drives them one at a time, in rotated order.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

from benchmarks.app_start import ENVIRON
from benchmarks.common import BENCH_HOST as HOST
from benchmarks.common import child_environ, settings_dir
from benchmarks.loadgen import requests_per_second
from benchmarks.measure import Section, Target, interleave
from benchmarks.servers import start, stop, wait_until_live

TITLE = "request path"
CONSTANT = "handler returns a module constant"
OURS = "ours: SettingsDep"
VARIANTS = {
    CONSTANT: "constant",
    OURS: "settings_dep",
    "request.app.state": "app_state",
    "sync def get_settings() under Depends": "sync_depends",
}
CONNECTIONS = 16


def run(rounds: int, seconds: float, warmup: int = 1) -> Section:
    section = Section(TITLE)
    with settings_dir() as root:
        environ = child_environ({**ENVIRON, "APP_DATABASE__HOST": HOST,
                                 "BENCH_SETTINGS_ROOT": str(root)})
        servers = {
            name: start(f"benchmarks.request_apps:{factory}", root, environ, "--factory")
            for name, factory in VARIANTS.items()
        }
        try:
            variants = []
            for name, server in servers.items():
                wait_until_live(server)
                _check_body(server.port)
                series = section.add(name, "req/s", higher_is_better=True)
                variants.append((series, _sampler(server.port, seconds)))
            interleave(variants, rounds, warmup)
        finally:
            for server in servers.values():
                stop(server)
    for name in VARIANTS:
        if name == OURS:
            section.targets.append(Target(f"{name} / constant", name, CONSTANT, ">=", 0.90))
        elif name != CONSTANT:
            section.targets.append(Target(f"{name} / constant", name, CONSTANT, None))
    section.notes.append(f"load: {CONNECTIONS} keep-alive connections, {seconds:g} s per sample")
    return section


def _check_body(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench", timeout=10) as response:
        body = response.read()
    if body != f'{{"host":"{HOST}"}}'.encode():
        raise RuntimeError(f"unexpected /bench body: {body[:200]!r}")


def _sampler(port: int, seconds: float) -> Callable[[], float]:
    def sample() -> float:
        return requests_per_second(port, "/bench", connections=CONNECTIONS, seconds=seconds)

    return sample
