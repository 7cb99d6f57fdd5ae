"""Driving the reload app (:mod:`tests.support.reload_app`) under a real uvicorn: its
``settings.toml``, the server, its audit lines, a SIGHUP and what the start logged."""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.uvicorn import Server, uvicorn

APP = "tests.support.reload_app:create_reload_app"

SETTINGS_TOML = """\
[default]
secret_key = "reload-tests-key-0123456789-abcdefghijklmnop"
allowed_hosts = ["127.0.0.1", "localhost"]
log_level = "info"

[default.database]
driver = "sqlite+aiosqlite"
database = "app.sqlite3"

[default.database.pool]
size = {size}
max_overflow = 1
timeout = 5.0

[default.features]
orders_v2 = {orders_v2}

[development]
"""


def write_settings(
    directory: Path, size: int = 2, orders_v2: bool = False, hosts: str = ""
) -> None:
    text = SETTINGS_TOML.format(size=size, orders_v2=str(orders_v2).lower())
    if hosts:
        text = text.replace('"localhost"]', f'"localhost", "{hosts}"]')
    (directory / "settings.toml").write_text(text)


def serve(directory: Path, *options: str):
    """The reload app served from ``directory``, with uvicorn's ``options``."""
    return uvicorn(directory, {}, app=APP, options=("--factory", *options))


def audit_lines(server: Server, event: str = "reload") -> list[str]:
    return [line for line in server.stderr.splitlines() if f"Audit: settings {event};" in line]


def wait_for(condition: Callable[[], bool], server: Server, what: str) -> None:
    """Poll ``condition`` until it holds; fail with the server's output after a minute."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if condition():
            return
        assert server.process.poll() is None, f"the server exited:\n{server.output}"
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen:\n{server.output}")


def reload(server: Server, count: int = 1) -> str:
    """Send SIGHUP ``count`` times (once each after the previous reload ended); the last
    reload's audit line."""
    for _ in range(count):
        before = len(audit_lines(server))
        server.process.send_signal(signal.SIGHUP)
        wait_for(lambda: len(audit_lines(server)) > before, server, "a reload's audit line")  # noqa: B023
    return audit_lines(server)[-1]


def startup_fingerprint(server: Server) -> str:
    [line] = audit_lines(server, "startup")
    found = re.search(r"fingerprint none -> ([0-9a-f]+)$", line)
    assert found, line
    return found.group(1)
