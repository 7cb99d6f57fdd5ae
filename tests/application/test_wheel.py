"""Library use (SPEC 1 and 9): the built wheel, in a fresh virtual environment, in projects that
are not this repository.

- The wheel installs the framework and nothing named ``app``.
- A project with its own ``app`` package (its own model, its own ``app/main.py`` on
  :mod:`settings.fastapi`) runs its pytest with the framework's ``settings`` fixture, and
  ``uvicorn app.main:app`` serves it.
- A project whose own ``settings.py`` shadows the framework still runs pytest: the plugin steps
  aside with a line in pytest's header, and the project's tests import their own module.

Slow (a wheel build and a virtual environment installed from the package index) but required:
it is the only test of the package as users get it. It skips, saying why, only when pip cannot
reach the index on a developer's machine; with ``CI`` set that is a failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.environ import clean_environ
from tests.support.uvicorn import uvicorn

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
#: What the wheel is built from: the framework's files, nothing of the reference application.
SOURCES = ("settings", "settings_pytest_plugin.py", "pyproject.toml", "README.md")
TIMEOUT = 600


def run(command: list[str], cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``command`` in ``cwd``, in a clean environment (no settings variable of this process)."""
    env = {**clean_environ(), **environ}
    for name in ("PYTHONPATH", "SETTINGS_MODEL", "VIRTUAL_ENV", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def index_unreachable(reason: str) -> None:
    """Skip on a developer's machine without the package index; fail in CI."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason}, and CI is set: this test may not skip", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment with the built wheel installed."""

    wheel: Path
    python: Path

    @property
    def bin(self) -> Path:
        return self.python.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("wheel")
    probe = run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--dest",
            str(work / "probe"),
            "iniconfig",
        ],
        work,
    )
    if probe.returncode != 0:
        index_unreachable(f"pip cannot reach the package index ({probe.stderr.strip()[-300:]})")
    source = work / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name)
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(work / "dist"), str(source)],
        work,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = (work / "dist").glob("*.whl")
    venv = work / "venv"
    created = run([sys.executable, "-m", "venv", str(venv)], work)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    # The test extra brings pytest, pytest-asyncio and httpx, as a project's test setup would.
    pip = run([str(python), "-m", "pip", "install", "--quiet", f"{wheel}[test]"], work)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    yield Installed(wheel, python)


def test_the_wheel_holds_the_framework_and_nothing_named_app(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert tops == {"settings", "settings_pytest_plugin.py"}
    where = run(
        [
            str(installed.python),
            "-c",
            "import importlib.util as u; print(u.find_spec('app'), u.find_spec('settings'))",
        ],
        installed.wheel.parent,
    )
    assert where.returncode == 0, where.stderr
    app_spec, settings_spec = where.stdout.split(" ", 1)
    assert app_spec == "None"
    assert "site-packages" in settings_spec


SHOP_SETTINGS_TOML = """\
[default]
secret_key = "a-shop-s-development-key-0123456789-abcdefghij"
allowed_hosts = ["localhost", "127.0.0.1", "testserver"]

[default.database]
driver = "sqlite+aiosqlite"
database = "shop.sqlite3"

[default.shop]
greeting = "welcome"

[development]

[testing]
debug = true

[testing.shop]
greeting = "hello from testing"
"""

SHOP_FILES = {
    "pyproject.toml": """\
        [project]
        name = "shop"
        version = "1"

        [tool.settings]
        model = "app.config:ShopSettings"

        [tool.pytest.ini_options]
        addopts = "-p no:cacheprovider"
        asyncio_mode = "auto"
        asyncio_default_fixture_loop_scope = "function"
        filterwarnings = ["error"]
        """,
    "app/__init__.py": '"""The shop: a project of its own, with its own package named app."""\n',
    "app/config.py": """\
        from typing import Annotated

        from pydantic import SecretStr

        from settings import EnvVar, Section, Settings


        class ShopConfig(Section):
            greeting: str = "hi"
            payment_token: Annotated[SecretStr, EnvVar("PAYMENT_TOKEN")] = SecretStr("")


        class ShopSettings(Settings):
            shop: ShopConfig = ShopConfig()
        """,
    "app/main.py": """\
        from typing import Annotated

        from fastapi import Depends, FastAPI

        from app.config import ShopSettings
        from settings.fastapi import StartupGuard, request_settings, settings_lifespan

        SettingsDep = Annotated[ShopSettings, Depends(request_settings)]


        def create_app() -> FastAPI:
            app = FastAPI(lifespan=settings_lifespan(model=ShopSettings))
            app.add_middleware(StartupGuard)

            @app.get("/greeting")
            async def greeting(settings: SettingsDep) -> dict[str, str]:
                return {"greeting": settings.shop.greeting, "environment": settings.environment,
                        "model": type(settings).__name__}

            return app


        app = create_app()
        """,
    "tests/test_shop.py": """\
        from pathlib import Path

        import pytest

        import app
        from app.config import ShopSettings
        from app.main import create_app
        from settings import ImproperlyConfigured, get_settings
        from settings.testing import app_client


        def test_its_own_app_package_is_imported():
            assert Path(app.__file__).parent == Path.cwd() / "app"


        def test_the_fixture_loads_the_project_s_model(settings):
            assert isinstance(get_settings(), ShopSettings)
            assert settings.environment == "testing"
            assert settings.shop.greeting == "hello from testing"


        def test_the_fixture_changes_and_refuses_a_typo(settings):
            settings.override(shop={"greeting": "changed"})
            assert get_settings().shop.greeting == "changed"
            with pytest.raises(ImproperlyConfigured, match="did you mean shop.greeting"):
                settings.override(shop={"greting": "x"})


        def test_each_test_starts_from_the_files(settings):
            assert get_settings().shop.greeting == "hello from testing"


        async def test_the_app_sees_the_fixture_s_change(settings):
            async with app_client(create_app()) as client:
                settings.shop = {"greeting": "from the fixture"}
                response = await client.get("/greeting")
            assert response.json() == {"greeting": "from the fixture",
                                       "environment": "testing", "model": "ShopSettings"}
        """,
}


def write_project(directory: Path, files: dict[str, str]) -> Path:
    for name, content in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return directory


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path, {**SHOP_FILES, "settings.toml": SHOP_SETTINGS_TOML})


