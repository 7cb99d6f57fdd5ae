"""``GET /metrics``: the pool under OpenTelemetry's database-client names, request durations by
route template and status, the settings' fingerprint; 404 when ``metrics.enabled`` is off."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.config import AppSettings
from settings import Settings
from tests.support.app_client import running
from tests.support.prometheus import sample
from tests.support.work_app import create_work_app

NAMES = (
    'db_client_connection_count{state="idle"}',
    'db_client_connection_count{state="used"}',
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
            "http_server_request_duration_seconds_count", method="GET", route="/work", status="200"
        )
        == 2
    )
    assert (
        grew("http_server_request_duration_seconds_count", method="GET", route="", status="404")
        == 1
    )
    assert grew("db_client_connection_wait_time_seconds_count") == 2
    assert sample(text, "db_client_connection_max") >= (
        settings.database.pool.size + settings.database.pool.max_overflow
    )
    assert sample(text, "db_client_connection_count", state="idle") >= 1
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
        before = sample((await client.get("/metrics")).text, "db_client_connection_timeouts_total")
        held = await app.state.database.connect()  # the pool's only connection
        try:
            refused = await client.get("/work")
            during = (await client.get("/metrics")).text
        finally:
            await held.close()

    assert refused.status_code == 503
    assert sample(during, "db_client_connection_timeouts_total") == before + 1
    assert sample(during, "db_client_connection_count", state="used") >= 1


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
