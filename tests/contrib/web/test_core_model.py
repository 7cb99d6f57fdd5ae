"""``settings_middleware()`` follows the model (SPEC 13): the host check where it has
``allowed_hosts``, CORS where it has the battery's ``CorsConfig`` as ``cors``, the error text
in a 500 where it has ``debug`` on. A bare ``BaseSettings`` has none of them and still gets the
request id, the pinned settings and the secret-safe 500."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from pydantic import Field, SecretStr

from settings import BaseSettings, CorsConfig, load_settings
from settings.fastapi import request_settings, settings_lifespan, settings_middleware
from tests.support.app_client import running

API_KEY = "core-model-api-key-canary-4711"


class CoreSettings(BaseSettings):
    greeting: str = "hello"
    api_key: SecretStr


class WebSettings(CoreSettings):
    """The web battery's fields, composed into a model of the application's own."""

    debug: bool = False
    allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost"])
    cors: CorsConfig = CorsConfig()


def core_app(tmp_path: Path, model: type[CoreSettings], toml: str = "") -> FastAPI:
    (tmp_path / "settings.toml").write_text(
        f'[default]\ngreeting = "hi"\napi_key = "{API_KEY}"\n{toml}\n[development]\n',
        encoding="utf-8",
    )
    settings = load_settings(model=model, root=tmp_path, environ={})
    app = FastAPI(lifespan=settings_lifespan(settings), middleware=settings_middleware())

    @app.get("/greeting")
    async def greeting(settings: Annotated[CoreSettings, Depends(request_settings)]) -> str:
        return settings.greeting

    @app.get("/boom")
    async def boom(settings: Annotated[CoreSettings, Depends(request_settings)]) -> None:
        raise RuntimeError(f"rejected key {settings.api_key.get_secret_value()}")

    return app


async def test_a_bare_model_serves_any_host_with_a_request_id_and_no_cors(tmp_path: Path) -> None:
    async with running(core_app(tmp_path, CoreSettings), host="anything.example") as client:
        plain = await client.get("/greeting", headers={"X-Request-ID": "req-1"})
        cross = await client.get("/greeting", headers={"Origin": "https://evil.example"})

    assert (plain.status_code, plain.json()) == (200, "hi")
    assert plain.headers["X-Request-ID"] == "req-1"
    assert "vary" not in plain.headers  # no CORS policy, so nothing varies by Origin
    assert cross.status_code == 200
    assert "access-control-allow-origin" not in cross.headers
    assert len(cross.headers["X-Request-ID"]) == 32


async def test_a_bare_model_s_500_has_no_details_and_its_log_no_secret(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(core_app(tmp_path, CoreSettings)) as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal Server Error",
        "request_id": response.headers["X-Request-ID"],
    }
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "RuntimeError: rejected key **********" in record.getMessage()
    assert API_KEY not in caplog.text


async def test_a_model_with_the_web_fields_gets_the_host_check_and_cors(tmp_path: Path) -> None:
    toml = 'allowed_hosts = ["api.example.com"]\ncors.origins = ["https://app.example.com"]'
    app = core_app(tmp_path, WebSettings, toml)
    async with running(app, host="api.example.com") as client:
        allowed = await client.get("/greeting", headers={"Origin": "https://app.example.com"})
        evil = await client.get("/greeting", headers={"Host": "evil.example"})
        other = await client.get("/greeting", headers={"Origin": "https://evil.example"})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
    assert (evil.status_code, evil.text) == (400, "Invalid host header")
    assert other.status_code == 200
    assert "access-control-allow-origin" not in other.headers


async def test_a_model_with_debug_on_shows_the_error_masked(tmp_path: Path) -> None:
    app = core_app(tmp_path, WebSettings, "debug = true")
    async with running(app) as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json()["error"] == "RuntimeError: rejected key **********"
    assert API_KEY not in response.text
