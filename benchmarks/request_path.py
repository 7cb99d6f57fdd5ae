"""Request path: one handler, four ways of getting the settings and FastAPI's floor for a
dependency, the app's full middleware.

Three measurements, each interleaved round by round:

- **under uvicorn** (the target): four servers (one worker each, ``--no-access-log``, loopback)
  run side by side; the load generator (:mod:`benchmarks.loadgen`, keep-alive connections)
  drives them one at a time, in rotated order. Requests per second.
- **server CPU per request**: the same runs, the server's user + system CPU time divided by
  the requests it completed. Much less sensitive than req/s to other work on the machine.
- **in-process ASGI**: the same apps called directly, no server and no sockets: what the
  application itself spends per request.

A second section serves the generated 50-field application model (:mod:`benchmarks.big_model`):
the constant handler and ours only.

Ratios are "constant / variant" for times, "variant / constant" for rates: in both, 0.90 means
the variant serves 90 % of what the constant handler serves.
"""

from __future__ import annotations

import urllib.request
from contextlib import AsyncExitStack
from pathlib import Path

from benchmarks import asgi, big_model
from benchmarks.app_start import ENVIRON
from benchmarks.common import BENCH_HOST as HOST
from benchmarks.common import app_model_dir, child_environ, settings_dir
from benchmarks.measure import Section, Target, interleave
from benchmarks.servers import CONNECTIONS, CPU, Server, load_variants, start, stop

TITLE = "request path"
TITLE_APP_MODEL = "request path, 50-field app model"
CONSTANT = "handler returns a module constant"
OURS = "ours: SettingsDep"
FLOOR = "async Depends returning a module constant (FastAPI's floor)"
VARIANTS = {
    CONSTANT: "constant",
    OURS: "settings_dep",
    FLOOR: "constant_dep",
    "request.app.state": "app_state",
    "sync def get_settings() under Depends": "sync_depends",
}
ASGI = "in-process ASGI: "


def run(
    rounds: int,
    seconds: float,
    warmup: int = 1,
    asgi_requests: int = 2000,
    served: int = len(VARIANTS),
) -> list[Section]:
    """The reference application's model, then the generated 50-field one (constant and ours).

    ``served``: how many variants (in :data:`VARIANTS` order) to measure under uvicorn.
    """
    with settings_dir() as root:
        base = _run(TITLE, root, list(VARIANTS), rounds, seconds, warmup, asgi_requests, served)
    with app_model_dir() as root:
        app_model = _run(
            TITLE_APP_MODEL,
            root,
            [CONSTANT, OURS],
            rounds,
            seconds,
            warmup,
            asgi_requests,
            min(served, 2),
        )
    app_model.notes.append(f"model: {big_model.size()}; the handlers are the same (database.host)")
    return [base, app_model]


def _run(
    title: str,
    root: Path,
    variants: list[str],
    rounds: int,
    seconds: float,
    warmup: int,
    asgi_requests: int,
    served: int,
) -> Section:
    section = Section(title)
    environ = {**ENVIRON, "APP_DATABASE__HOST": HOST, "BENCH_SETTINGS_ROOT": str(root)}
    names = variants[:served]
    _under_uvicorn(section, names, rounds, seconds, warmup, child_environ(environ))
    _in_process(section, variants, rounds, warmup, asgi_requests, environ)
    for name in names:
        if name == CONSTANT:
            continue
        op, limit = (">=", 0.95) if name == OURS else (None, 0.0)  # issue 19's figure
        section.targets.append(Target(f"{name} / constant, req/s", name, CONSTANT, op, limit))
    if FLOOR in names:
        section.targets.append(Target(f"{OURS} / {FLOOR}, req/s", OURS, FLOOR, None))
    for prefix in (CPU, ASGI):
        for name in variants:
            if name != CONSTANT and prefix + name in section.series:
                label = f"{name}, {prefix.split(':')[0]} (constant / variant)"
                section.targets.append(Target(label, prefix + CONSTANT, prefix + name, None))
    section.notes.append(f"load: {CONNECTIONS} keep-alive connections, {seconds:g} s per sample")
    return section


def _under_uvicorn(
    section: Section,
    names: list[str],
    rounds: int,
    seconds: float,
    warmup: int,
    environ: dict[str, str],
) -> None:
    servers: dict[str, Server] = {}
    try:
        for name in names:
            target = f"benchmarks.request_apps:{VARIANTS[name]}"
            servers[name] = start(target, _root(environ), environ, "--factory")
        interleave(load_variants(section, servers, "/bench", seconds, _check_body), rounds, warmup)
    finally:
        for server in servers.values():
            stop(server)


def _root(environ: dict[str, str]) -> Path:
    return Path(environ["BENCH_SETTINGS_ROOT"])


def _check_body(port: int) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/bench", timeout=10) as response:
        body = response.read()
    if body != f'{{"host":"{HOST}"}}'.encode():
        raise RuntimeError(f"unexpected /bench body: {body[:200]!r}")


def _in_process(
    section: Section,
    names: list[str],
    rounds: int,
    warmup: int,
    requests: int,
    environ: dict[str, str],
) -> None:
    from benchmarks import request_apps
    from settings import load_settings

    settings = load_settings(root=_root(environ), environ=environ)
    model = type(settings)
    section.notes.append(
        f"settings model (found through pyproject.toml): {model.__module__}:{model.__name__}"
    )
    apps = {name: getattr(request_apps, VARIANTS[name])(settings) for name in names}
    loop = asgi.new_loop()
    stack = AsyncExitStack()
    try:
        for app in apps.values():
            loop.run_until_complete(stack.enter_async_context(asgi.running(app)))
        variants = [
            (section.add(ASGI + name, "µs"), asgi.sampler(loop, app, "/bench", requests))
            for name, app in apps.items()
        ]
        interleave(variants, rounds, warmup)
    finally:
        loop.run_until_complete(stack.aclose())
        loop.close()
