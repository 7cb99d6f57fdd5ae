"""One log format: the app's own lines look like uvicorn's (issue 11.18)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx

from tests.app.test_uvicorn import clean_environ, fresh_checkout, uvicorn, wait_until_serving
from tests.pgcluster import free_port

#: uvicorn's default format: ``%(levelprefix)s %(message)s``, the level and a colon in 9 columns.
UVICORN_LINE = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+\S.*")


def test_the_app_s_lines_and_uvicorn_s_share_one_format(tmp_path: Path) -> None:
    cwd, port = fresh_checkout(tmp_path), free_port()
    # An unknown APP_ variable: the app logs a warning at startup, next to its info line.
    environ = clean_environ(APP_DATABSE__HOST="db")
    process = subprocess.Popen(
        uvicorn(port),
        cwd=cwd,
        env=environ,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5, trust_env=False) as c:
            wait_until_serving(process, c, "/health/live")
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)

    lines = [line for line in (stdout + stderr).splitlines() if line.strip()]
    settings_line = next(line for line in lines if "Settings loaded:" in line)
    warning_line = next(line for line in lines if "APP_DATABSE__HOST" in line)
    server_line = next(line for line in lines if "Application startup complete" in line)

    assert settings_line.startswith("INFO:     Settings loaded: environment development")
    assert warning_line.startswith("WARNING:  ")
    assert server_line == "INFO:     Application startup complete."
    # A problem's "fix:" hint continues its line, indented.
    assert [line for line in lines if not UVICORN_LINE.fullmatch(line) and line[0] != " "] == []
