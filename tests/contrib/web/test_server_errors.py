"""An unhandled exception: a 500 JSON body with the request id, details only in debug."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException

from app.main import create_app
from settings import Settings
from settings.pytest_plugin import SettingsFixture
from tests.support.app_client import running

PASSWORD = "p@ss:w/rd?#%-canary"


def failing_app(settings: Settings | None) -> FastAPI:
    app = create_app(settings)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError(f"could not reach postgresql://app:{PASSWORD}@db/app")

    return app


async def test_500_body_has_the_request_id_and_no_details_without_debug(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(APP_DEBUG="false", DB_PASSWORD=PASSWORD)

    async with running(failing_app(settings)) as client:
        response = await client.get("/boom", headers={"X-Request-ID": "req-7"})

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.headers["X-Request-ID"] == "req-7"
    assert response.json() == {"detail": "Internal Server Error", "request_id": "req-7"}
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "RuntimeError" in record.getMessage() and "req-7" in record.getMessage()
    assert "Traceback" in record.getMessage()
    assert PASSWORD not in caplog.text


async def test_debug_adds_the_error_and_traceback_with_secrets_masked(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(APP_DEBUG="true", DB_PASSWORD=PASSWORD)

    async with running(failing_app(settings)) as client:
        response = await client.get("/boom")

    body = response.json()
    assert response.status_code == 500
    assert body["request_id"] == response.headers["X-Request-ID"]
    assert body["error"] == "RuntimeError: could not reach postgresql://app:**********@db/app"
    assert body["traceback"][0] == "Traceback (most recent call last):"
    assert any("raise RuntimeError" in line for line in body["traceback"])
    assert PASSWORD not in response.text


async def test_http_errors_keep_their_status_and_detail(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())

    @app.get("/teapot")
    async def teapot() -> None:
        raise HTTPException(418, "short and stout")

    async with running(app) as client:
        response = await client.get("/teapot")

    assert (response.status_code, response.json()) == (418, {"detail": "short and stout"})
    assert response.headers["X-Request-ID"]


async def test_the_settings_fixture_turns_debug_on_for_a_running_app(
    process_settings: Path, settings: SettingsFixture
) -> None:
    async with running(failing_app(None)) as client:
        quiet = await client.get("/boom")
        settings.debug = True
        loud = await client.get("/boom")

    assert "traceback" not in quiet.json()
    assert loud.json()["error"].startswith("RuntimeError: could not reach")
