"""One log format: the app's own lines look like uvicorn's (issue 11.18)."""

from __future__ import annotations

import re
import shutil
import signal
from pathlib import Path

from tests.support.environ import REPO
from tests.support.uvicorn import APP, uvicorn

#: uvicorn's default format: ``%(levelprefix)s %(message)s``, the level and a colon in 9 columns.
UVICORN_LINE = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):\s+\S.*")


def test_the_app_s_lines_and_uvicorn_s_share_one_format(tmp_path: Path) -> None:
    shutil.copy(REPO / "settings.toml", tmp_path / "settings.toml")
    # An unknown APP_ variable: the app logs a warning at startup, next to its info line.
    environ = {"APP_DATABSE__HOST": "db"}
    with uvicorn(tmp_path, environ, app=APP, options=("--app-dir", str(REPO))) as server:
        server.wait_serving()
        server.stop(signal.SIGTERM)
    stdout, stderr = server.stdout, server.stderr

    lines = [line for line in (stdout + stderr).splitlines() if line.strip()]
    settings_line = next(line for line in lines if "Settings loaded:" in line)
    warning_line = next(line for line in lines if "APP_DATABSE__HOST" in line)
    server_line = next(line for line in lines if "Application startup complete" in line)

    assert settings_line.startswith("INFO:     Settings loaded: environment development")
    assert warning_line.startswith("WARNING:  ")
    assert server_line == "INFO:     Application startup complete."
    # A problem's "fix:" hint continues its line, indented.
    assert [line for line in lines if not UVICORN_LINE.fullmatch(line) and line[0] != " "] == []
