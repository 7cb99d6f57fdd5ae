"""``/health/live`` and ``/health/ready`` on SQLite and against a database that refuses."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from app.config import AppSettings
from app.db import PoolStatus
from app.health import readiness
from app.main import create_app
from settings import Settings, load_settings
from settings.contrib.health import HEALTH_JSON, HealthCheck
from tests.support.app_client import running
from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[2]


async def test_development_is_ready_on_its_sqlite_file_with_no_server(tmp_path: Path) -> None:
    shutil.copy(REPO / "settings.toml", tmp_path / "settings.toml")
    settings = load_settings("development", root=tmp_path, environ={}, model=AppSettings)

    async with running(create_app(settings)) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 200
    assert response.headers["content-type"] == HEALTH_JSON
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["status"] == "pass"
    [database] = body["checks"]["database:responseTime"]
    assert database["status"] == "pass"
    assert database["observedUnit"] == "ms"
    assert database["observedValue"] >= 0
    assert datetime.fromisoformat(database["time"]).tzinfo is not None
    [connections] = body["checks"]["database:connections"]
    assert connections["observedValue"] == {
        "size": settings.database.pool.size,
        "checked_out": 0,
        "overflow": 0,
    }
    assert Path(settings.database.database).is_file()  # noqa: ASYNC240


async def test_sqlite_file_directory_is_created(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(APP_DATABASE__DATABASE="deeply/nested/dir/app.sqlite3")

    async with running(create_app(settings)) as client:
        response = await client.get("/health/ready")

    assert response.status_code == 200
    assert Path(settings.database.database).is_file()  # noqa: ASYNC240


async def test_live_answers_while_ready_fails_on_a_refused_connection(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(DATABASE_URL=f"postgresql://nobody@127.0.0.1:{free_port()}/app")

    async with running(create_app(settings)) as client:
        live = await client.get("/health/live")
        ready = await client.get("/health/ready")

    assert (live.status_code, live.json()) == (200, {"status": "pass"})
    assert live.headers["content-type"] == HEALTH_JSON
    assert ready.status_code == 503
    assert ready.json()["status"] == "fail"
    [database] = ready.json()["checks"]["database:responseTime"]
    assert database["status"] == "fail"
    assert database["output"] == "connection failed (ConnectionRefusedError)"


def test_overflow_connections_in_use_warn_but_stay_ready() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    body = readiness(HealthCheck(True, 1.5), PoolStatus(size=2, checked_out=3, overflow=1), now)

    assert body["status"] == "warn"
    assert body["checks"]["database:connections"][0]["status"] == "warn"
    assert body["checks"]["database:responseTime"][0]["time"] == "2024-05-01T12:00:00.000Z"


def test_a_failed_check_fails_the_whole_body() -> None:
    now = datetime.now(UTC)

    body = readiness(HealthCheck(False, 3000.0, "no answer within 3 s"), PoolStatus(2, 0, 0), now)

    assert body["status"] == "fail"
    assert body["checks"]["database:responseTime"][0]["output"] == "no answer within 3 s"