def test_a_project_with_its_own_app_runs_its_tests_with_the_fixture(
    installed: Installed, shop: Path
) -> None:
    result = run([str(installed.python), "-m", "pytest", "-v"], shop)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
    assert "settings fixture: off" not in result.stdout


def test_a_project_with_its_own_app_is_served_by_uvicorn(installed: Installed, shop: Path) -> None:
    environ = {"PAYMENT_TOKEN": "a-payment-token-never-printed"}
    # The wheel's own interpreter, and not this repository on its path.
    with uvicorn(
        shop, environ, app="app.main:app", python=str(installed.python), repository=False
    ) as server:
        server.wait_serving()
        with httpx.Client(base_url=server.url, timeout=5, trust_env=False) as client:
            response = client.get("/greeting")
        server.stop(signal.SIGTERM)
    out, err = server.stdout, server.stderr
    assert response.status_code == 200, err
    assert response.json() == {
        "greeting": "welcome",
        "environment": "development",
        "model": "ShopSettings",
    }
    assert "a-payment-token-never-printed" not in out + err + response.text


SHADOWING_FILES = {
    "settings.py": '"""The project\'s own settings module, as in a Django project."""\n'
    'GREETING = "the project\'s own"\n',
    "pytest.ini": "[pytest]\naddopts = -p no:cacheprovider\nfilterwarnings = error\n"
    "asyncio_default_fixture_loop_scope = function\n",
    "test_own_settings.py": """\
        import settings


        def test_the_project_s_own_settings_module():
            assert settings.GREETING == "the project's own"
        """,
}


@pytest.mark.parametrize(
    ("runner", "where"),
    [("python -m pytest", "."), ("pytest", "."), ("pytest", "sub"), ("python -m pytest", "sub")],
)
def test_a_project_shadowing_settings_still_runs_pytest(
    installed: Installed, tmp_path: Path, runner: str, where: str
) -> None:
    """``python -m pytest`` puts the working directory first on ``sys.path``; the ``pytest``
    script does not, and from a subdirectory neither finds the project's module there. In
    every case the project's tests must get their own module, not the framework."""
    project = write_project(tmp_path, SHADOWING_FILES)
    (project / "sub").mkdir()
    command = (
        [str(installed.python), "-m", "pytest"]
        if runner == "python -m pytest"
        else [str(installed.bin / "pytest")]
    )
    result = run([*command, str(project)], project / where)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "settings fixture: off, the name 'settings' is the project's own module" in (
        result.stdout
    )
    assert str(project / "settings.py") in result.stdout
    assert "warning" not in result.stdout.lower()
