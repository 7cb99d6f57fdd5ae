"""Settings in the app: loaded once at startup, handed to handlers, overridable, logged by name."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.config import AppSettings
from app.deps import SettingsDep
from app.main import create_app
from settings import ImproperlyConfigured, Settings, load_settings, override_settings
from tests.support.app_client import running
from tests.support.environ import REPO

CANARY = "canary-Zq8x-never-print-me"


def with_settings_route(settings: Settings | None = None) -> Any:
    app = create_app(settings)

    @app.get("/settings")
    async def show(settings: SettingsDep) -> dict[str, Any]:
        return {
            "environment": settings.environment,
            "log_level": settings.log_level,
            "loaded_at_startup": settings is app.state.settings,
        }

    return app


async def test_handlers_get_the_frozen_object_loaded_at_startup(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()

    async with running(with_settings_route(settings)) as client:
        first = (await client.get("/settings")).json()
        second = (await client.get("/settings")).json()

    assert (
        first
        == second
        == {
            "environment": "testing",
            "log_level": "info",
            "loaded_at_startup": True,
        }
    )


async def test_create_app_without_settings_loads_them_at_startup(process_settings: Path) -> None:
    app = with_settings_route()
    assert not hasattr(app.state, "settings")  # nothing loaded before the lifespan

    async with running(app) as client:
        body = (await client.get("/settings")).json()

    assert body["environment"] == "development"
    assert (process_settings / "data").is_dir()  # the SQLite file's, made at startup


async def test_override_settings_is_what_handlers_see_inside_the_block(
    process_settings: Path,
) -> None:
    async with running(with_settings_route()) as client:
        with override_settings(log_level="error"):
            inside = (await client.get("/settings")).json()
        after = (await client.get("/settings")).json()

    assert (inside["log_level"], inside["loaded_at_startup"]) == ("error", False)
    assert (after["log_level"], after["loaded_at_startup"]) == ("info", True)


async def test_startup_logs_names_of_sources_never_values(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = make_settings(DB_PASSWORD=CANARY, SECRET_KEY=CANARY * 2, APP_LOG_LEVEL="info")

    async with running(create_app(settings)):
        pass

    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Settings")]
    assert "environment testing" in line
    assert "files settings.toml" in line
    assert "variables APP_LOG_LEVEL, DB_PASSWORD, SECRET_KEY" in line
    assert CANARY not in caplog.text


async def test_unknown_app_variables_are_logged_as_warnings(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(APP_DATABSE__HOST="db.internal")

    async with running(create_app(settings)):
        pass

    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    [warning] = [w for w in warnings if "settings.W002" in w]  # once, not once per layer
    assert "APP_DATABSE__HOST" in warning


async def test_production_settings_failing_deployment_rules_stop_the_startup(
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings.model_validate(
        {
            "environment": "production",
            "debug": True,
            "secret_key": CANARY,
            "allowed_hosts": ["api.example.com"],
            "database": {"password": CANARY, "host": "db.example.com"},
        }
    )

    with pytest.raises(ImproperlyConfigured) as raised:
        async with running(create_app(settings)):
            pytest.fail("the app served")

    report = str(raised.value)
    assert "security.E001" in report
    assert CANARY not in report + capsys.readouterr().err


def test_importing_the_app_reads_no_file_variable_or_database(tmp_path: Path) -> None:
    environ = {
        "ENV_FOR_DYNACONF": "no-such-environment",
        "DATABASE_URL": "mysql://x:y@z/w",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }

    result = subprocess.run(
        [sys.executable, "-c", "import app.main; print(type(app.main.app).__name__)"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert (result.returncode, result.stdout.strip()) == (0, "FastAPI"), result.stderr
    assert list(tmp_path.iterdir()) == []


DOCUMENTATION = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


@pytest.mark.parametrize("served", [True, False])
async def test_the_api_documentation_follows_api_docs(
    make_settings: Callable[..., Settings], served: bool
) -> None:
    """Served in development and testing, 404 where ``api_docs`` is off (issue 16, item 26)."""
    settings = AppSettings.model_validate({**make_settings().model_dump(), "api_docs": served})

    async with running(create_app(settings)) as client:
        statuses = {path: (await client.get(path)).status_code for path in DOCUMENTATION}
        schema = (await client.get("/openapi.json")).json() if served else {}

    assert statuses == dict.fromkeys(DOCUMENTATION, 200 if served else 404)
    if served:
        assert "/features" in schema["paths"]
        assert not any(path in schema["paths"] for path in DOCUMENTATION)


def test_production_turns_the_api_documentation_off() -> None:
    """The repository's settings.toml: off in [production], on elsewhere."""
    environ = {
        "SECRET_KEY": "Zq8wN3vR5tY7uI9oP1aS2dF4gH6jK8lX0cVbM",
        "DB_PASSWORD": "pw",
        "APP_ALLOWED_HOSTS": "api.example.com",
    }
    production = load_settings("production", root=REPO, environ=environ, model=AppSettings)
    development = load_settings("development", root=REPO, environ={}, model=AppSettings)

    assert (production.api_docs, development.api_docs) == (False, True)
