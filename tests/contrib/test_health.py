"""settings/contrib/health/: any app on the framework gets ``/health/live`` and
``/health/ready``, and adds readiness checks of its own, with no file of the reference app.

The checks registered here are written for :class:`ProbeSettings`, so the registry (one per
process) never runs them for another app's model.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.requests import Request

from settings import Settings, load_settings
from settings.contrib.health import (
    HEALTH_JSON,
    HealthCheck,
    Report,
    health_body,
    health_router,
    readiness_check,
)
from settings.fastapi import settings_lifespan, settings_middleware
from settings.testing import app_client
from tests.conftest import BASE_SETTINGS_TOML


class ProbeSettings(Settings):
    """The model of this module's apps; ``cache_port`` 0 means no cache configured."""

    cache_port: int = 0
    hang: bool = False


class OtherSettings(Settings):
    pass


@readiness_check("probe-cache", timeout=0.5)
async def cache(settings: ProbeSettings, request: Request) -> bool | None:
    """A TCP connect to the cache's port: refused when nothing listens."""
    if not settings.cache_port:
        return None
    if settings.hang:
        await asyncio.Event().wait()  # a service that accepts and never answers
    _, writer = await asyncio.open_connection("127.0.0.1", settings.cache_port)
    writer.close()
    await writer.wait_closed()
    return True


@readiness_check("probe-queue", timeout=1.0)
async def queue(settings: ProbeSettings, request: Request) -> Report:
    """A check that measures itself and adds an entry of its own."""
    depth = {"componentType": "component", "status": "warn", "observedValue": 12}
    return Report(HealthCheck(True, 0.25), entries={"queue:depth": [depth]})


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """``make_settings(model=ProbeSettings, **environ)``: the test settings, loaded for real."""

    def make(model: type[Settings] = ProbeSettings, **environ: str) -> Settings:
        (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
        return load_settings("testing", root=tmp_path, environ=environ, model=model)

    return make


def probe_app(settings: Settings) -> FastAPI:
    app = FastAPI(
        lifespan=settings_lifespan(settings, model=ProbeSettings),
        middleware=settings_middleware(),
    )
    app.include_router(health_router())
    return app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_ready_reports_each_check_its_entries_and_the_fingerprint(
    make_settings: Callable[..., Settings],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        settings = make_settings(APP_CACHE_PORT=str(port))
        app = probe_app(settings)
        async with app_client(app) as client:
            live = await client.get("/health/live")
            ready = await client.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "pass"})
    assert ready.status_code == 200  # warn is still ready
    assert ready.headers["content-type"] == HEALTH_JSON
    assert ready.headers["cache-control"] == "no-store"
    body = ready.json()
    assert body["status"] == "warn"
    [cache_entry] = body["checks"]["probe-cache:responseTime"]
    assert (cache_entry["componentType"], cache_entry["status"]) == ("component", "pass")
    [queue_entry] = body["checks"]["probe-queue:responseTime"]
    assert queue_entry["observedValue"] == 0.25
    [depth] = body["checks"]["queue:depth"]
    assert depth == {
        "componentType": "component",
        "status": "warn",
        "observedValue": 12,
        "time": queue_entry["time"],
    }
    [fingerprint] = body["checks"]["settings:fingerprint"]
    assert fingerprint["observedValue"] == app.state.settings.fingerprint


async def test_a_refused_service_fails_ready_without_its_message(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(APP_CACHE_PORT=str(free_port()))
    async with app_client(probe_app(settings)) as client:
        ready = await client.get("/health/ready")

    assert ready.status_code == 503
    [entry] = ready.json()["checks"]["probe-cache:responseTime"]
    assert (entry["status"], entry["output"]) == (
        "fail",
        "connection failed (ConnectionRefusedError)",
    )


async def test_a_hung_service_is_bounded_by_its_check_s_timeout(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(APP_CACHE_PORT=str(free_port()), APP_HANG="true")
    async with app_client(probe_app(settings)) as client:
        started = time.monotonic()
        ready = await client.get("/health/ready")
        waited = time.monotonic() - started

    assert ready.status_code == 503
    assert (
        ready.json()["checks"]["probe-cache:responseTime"][0]["output"] == "no answer within 0.5 s"
    )
    assert waited < 1.0


async def test_a_check_that_does_not_apply_is_left_out(
    make_settings: Callable[..., Settings],
) -> None:
    async with app_client(probe_app(make_settings())) as client:  # no cache_port: None
        body = (await client.get("/health/ready")).json()

    assert "probe-cache:responseTime" not in body["checks"]
    assert "probe-queue:responseTime" in body["checks"]


async def test_checks_written_for_a_model_never_run_for_another(
    make_settings: Callable[..., Settings],
) -> None:
    app = FastAPI(lifespan=settings_lifespan(make_settings(OtherSettings)))
    app.include_router(health_router())
    async with app_client(app) as client:
        ready = await client.get("/health/ready")

    assert ready.status_code == 200
    assert not [key for key in ready.json()["checks"] if key.startswith(("probe-", "queue:"))]


def test_the_body_takes_the_worst_status_and_one_time() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    reports = {
        "a": Report(HealthCheck(True, 1.0)),
        "b": Report(HealthCheck(False, 2.0, "no answer within 2 s"), component_type="datastore"),
    }

    body = health_body(reports, now)

    assert body["status"] == "fail"
    assert body["checks"]["b:responseTime"] == [
        {
            "componentType": "datastore",
            "status": "fail",
            "observedValue": 2.0,
            "observedUnit": "ms",
            "time": "2024-05-01T12:00:00.000Z",
            "output": "no answer within 2 s",
        }
    ]
    assert health_body({}, now) == {"status": "pass", "checks": {}}
