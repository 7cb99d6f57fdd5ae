"""settings/contrib/metrics/: ``/metrics`` for any app on the framework, and prometheus-client
imported only by this battery (it is an optional extra)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.middleware import Middleware

from settings import BaseSettings, Section, Settings, load_settings
from settings.contrib.metrics import MetricsMiddleware, metrics_router, record_settings
from settings.fastapi import settings_lifespan, settings_middleware
from settings.testing import app_client
from tests.support.cli import PRODUCTION, Run

REPOSITORY = Path(__file__).resolve().parents[2]


def test_the_core_and_the_integration_never_import_prometheus_client() -> None:
    script = (
        "import json, sys\n"
        "import settings, settings.fastapi, settings.contrib.health\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('prometheus_client'))))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(completed.stdout) == []


def metrics_app(settings: BaseSettings) -> FastAPI:
    app = FastAPI(
        lifespan=settings_lifespan(settings),
        middleware=settings_middleware(Middleware(MetricsMiddleware)),
    )
    app.include_router(metrics_router())

    @app.get("/items/{item}")
    async def item(item: int) -> int:
        return item

    return app


async def test_an_app_on_the_framework_serves_its_request_durations_and_settings(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings()
    app = metrics_app(settings)
    async with app_client(app) as client:
        record_settings(app.state.settings)
        assert (await client.get("/items/7")).status_code == 200
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'http_route="/items/{item}"' in response.text  # the template, not the path
    assert f'fingerprint="{settings.fingerprint}"' in response.text


async def test_the_pool_s_name_on_metrics_masks_a_copy_of_the_password(
    make_settings: Callable[..., Settings],
) -> None:
    """The pool is named by its ``application_name``, which a careless URL may make a copy of
    the password: ``/metrics`` masks it as ``show`` does."""
    settings = make_settings(
        DATABASE_URL="postgresql://app:Zq7PoolSecret@db.example/app"
        "?application_name=api-Zq7PoolSecret"
    )
    app = metrics_app(settings)
    async with app_client(app) as client:
        record_settings(app.state.settings)
        response = await client.get("/metrics")

    assert 'db_client_connection_pool_name="api-**********"' in response.text
    assert "Zq7PoolSecret" not in response.text


async def test_metrics_enabled_off_turns_the_route_off(
    make_settings: Callable[..., Settings],
) -> None:
    async with app_client(metrics_app(make_settings(APP_METRICS__ENABLED="false"))) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404


class CoreSettings(BaseSettings):
    """A model without the metrics battery's section."""

    greeting: str = "hi"


async def test_a_model_without_the_metrics_section_gets_its_defaults(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n", encoding="utf-8")
    settings = load_settings(model=CoreSettings, root=tmp_path, environ={})
    async with app_client(metrics_app(settings)) as client:
        assert (await client.get("/items/3")).status_code == 200
        response = await client.get("/metrics")

    assert response.status_code == 200  # metrics.enabled defaults to on
    assert 'http_route="/items/{item}"' in response.text


class OwnMetrics(Section):
    enabled: bool = True
    namespace: str = "shop"


class OwnMetricsSettings(BaseSettings):
    """A model with a ``metrics`` section of its own, not the battery's class."""

    metrics: OwnMetrics = OwnMetrics()


async def test_a_metrics_section_of_the_model_s_own_is_followed(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        "[default.metrics]\nenabled = false\n[development]\n", encoding="utf-8"
    )
    settings = load_settings(model=OwnMetricsSettings, root=tmp_path, environ={})
    async with app_client(metrics_app(settings)) as client:
        response = await client.get("/metrics")

    assert response.status_code == 404


def test_check_deploy_refuses_the_multiprocess_directory_the_start_refuses(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``check --deploy`` before the start, as the deployment docs say, catches what the start
    would refuse: prometheus-client reads the process's environment, and so does the rule."""
    missing = tmp_path / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(missing))

    refused = cli("check", "--deploy", environ=PRODUCTION)
    off = cli("check", "--deploy", environ={**PRODUCTION, "APP_METRICS__ENABLED": "false"})
    missing.mkdir()
    created = cli("check", "--deploy", environ=PRODUCTION)

    assert refused.code == 1
    assert (
        f"metrics.E001 metrics.enabled: PROMETHEUS_MULTIPROC_DIR={missing}: does not exist"
        in refused.err
    ), refused.err
    assert f"mkdir -p {missing}" in refused.err
    assert (off.code, created.code) == (0, 0), off.err + created.err


def test_a_reload_in_multiprocess_mode_warns_of_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new fingerprint retires the old ``app_settings_info`` series. prometheus-client warns
    (a ``UserWarning`` on every reload's stderr) that it cannot remove a series from the shared
    files; the series is set to 0 first, which is what the files keep, so there is nothing to
    warn of. ``filterwarnings = error`` fails this test on such a warning."""
    from settings.contrib.metrics._instruments import instruments

    (tmp_path / "settings.toml").write_text(
        '[default]\nsecret_key = "metrics-tests-only"\n[development]\n', encoding="utf-8"
    )
    first = load_settings(root=tmp_path, environ={})
    second = load_settings(root=tmp_path, environ={"APP_SERVER__REPLICAS": "2"})
    shared = tmp_path / "prometheus"
    shared.mkdir()
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared))

    record_settings(first)
    record_settings(second)

    [info] = instruments().settings_info.collect()
    series = {(s.labels["fingerprint"], s.value) for s in info.samples}
    assert series == {(second.fingerprint, 1)}
