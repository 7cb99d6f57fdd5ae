"""The drain belongs to the framework: any application whose settings have
``server.shutdown_timeout`` (the server battery) answers the requests still in flight that long
after SIGTERM with a 503, and its process exits, with nothing of the reference app's."""

from __future__ import annotations

import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.support.drain_app import DRAIN_APP
from tests.support.uvicorn import uvicorn

SETTINGS = """\
[default]
allowed_hosts = ["127.0.0.1"]
secret_key = "drain-test-key-0123456789-abcdefghijklmnopqrstuvwxyz"

[default.server]
shutdown_timeout = 1.5

[development]
"""


def test_a_request_still_running_after_shutdown_timeout_is_answered_503(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(SETTINGS, encoding="utf-8")
    with uvicorn(tmp_path, {}, app=DRAIN_APP, options=("--factory",)) as server:
        server.wait_serving()
        with (
            httpx.Client(base_url=server.url, timeout=30, trust_env=False) as client,
            ThreadPoolExecutor(1) as pool,
        ):
            pending = pool.submit(client.get, "/slow")
            deadline = time.monotonic() + 10
            while not client.get("/started").json() and time.monotonic() < deadline:
                time.sleep(0.02)
            signalled = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            response = pending.result()
            answered = time.monotonic() - signalled
            status = server.process.wait(timeout=30)

    assert response.status_code == 503
    assert response.json() == {"detail": "The server is shutting down. Try again."}
    assert response.headers["connection"] == "close"
    assert response.headers["retry-after"] == "1"
    assert len(response.headers["x-request-id"]) == 32  # the framework's layer answered
    assert 1.4 <= answered < 10, answered  # server.shutdown_timeout, not the handler's minute
    assert status == -signal.SIGTERM, server.output  # uvicorn ends by re-raising SIGTERM
    assert "Traceback" not in server.stderr
    assert (
        "Shutdown: 1 request still in flight after 1.5 s (server.shutdown_timeout): cancelled, "
        "answered 503"
    ) in server.output
