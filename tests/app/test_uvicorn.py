"""``uvicorn app.main:app`` as a user runs it: a fresh checkout serves; bad settings never do.

Each test runs the server in a temp dir holding a copy of the repo's ``settings.toml``, so the
development SQLite file lands there, with the loader's variables removed from the environment.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import httpx

from tests.support.environ import REPO, clean_environ
from tests.support.uvicorn import APP, uvicorn

__all__ = ["clean_environ"]  # test_cli_docs.py imports it from here until it uses tests.support

CANARY = "canary-7f3a-must-not-be-printed"
#: The server started from a directory holding only settings.toml, the app found with
#: --app-dir: it must still load its own model (app.config.AppSettings).
FROM_ELSEWHERE = {"app": APP, "options": ("--app-dir", str(REPO)), "repository": False}


def fresh_checkout(tmp_path: Path) -> Path:
    shutil.copy(REPO / "settings.toml", tmp_path / "settings.toml")
    return tmp_path


def test_a_fresh_checkout_with_no_configuration_serves(tmp_path: Path) -> None:
    cwd = fresh_checkout(tmp_path)
    with uvicorn(cwd, {}, **FROM_ELSEWHERE) as server:
        server.wait_serving()
        with httpx.Client(base_url=server.url, timeout=5, trust_env=False) as client:
            live, ready = client.get("/health/live"), client.get("/health/ready")
        server.stop(signal.SIGTERM)  # uvicorn shuts down gracefully, then re-raises SIGTERM
    stderr = server.stderr

    assert (live.status_code, live.json()) == (200, {"status": "pass"})
    assert ready.status_code == 200, ready.text
    assert "Application shutdown complete" in stderr
    assert "Settings loaded: environment development; files settings.toml" in stderr
    assert (cwd / "development.sqlite3").is_file()


def test_invalid_settings_exit_non_zero_before_serving_with_the_report(tmp_path: Path) -> None:
    cwd = fresh_checkout(tmp_path)
    environ = dict(
        ENV_FOR_DYNACONF="production",
        SECRET_KEY=CANARY,
        DB_PASSWORD=CANARY,
        APP_DATABASE__PORT="not-a-port",
        DATABASE_URL=f"mysql://app:{CANARY}@db.example.com/app",
    )

    with uvicorn(cwd, environ, **FROM_ELSEWHERE) as result:
        returncode = result.wait_exit()

    assert returncode == 3  # uvicorn's status for a failed start, documented
    assert "Improperly configured" in result.stderr
    # The report is the last thing printed, and no traceback comes with it.
    report = result.stderr[result.stderr.index("Improperly configured") :]
    assert "Application startup failed" not in report
    assert "Traceback" not in result.stderr and "StartupError" not in result.stderr
    assert "database.port" in report and "env APP_DATABASE__PORT" in report
    assert "mysql://app:**********@db.example.com/app" in result.stderr
    assert "Uvicorn running" not in result.stderr
    assert CANARY not in result.stdout + result.stderr
