"""settings/reload.py: any app on ``settings_lifespan`` reloads its settings; a refused reload
changes nothing; a request keeps the settings it was pinned to. (The reference app under a real
uvicorn: tests/app/test_reload.py.)"""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import field_validator
from starlette.requests import Request

from settings import Settings, get_settings
from settings.fastapi import SettingsDep, pin, request_settings, settings_lifespan
from settings.fastapi import _reload as reload_module
from settings.fastapi._reload import SettingsReloader

REPO = Path(__file__).resolve().parents[2]
CANARY = "reload-canary-password-never-shown"


class BuggyModel(Settings):
    """A model whose validator has a bug: it raises something other than a ValueError."""

    flag: str = "fine"

    @field_validator("flag")
    @classmethod
    def _buggy(cls, value: str) -> str:
        if value == "boom":
            raise RuntimeError(f"bug near postgresql://app:{CANARY}@db.example/app")
        return value


def level_app(model: type[Settings] = Settings) -> FastAPI:
    app = FastAPI(lifespan=settings_lifespan(model=model))

    @app.get("/level")
    async def level(settings: SettingsDep) -> str:
        return settings.log_level

    return app


@asynccontextmanager
async def started(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            yield client


def set_level(root: Path, level: str) -> None:
    toml = (root / "settings.toml").read_text()
    toml = toml.replace("[default]\n", f'[default]\nlog_level = "{level}"\n', 1)
    (root / "settings.toml").write_text(toml)


async def test_a_valid_reload_replaces_the_settings_of_app_and_process(
    process_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "settings.reload")
    app = level_app()
    async with started(app) as client:
        before = (await client.get("/level")).json()
        set_level(process_settings, "warning")

        applied = await app.state.settings_reloader.reload()

        after = (await client.get("/level")).json()
        process = get_settings().log_level

    assert (before, applied, after, process) == ("info", True, "warning", "warning")
    [line] = [r.getMessage() for r in caplog.records if "Audit: settings reload" in r.getMessage()]
    assert line.endswith('1 changed: log_level "info" -> "warning" (settings.toml [default])')


async def test_an_invalid_reload_keeps_the_settings_and_logs_the_report(
    process_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = level_app()
    async with started(app) as client:
        kept = app.state.settings
        set_level(process_settings, "loud")

        applied = await app.state.settings_reloader.reload()

        level = (await client.get("/level")).json()

    assert applied is False
    assert app.state.settings is kept and level == "info"
    report = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "log_level" in report[0].getMessage()
    assert "settings.toml [default]" in report[0].getMessage()
    assert any("refused (1 error, reported above)" in r.getMessage() for r in caplog.records)


async def test_a_failing_swap_refuses_the_reload_without_showing_secrets(
    process_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken_swap(old: Settings, new: Settings) -> None:
        raise ConnectionError(f"cannot reach postgresql://app:{CANARY}@db.example/app")

    app = level_app()
    async with started(app):
        kept = app.state.settings
        set_level(process_settings, "warning")

        applied = await SettingsReloader(app, swap=broken_swap).reload()

    assert applied is False and app.state.settings is kept
    assert "applying them failed: ConnectionError" in caplog.text
    assert CANARY not in caplog.text


async def test_a_bug_while_loading_refuses_the_reload_and_keeps_serving(
    process_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = level_app(BuggyModel)
    async with started(app) as client:
        kept = app.state.settings
        toml = (process_settings / "settings.toml").read_text()
        (process_settings / "settings.toml").write_text(
            toml.replace("[default]\n", '[default]\nflag = "boom"\n', 1)
        )

        applied = await app.state.settings_reloader.reload()

        level = (await client.get("/level")).status_code

    assert applied is False and app.state.settings is kept and level == 200
    assert "loading them failed: RuntimeError" in caplog.text
    assert CANARY not in caplog.text


async def test_a_pinned_request_keeps_its_settings_across_a_swap(process_settings: Path) -> None:
    app = level_app()

    @app.get("/pinned")
    async def pinned_level(request: Request) -> str:
        app.state.settings = Settings(secret_key="x" * 40, log_level="error")  # a reload
        return (await request_settings(request)).log_level

    @app.middleware("http")
    async def pinning(request: Request, call_next):  # type: ignore[no-untyped-def]
        pin(request.scope, request.app.state.settings)
        return await call_next(request)

    async with started(app) as client:
        answer = (await client.get("/pinned")).json()
        later = (await client.get("/level")).json()

    assert (answer, later) == ("info", "error")


def test_sighup_reloads_an_app_on_settings_lifespan_in_its_own_process(tmp_path: Path) -> None:
    """A real signal, in a child process: should the handler be missing, SIGHUP ends it."""
    (tmp_path / "settings.toml").write_text(
        '[default]\nsecret_key = "sighup-test-key-0123456789abcdefghijklmn"\n[development]\n'
    )
    script = textwrap.dedent("""
        import asyncio, os, signal
        from fastapi import FastAPI
        from settings import Settings
        from settings.fastapi import settings_lifespan

        async def main():
            app = FastAPI(lifespan=settings_lifespan(model=Settings))
            async with app.router.lifespan_context(app):
                before = app.state.settings.log_level
                with open("settings.toml", "a") as toml:
                    toml.write('log_level = "error"\\n')
                os.kill(os.getpid(), signal.SIGHUP)
                while app.state.settings.log_level == before:
                    await asyncio.sleep(0.01)
                print(before, app.state.settings.log_level)

        asyncio.run(main())
    """)

    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["info", "error"]


async def test_a_half_written_settings_file_is_never_applied(
    process_settings: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A writer caught mid-file can leave valid TOML: the first half of settings.toml, its
    ``[default.database]`` table not yet written (issue 16, item 11). The reload waits until
    the file is quiet, so it applies the whole file."""
    caplog.set_level(logging.INFO, "settings.reload")
    half = (process_settings / "settings.toml").read_text()
    whole = half + "".join(
        f'\n[{env}.database]\nhost = "db.written-last.example"\n'
        for env in ("development", "testing")
    )
    app = level_app()
    async with started(app):
        (process_settings / "settings.toml").write_text(half)
        finish = asyncio.get_running_loop().call_later(
            0.1, (process_settings / "settings.toml").write_text, whole
        )
        try:
            applied = await app.state.settings_reloader.reload()
        finally:
            finish.cancel()
        host = app.state.settings.database.host

    assert applied is True
    assert host == "db.written-last.example"


async def test_files_that_keep_changing_while_read_refuse_the_reload(
    process_settings: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that changes the file while it is read, every time: the reload is refused and
    the settings in use stay."""
    caplog.set_level(logging.INFO, "settings.reload")
    monkeypatch.setattr(reload_module, "QUIET", 0.01)
    load = reload_module.checked_load
    path = process_settings / "settings.toml"

    def load_while_written(**arguments: Any) -> Any:
        found = load(**arguments)
        path.write_text(path.read_text() + "\n")  # a writer, meanwhile
        return found

    monkeypatch.setattr(reload_module, "checked_load", load_while_written)
    app = level_app()
    async with started(app):
        old = app.state.settings
        set_level(process_settings, "warning")

        applied = await app.state.settings_reloader.reload()

        kept = app.state.settings

    assert (applied, kept) == (False, old)
    assert "the settings files kept changing while being read (settings.toml)" in caplog.text
    assert "refused (1 error, reported above)" in caplog.text
