"""``GET /metrics``: the pool under OpenTelemetry's database-client names, request durations by
route template and status, the settings' fingerprint; 404 when ``metrics.enabled`` is off."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.config import AppSettings
from settings import Settings
from tests.support.app_client import running
from tests.support.prometheus import sample
from tests.support.reloading import reload, startup_fingerprint, write_settings
from tests.support.uvicorn import uvicorn
from tests.support.work_app import create_work_app

RELOAD_APP = "tests.support.reload_app:create_reload_app"
#: The pool of these tests' apps (an earlier test's app may have named its pool otherwise).
POOL = {"db_client_connection_pool_name": "fastapi-layered-settings"}

NAMES = (
    "db_client_connection_count",
    "db_client_connection_max",
    "db_client_connection_pending_requests",
    "db_client_connection_timeouts_total",
    "db_client_connection_wait_time_seconds_bucket",
    "db_client_connection_wait_time_seconds_count",
    "http_server_request_duration_seconds_bucket",
    "http_server_request_duration_seconds_count",
    "app_settings_info",
)


@pytest.fixture
def postgres_settings(
    make_settings: Callable[..., Settings], postgres_url: str
) -> Callable[..., Settings]:
    def make(**environ: str) -> Settings:
        return make_settings(DATABASE_URL=postgres_url, **environ)

    return make


async def test_every_listed_name_with_the_figures_of_this_process(
    postgres_settings: Callable[..., Settings],
) -> None:
    # The app completes the given settings as its own model: that is the object it serves.
    settings = AppSettings.model_validate(postgres_settings().model_dump())
    async with running(create_work_app(settings)) as client:
        before = (await client.get("/metrics")).text
        assert (await client.get("/work")).status_code == 200
        assert (await client.get("/work")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    for name in NAMES:
        assert name in text, name

    def grew(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - sample_or_zero(before, name, **labels)

    assert (
        grew(
            "http_server_request_duration_seconds_count",
            http_request_method="GET",
            http_route="/work",
            http_response_status_code="200",
        )
        == 2
    )
    assert (
        grew(
            "http_server_request_duration_seconds_count",
            http_request_method="GET",
            http_route="",
            http_response_status_code="404",
        )
        == 1
    )
    assert grew("db_client_connection_wait_time_seconds_count", **POOL) == 2
    assert sample(text, "db_client_connection_max") >= (
        settings.database.pool.size + settings.database.pool.max_overflow
    )
    assert (
        sample(text, "db_client_connection_count", db_client_connection_state="idle", **POOL) >= 1
    )
    assert (
        sample(text, "db_client_connection_count", db_client_connection_state="used", **POOL) == 0
    )
    assert "_created" not in text  # OpenTelemetry has no such series
    assert (
        sample(
            text,
            "app_settings_info",
            environment="testing",
            fingerprint=settings.fingerprint,
        )
        == 1
    )


async def test_a_pool_timeout_is_counted(postgres_settings: Callable[..., Settings]) -> None:
    settings = postgres_settings(
        APP_DATABASE__POOL__SIZE="1",
        APP_DATABASE__POOL__MAX_OVERFLOW="0",
        APP_DATABASE__POOL__TIMEOUT="0.2",
    )
    app = create_work_app(settings)
    async with running(app) as client:
        before = sample(
            (await client.get("/metrics")).text, "db_client_connection_timeouts_total", **POOL
        )
        held = await app.state.database.connect()  # the pool's only connection
        try:
            refused = await client.get("/work")
            during = (await client.get("/metrics")).text
        finally:
            await held.close()

    assert refused.status_code == 503
    assert sample(during, "db_client_connection_timeouts_total", **POOL) == before + 1
    assert sample(during, "db_client_connection_count", db_client_connection_state="used") >= 1


async def test_the_scrape_reads_the_pool_as_it_is(
    postgres_settings: Callable[..., Settings],
) -> None:
    settings = postgres_settings(
        APP_DATABASE__POOL__SIZE="1",
        APP_DATABASE__POOL__MAX_OVERFLOW="0",
        APP_DATABASE__POOL__TIMEOUT="5",
    )
    app = create_work_app(settings)

    def state(text: str, name: str) -> float:
        return sample(text, "db_client_connection_count", db_client_connection_state=name, **POOL)

    async with running(app) as client:
        assert (await client.get("/work")).status_code == 200
        idle = (await client.get("/metrics")).text
        held = await app.state.database.connect()  # the pool's only connection
        waiting = asyncio.ensure_future(client.get("/work"))
        deadline = asyncio.get_running_loop().time() + 3
        busy = (await client.get("/metrics")).text
        while sample(busy, "db_client_connection_pending_requests", **POOL) == 0:
            assert asyncio.get_running_loop().time() < deadline, "no request ever waited"
            await asyncio.sleep(0.05)
            busy = (await client.get("/metrics")).text
        await held.close()
        assert (await waiting).status_code == 200
        after = (await client.get("/metrics")).text

    assert (state(idle, "used"), state(idle, "idle")) == (0, 1)
    assert (state(busy, "used"), state(busy, "idle")) == (1, 0)
    assert sample(busy, "db_client_connection_pending_requests", **POOL) == 1
    assert (state(after, "used"), state(after, "idle")) == (0, 1)
    assert sample(after, "db_client_connection_pending_requests", **POOL) == 0


async def test_metrics_off_is_404(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    settings = make_settings(APP_METRICS__ENABLED="false")
    async with running(create_work_app(settings)) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404


def sample_or_zero(text: str, name: str, **labels: str) -> float:
    """A sample's value, 0 when the series does not exist yet (a counter not yet counted)."""
    try:
        return sample(text, name, **labels)
    except AssertionError:
        return 0.0


