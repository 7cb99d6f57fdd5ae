"""settings/api.py and the package: load_settings, get_settings, the public names."""

from __future__ import annotations

import inspect
import os

import pytest

import settings as package
from settings import ImproperlyConfigured, get_settings, load_settings
from tests.support.environ import REPO

#: The public interface, exactly (httpx pins its exported members the same way): a name added
#: to or dropped from ``settings.__all__`` must be a decision, made here too.
PUBLIC = [
    "BaseSettings",
    "CorsConfig",
    "DatabaseConfig",
    "EnvVar",
    "ImproperlyConfigured",
    "MetricsConfig",
    "PoolConfig",
    "Problem",
    "Section",
    "ServerConfig",
    "Settings",
    "SettingsConfigDict",
    "get_settings",
    "lazy",
    "load_settings",
    "override_settings",
    "redact",
    "settings",
]
FASTAPI_PUBLIC = [
    "REQUEST_ID_HEADER",
    "ErrorMiddleware",
    "SettingsDep",
    "SettingsMiddleware",
    "StartupGuard",
    "app_settings",
    "pin",
    "request_settings",
    "settings_lifespan",
    "settings_middleware",
    "start_settings",
]


def test_the_public_names_are_exactly_these() -> None:
    import settings.fastapi
    import settings.testing

    assert package.__all__ == PUBLIC
    assert all(getattr(package, name) is not None for name in package.__all__)
    assert settings.fastapi.__all__ == FASTAPI_PUBLIC
    assert settings.testing.__all__ == ["SettingsFixture", "app_client"]


@pytest.mark.parametrize(
    ("module", "names"),
    [
        ("settings.contrib", ["Settings"]),
        (
            "settings.contrib.database",
            [
                "APPLICATION_NAME",
                "Budget",
                "DatabaseConfig",
                "PoolConfig",
                "ServerAnswer",
                "ask_server",
                "budget_applies",
                "connect_args",
                "driver_url",
                "read_secret_file",
                "server_problems",
            ],
        ),
        ("settings.contrib.web", ["CorsConfig"]),
        ("settings.contrib.server", ["ServerConfig"]),
        (
            "settings.contrib.health",
            [
                "HEALTH_JSON",
                "HealthCheck",
                "Report",
                "health_body",
                "health_router",
                "readiness_check",
                "run_readiness_checks",
            ],
        ),
        (
            "settings.contrib.metrics",
            [
                "MetricsConfig",
                "MetricsMiddleware",
                "forget_process",
                "metrics_router",
                "pool_wait",
                "record_pool",
                "record_settings",
            ],
        ),
    ],
)
def test_the_batteries_export_exactly_these(module: str, names: list[str]) -> None:
    import importlib

    assert importlib.import_module(module).__all__ == names


def test_the_reference_application_imports_only_public_names() -> None:
    import ast

    public = {
        "settings",
        "settings.fastapi",
        "settings.testing",
        "settings.checks",
        "settings.contrib.database",
        "settings.contrib.health",
        "settings.contrib.metrics",
    }
    app = REPO / "app"
    found = set()
    for path in app.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("settings"):
                found.add(node.module)
    assert found <= public, found - public


def test_load_settings_signature() -> None:
    parameters = inspect.signature(load_settings).parameters

    assert list(parameters) == ["env", "root", "environ", "model"]
    assert parameters["env"].default is None
    assert parameters["root"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["environ"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["model"].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("as_text", [True, False], ids=["str", "path"])
def test_root_may_be_text_or_a_path(project, as_text) -> None:
    root = str(project.root) if as_text else project.root

    assert load_settings(root=root, environ={}).environment == "development"


@pytest.mark.usefixtures("process_environment")
def test_by_default_the_working_directory_and_os_environ_are_read(project, monkeypatch) -> None:
    monkeypatch.chdir(project.root)
    monkeypatch.setenv("DB_HOST", "from-os-environ")

    assert load_settings().database.host == "from-os-environ"


def test_load_settings_changes_nothing(project) -> None:
    environ = {"ENV_FOR_DYNACONF": "development", "DATABASE_URL": "sqlite:///app.db"}
    before_environ, before_os = dict(environ), dict(os.environ)
    before_files = sorted(project.root.iterdir())

    project.load(environ)

    assert environ == before_environ
    assert dict(os.environ) == before_os
    assert sorted(project.root.iterdir()) == before_files  # no SQLite file created


@pytest.mark.usefixtures("process_environment")
def test_get_settings_loads_once_until_cache_clear(project, monkeypatch) -> None:
    monkeypatch.chdir(project.root)

    first = get_settings()
    project.write("settings.local.toml", "[default.database]\nport = 6543\n")

    assert get_settings() is first
    get_settings.cache_clear()
    assert get_settings().database.port == 6543
    assert get_settings() is get_settings()


@pytest.mark.usefixtures("process_environment")
def test_get_settings_does_not_remember_a_failure(project, monkeypatch) -> None:
    monkeypatch.chdir(project.root)
    project.write("settings.local.toml", "[default]\ndebgu = true\n")

    with pytest.raises(ImproperlyConfigured):
        get_settings()
    (project.root / "settings.local.toml").unlink()

    assert get_settings().debug is True
