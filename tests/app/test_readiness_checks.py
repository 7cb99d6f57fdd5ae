"""The application's own readiness checks beside the database's: Redis, against real servers.

A throwaway ``redis-server`` (Debian's, on a free port) is started, stopped and started again;
a listener that accepts and never answers stands for a hung one. Without ``redis-server`` the
tests skip with the reason (and fail under ``REQUIRE_POSTGRES=1``, as CI runs them).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

from app.config import AppSettings
from app.main import create_app
from settings import load_settings
from tests.support.app_client import running
from tests.support.ports import free_port
from tests.support.postgres import unavailable
from tests.support.project import BASE_SETTINGS_TOML

CANARY = "redis-canary-Rd7q-never-shown"


def app_settings(tmp_path: Path, **environ: str) -> AppSettings:
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    return load_settings("testing", root=tmp_path, environ=environ, model=AppSettings)


@contextmanager
def redis_server(port: int, *extra: str) -> Iterator[subprocess.Popen[bytes]]:
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("no redis-server here (Debian's redis-server package)")
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError("redis-server did not start") from None
                time.sleep(0.05)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


async def ready(client) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    response = await client.get("/health/ready")
    return response.status_code, response.json()


async def test_redis_is_checked_and_reported_under_its_own_name(tmp_path: Path) -> None:
    port = free_port()
    settings = app_settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    with redis_server(port):
        async with running(create_app(settings)) as client:
            status, body = await ready(client)
    assert status == 200, body
    assert body["checks"]["redis:responseTime"][0]["status"] == "pass"
    assert body["checks"]["database:responseTime"][0]["status"] == "pass"


async def test_redis_down_is_503_and_back_is_200_without_a_restart(tmp_path: Path) -> None:
    port = free_port()
    settings = app_settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0")
    async with running(create_app(settings)) as client:
        status, body = await ready(client)  # nothing listens yet
        assert status == 503
        [entry] = body["checks"]["redis:responseTime"]
        assert (entry["status"], entry["output"]) == (
            "fail",
            "connection failed (ConnectionRefusedError)",
        )
        assert body["checks"]["database:responseTime"][0]["status"] == "pass"
        with redis_server(port):
            assert (await ready(client))[0] == 200
        assert (await ready(client))[0] == 503


async def test_a_password_is_sent_and_never_shown(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()
    right = app_settings(tmp_path, REDIS_URL=f"redis://:{CANARY}@127.0.0.1:{port}/0")
    wrong = app_settings(tmp_path, REDIS_URL=f"redis://:wrong-{CANARY}@127.0.0.1:{port}/0")
    with redis_server(port, "--requirepass", CANARY):
        async with running(create_app(right)) as client:
            assert (await ready(client))[0] == 200
        async with running(create_app(wrong)) as client:
            response = await client.get("/health/ready")
    assert response.status_code == 503
    assert CANARY not in response.text + caplog.text


@asynccontextmanager
async def silent_listener() -> AsyncIterator[int]:
    """Accepts connections and never answers: a hung Redis."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_a_hung_redis_is_bounded_by_its_own_timeout(tmp_path: Path) -> None:
    async with silent_listener() as port:
        settings = app_settings(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        async with running(create_app(settings)) as client:
            started = time.monotonic()
            status, body = await ready(client)
            waited = time.monotonic() - started
    assert status == 503
    assert body["checks"]["redis:responseTime"][0]["output"] == "no answer within 1 s"
    assert waited < 1.0 + settings.database.connect_timeout  # never the database's wait on top


async def test_without_redis_url_the_check_is_off(tmp_path: Path) -> None:
    async with running(create_app(app_settings(tmp_path))) as client:
        status, body = await ready(client)
    assert status == 200
    assert "redis:responseTime" not in body["checks"]


@contextmanager
def redis_user(password: str) -> Iterator[str]:
    """A user of the local Redis (127.0.0.1:6379) allowed only ``PING``, deleted afterwards;
    the default user is left as it is."""
    name = f"settings-test-{uuid.uuid4().hex[:12]}"

    def cli(*args: str) -> str:
        try:
            done = subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "-p", "6379", *args],
                capture_output=True,
                text=True,
                timeout=10,
            )
        except FileNotFoundError:
            unavailable("no redis-cli here (Debian's redis-tools package)")
        if done.returncode != 0 or "ERR" in done.stdout or "refused" in done.stdout:
            unavailable(f"no Redis on 127.0.0.1:6379 to add a user to: {done.stdout.strip()}")
        return done.stdout.strip()

    assert cli("ACL", "SETUSER", name, "on", f">{password}", "-@all", "+ping") == "OK"
    try:
        yield name
    finally:
        cli("ACL", "DELUSER", name)


async def test_a_password_with_at_and_colon_is_decoded_before_auth(tmp_path: Path) -> None:
    """The URL holds the password percent-encoded; AUTH needs it decoded, or pods never become
    ready (issue 16, item 23)."""
    password = "p@ss:w/rd%-Rd7q"
    with redis_user(password) as user:
        url = f"redis://{user}:{quote(password, safe='')}@127.0.0.1:6379/0"
        settings = app_settings(tmp_path, REDIS_URL=url)
        async with running(create_app(settings)) as client:
            status, body = await ready(client)
        wrong = app_settings(tmp_path, REDIS_URL=url.replace("Rd7q", "Rd7x"))
        async with running(create_app(wrong)) as client:
            refused, _ = await ready(client)

    assert body["checks"]["redis:responseTime"][0]["status"] == "pass"
    assert (status, refused) == (200, 503)
