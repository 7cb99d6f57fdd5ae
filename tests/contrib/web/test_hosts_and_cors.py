"""``allowed_hosts`` and ``cors`` from the settings, applied to every request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from app.main import create_app
from settings import Settings, override_settings
from tests.support.app_client import running

LISTED = "https://app.example.com"
PREFLIGHT = {"Access-Control-Request-Method": "GET"}


async def test_a_host_outside_allowed_hosts_gets_400(
    make_settings: Callable[..., Settings],
) -> None:
    async with running(create_app(make_settings())) as client:
        allowed = await client.get("/health/live", headers={"Host": "testserver"})
        refused = await client.get("/health/live", headers={"Host": "evil.example"})
        with_port = await client.get("/health/live", headers={"Host": "evil.example:80"})

    assert allowed.status_code == 200
    assert (refused.status_code, refused.text) == (400, "Invalid host header")
    assert with_port.status_code == 400


async def test_wildcard_subdomains(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(APP_ALLOWED_HOSTS="localhost,*.example.com")

    async with running(create_app(settings)) as client:
        sub = await client.get("/health/live", headers={"Host": "api.example.com"})
        other = await client.get("/health/live", headers={"Host": "example.org"})

    assert (sub.status_code, other.status_code) == (200, 400)


async def test_preflight_from_an_unlisted_origin_gets_no_allow_origin(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(CORS_ORIGINS=LISTED)

    async with running(create_app(settings)) as client:
        response = await client.options(
            "/health/live", headers={"Origin": "https://evil.example", **PREFLIGHT}
        )

    assert "access-control-allow-origin" not in response.headers


async def test_preflight_and_requests_from_a_listed_origin_are_allowed(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(CORS_ORIGINS=f"{LISTED}, http://localhost:3000")

    async with running(create_app(settings)) as client:
        preflight = await client.options("/health/live", headers={"Origin": LISTED, **PREFLIGHT})
        simple = await client.get("/health/live", headers={"Origin": LISTED})

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == LISTED
    assert simple.headers["access-control-allow-origin"] == LISTED
    assert "X-Request-ID" in simple.headers["access-control-expose-headers"]


async def test_no_origin_is_allowed_when_none_is_listed(
    make_settings: Callable[..., Settings],
) -> None:
    async with running(create_app(make_settings())) as client:
        response = await client.get("/health/live", headers={"Origin": LISTED})

    assert "access-control-allow-origin" not in response.headers


async def test_an_override_changes_the_rules_for_its_block(process_settings: Path) -> None:
    async with running(create_app()) as client:
        with override_settings(allowed_hosts=["api.example.com"], cors={"origins": [LISTED]}):
            host = await client.get("/health/live", headers={"Host": "api.example.com"})
            cors = await client.get(
                "/health/live", headers={"Host": "api.example.com", "Origin": LISTED}
            )
        after = await client.get("/health/live", headers={"Host": "api.example.com"})

    assert host.status_code == 200
    assert cors.headers["access-control-allow-origin"] == LISTED
    assert after.status_code == 400


async def test_the_testing_environment_accepts_the_test_client_s_host(
    make_settings: Callable[..., Settings],
) -> None:
    """Starlette's TestClient sends ``Host: testserver``; the testing environment accepts it
    whatever allowed_hosts lists, as Django's test runner does, and no other environment does."""
    environ = {"APP_ALLOWED_HOSTS": "api.example.com"}
    statuses = {}
    for env in ("testing", "development"):
        async with running(create_app(make_settings(env, **environ))) as client:
            response = await client.get("/health/live", headers={"Host": "testserver"})
            statuses[env] = response.status_code

    assert statuses == {"testing": 200, "development": 400}
