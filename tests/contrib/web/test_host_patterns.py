"""Host and origin patterns that load must work on real requests (issue 11.10).

An IPv6 address in ``allowed_hosts`` matches the bracketed ``Host: [::1]:8000`` a client sends;
``[::1],localhost`` is a comma-separated list, not broken JSON; ``https://*.example.com`` in
``cors.origins`` allows its subdomains; a pattern that could never match is refused at load.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.main import create_app
from settings import ImproperlyConfigured, Settings
from tests.support.app_client import running

PREFLIGHT = {"Access-Control-Request-Method": "GET"}


async def statuses(settings: Settings, *hosts: str) -> list[int]:
    async with running(create_app(settings)) as client:
        return [
            (await client.get("/health/live", headers={"Host": host})).status_code for host in hosts
        ]


@pytest.mark.parametrize("listed", ["::1", "[::1]", "0:0:0:0:0:0:0:1"])
async def test_an_ipv6_address_in_allowed_hosts_matches_its_bracketed_host_header(
    make_settings: Callable[..., Settings], listed: str
) -> None:
    settings = make_settings(APP_ALLOWED_HOSTS=f'["{listed}", "localhost"]')

    assert await statuses(settings, "[::1]:8000", "[::1]", "[::2]:8000", "localhost") == [
        200,
        200,
        400,
        200,
    ]


async def test_a_bracketed_address_first_in_a_list_is_not_read_as_json(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(APP_ALLOWED_HOSTS="[::1],localhost")

    assert settings.allowed_hosts == ["::1", "localhost"]
    assert await statuses(settings, "[::1]:8000", "localhost:8000", "evil.example") == [
        200,
        200,
        400,
    ]


async def test_host_names_match_whatever_their_case(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(APP_ALLOWED_HOSTS="API.Example.com,*.Apps.Example.com")

    assert await statuses(settings, "api.example.com", "x.apps.example.COM:443") == [200, 200]


async def preflight(settings: Settings, *origins: str) -> list[str | None]:
    async with running(create_app(settings)) as client:
        responses = [
            await client.options("/health/live", headers={"Origin": origin, **PREFLIGHT})
            for origin in origins
        ]
    return [response.headers.get("access-control-allow-origin") for response in responses]


async def test_a_wildcard_origin_allows_its_subdomains_only(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(CORS_ORIGINS="https://*.example.com, http://localhost:3000")

    allowed = await preflight(
        settings,
        "https://a.example.com",
        "https://a.b.example.com",
        "http://localhost:3000",
        "https://example.com",
        "http://a.example.com",
        "https://a.example.com.evil.org",
        "https://a-example.com",
        "https://a.example.com:8443",
    )

    assert allowed == [
        "https://a.example.com",
        "https://a.b.example.com",
        "http://localhost:3000",
        None,
        None,
        None,
        None,
        None,
    ]


async def test_a_wildcard_origin_with_a_port(make_settings: Callable[..., Settings]) -> None:
    settings = make_settings(CORS_ORIGINS="https://*.example.com:8443")

    allowed = await preflight(settings, "https://a.example.com:8443", "https://a.example.com")

    assert allowed == ["https://a.example.com:8443", None]


async def test_an_origin_matches_whatever_its_case_in_the_settings(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings(CORS_ORIGINS="https://App.Example.com")

    assert await preflight(settings, "https://app.example.com") == ["https://app.example.com"]


@pytest.mark.parametrize(
    "origin", ["https://a*.example.com", "https://*example.com", "https://*", "*://a.example.com"]
)
def test_a_wildcard_that_could_never_match_is_refused_at_load(
    make_settings: Callable[..., Settings], origin: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        make_settings(CORS_ORIGINS=origin)

    [problem] = caught.value.problems
    assert problem.key == "cors.origins"
    assert "https://*.example.com" in problem.message


async def test_a_wildcard_is_not_fooled_by_a_host_header_that_is_no_hostname(
    make_settings: Callable[..., Settings],
) -> None:
    """``*.example.com`` matches subdomains only; a Host header with ``#``, ``/``, ``@`` or a
    blank is malformed and gets 400 (issue 16, item 24)."""
    settings = make_settings(APP_ALLOWED_HOSTS='["*.example.com"]')

    assert await statuses(
        settings,
        "api.example.com",
        "evil.com#.example.com",
        "evil.com/.example.com",
        "evil.com@a.example.com",
        "evil.com .example.com",
    ) == [200, 400, 400, 400, 400]
