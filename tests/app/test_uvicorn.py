"""``uvicorn app.main:app`` as a user runs it: a fresh checkout serves; bad settings never do.

Each test runs the server in a temp dir holding a copy of the repo's ``settings.toml``, so the
development SQLite file lands there, with the loader's variables removed from the environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import LOADER_VARIABLES
from tests.pgcluster import free_port

REPO = Path(__file__).resolve().parents[2]
CANARY = "canary-7f3a-must-not-be-printed"


def clean_environ(**extra: str) -> dict[str, str]:
    """This process's environment without any variable the settings loader reads."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("APP_") and name.removesuffix("_FILE") not in LOADER_VARIABLES
    }
    return {**environ, **extra}


def uvicorn(port: int) -> list[str]:
    """The server started from a directory holding only settings.toml, the app found with
    --app-dir: it must still load its own model (app.config.AppSettings)."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--app-dir",
        str(REPO),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]


def fresh_checkout(tmp_path: Path) -> Path:
    shutil.copy(REPO / "settings.toml", tmp_path / "settings.toml")
    return tmp_path


def wait_until_serving(process: subprocess.Popen[str], client: httpx.Client, url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            client.get(url)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"uvicorn did not serve {url} (exit status {process.poll()})")


def test_a_fresh_checkout_with_no_configuration_serves(tmp_path: Path) -> None:
    cwd, port = fresh_checkout(tmp_path), free_port()
    process = subprocess.Popen(
        uvicorn(port),
        cwd=cwd,
        env=clean_environ(),
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=5, trust_env=False) as client:
            wait_until_serving(process, client, "/health/live")
            live, ready = client.get("/health/live"), client.get("/health/ready")
    finally:
        process.terminate()  # uvicorn shuts down gracefully, then re-raises SIGTERM
        _, stderr = process.communicate(timeout=30)

    assert (live.status_code, live.json()) == (200, {"status": "pass"})
    assert ready.status_code == 200, ready.text
    assert "Application shutdown complete" in stderr
    assert "Settings loaded: environment development; files settings.toml" in stderr
    assert (cwd / "development.sqlite3").is_file()


def test_invalid_settings_exit_non_zero_before_serving_with_the_report(tmp_path: Path) -> None:
    cwd, port = fresh_checkout(tmp_path), free_port()
    environ = clean_environ(
        ENV_FOR_DYNACONF="production",
        SECRET_KEY=CANARY,
        DB_PASSWORD=CANARY,
        APP_DATABASE__PORT="not-a-port",
        DATABASE_URL=f"mysql://app:{CANARY}@db.example.com/app",
    )

    result = subprocess.run(
        uvicorn(port), cwd=cwd, env=environ, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 3  # uvicorn's status for a failed start, documented
    assert "Improperly configured" in result.stderr
    # The report is the last thing printed, and no traceback comes with it.
    report = result.stderr[result.stderr.index("Improperly configured") :]
    assert "Application startup failed" not in report
    assert "Traceback" not in result.stderr and "StartupError" not in result.stderr
    assert "database.port" in report and "env APP_DATABASE__PORT" in report
    assert "mysql://app:**********@db.example.com/app" in result.stderr
    assert "Uvicorn running" not in result.stderr
    assert CANARY not in result.stdout + result.stderr
