"""``settings_middleware()`` on a model without the web battery: a ``BaseSettings`` that is not
a ``settings.Settings`` has no ``allowed_hosts`` and no ``cors``, so there is no host check and
no CORS to apply; the request id, the pinned settings and the secret-safe 500 still are."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from pydantic import SecretStr

from settings import BaseSettings, load_settings
from settings.fastapi import request_settings, settings_lifespan, settings_middleware
from tests.support.app_client import running

API_KEY = "core-model-api-key-canary-4711"


class CoreSettings(BaseSettings):
    greeting: str = "hello"
    api_key: SecretStr


def core_app(tmp_path: Path) -> FastAPI:
    (tmp_path / "settings.toml").write_text(
        f'[default]\ngreeting = "hi"\napi_key = "{API_KEY}"\n\n[development]\n', encoding="utf-8"
    )
    settings = load_settings(model=CoreSettings, root=tmp_path, environ={})
    app = FastAPI(lifespan=settings_lifespan(settings), middleware=settings_middleware())

    @app.get("/greeting")
    async def greeting(settings: Annotated[CoreSettings, Depends(request_settings)]) -> str:
        return settings.greeting

    @app.get("/boom")
    async def boom(settings: Annotated[CoreSettings, Depends(request_settings)]) -> None:
        raise RuntimeError(f"rejected key {settings.api_key.get_secret_value()}")

    return app


async def test_any_host_is_served_with_a_request_id_and_no_cors(tmp_path: Path) -> None:
    async with running(core_app(tmp_path), host="anything.example") as client:
        plain = await client.get("/greeting", headers={"X-Request-ID": "req-1"})
        cross = await client.get("/greeting", headers={"Origin": "https://evil.example"})

    assert (plain.status_code, plain.json()) == (200, "hi")
    assert plain.headers["X-Request-ID"] == "req-1"
    assert "vary" not in plain.headers  # no CORS policy, so nothing varies by Origin
    assert cross.status_code == 200
    assert "access-control-allow-origin" not in cross.headers
    assert len(cross.headers["X-Request-ID"]) == 32


async def test_an_unhandled_error_is_the_500_without_details_or_secrets(tmp_path: Path) -> None:
    async with running(core_app(tmp_path)) as client:
        response = await client.get("/boom")

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal Server Error",
        "request_id": response.headers["X-Request-ID"],
    }
    assert API_KEY not in response.text