def recorded(name: str) -> float:
    """The sum of this process's samples called ``name``, whatever their labels."""
    from settings.contrib.metrics._instruments import instruments

    return sum(
        sample.value
        for metric in instruments().registry.collect()
        for sample in metric.samples
        if sample.name == name
    )


async def test_metrics_off_records_nothing(postgres_settings: Callable[..., Settings]) -> None:
    settings = postgres_settings(APP_METRICS__ENABLED="false")
    waits, requests = (
        recorded("db_client_connection_wait_time_seconds_count"),
        recorded("http_server_request_duration_seconds_count"),
    )
    async with running(create_work_app(settings)) as client:
        assert (await client.get("/work")).status_code == 200
        assert (await client.get("/work")).status_code == 200

    assert recorded("db_client_connection_wait_time_seconds_count") == waits
    assert recorded("http_server_request_duration_seconds_count") == requests


async def test_a_failed_connection_attempt_is_counted_by_reason(
    make_settings: Callable[..., Settings], postgres_url: str
) -> None:
    missing = make_url(postgres_url).set(database="no_such_database_here")
    settings = make_settings(DATABASE_URL=missing.render_as_string(hide_password=False))
    async with running(create_work_app(settings)) as client:
        text = (await client.get("/metrics")).text
        before = sample_or_zero(
            text, "db_client_connection_failures_total", error_type="invalid_catalog_name"
        )
        assert (await client.get("/work")).status_code == 503
        text = (await client.get("/metrics")).text

    failures = sample(
        text,
        "db_client_connection_failures_total",
        error_type="invalid_catalog_name",
        db_client_connection_pool_name="fastapi-layered-settings",
    )
    assert failures == before + 1


@pytest.mark.parametrize("multiprocess", [False, True], ids=["one process", "multiprocess"])
def test_after_a_reload_one_fingerprint_is_reported(tmp_path: Path, multiprocess: bool) -> None:

    directory = tmp_path / "app"
    directory.mkdir()
    environ = {}
    if multiprocess:
        (tmp_path / "prometheus").mkdir()
        environ["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    write_settings(directory, size=2)
    with uvicorn(directory, environ, app=RELOAD_APP, options=("--factory",)) as server:
        server.wait_serving()
        old = startup_fingerprint(server)
        write_settings(directory, size=3)
        reload(server)
        with httpx.Client(base_url=server.url, timeout=10, trust_env=False) as client:
            text = client.get("/metrics").text

    series = [line for line in text.splitlines() if line.startswith("app_settings_info{")]
    assert len(series) == 1, text
    assert old not in series[0]
    assert series[0].endswith(" 1.0")


@pytest.mark.parametrize("kind", ["missing", "a file"])
def test_a_bad_multiprocess_directory_is_a_clear_error(tmp_path: Path, kind: str) -> None:

    directory = tmp_path / "app"
    directory.mkdir()
    write_settings(directory)
    bad = tmp_path / "prometheus"
    if kind == "a file":
        bad.write_text("")
    environ = {"PROMETHEUS_MULTIPROC_DIR": str(bad)}
    with uvicorn(directory, environ, app=RELOAD_APP, options=("--factory",)) as server:
        status = server.wait_exit()
        output, stderr = server.output, server.stderr
    with uvicorn(
        directory,
        {**environ, "APP_METRICS__ENABLED": "false"},
        app=RELOAD_APP,
        options=("--factory",),
        label="quiet",
    ) as quiet:
        quiet.wait_serving()
        served = httpx.get(f"{quiet.url}/health/live", timeout=10).status_code

    assert status == 3, output
    what = "is a file" if kind == "a file" else "does not exist"
    assert f"PROMETHEUS_MULTIPROC_DIR={bad}: {what}" in stderr
    assert "Traceback" not in output
    assert served == 200  # metrics off: the directory is not needed
