"""Credential rotation: a password given by a file is read again for each new connection.

As Vault Agent or Kubernetes rotate a secret: the role's password changes on the server, the
mounted file gets the new one, and the old sessions end. The app answers 200 again without a
restart, and neither password appears in anything it logs.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support import uvicorn as servers
from tests.support.postgres import PgCluster, admin_execute
from tests.support.work_app import WORK_APP, get, postgres_toml, project

OLD, NEW = "rotated-old-5e1d", "rotated-new-a7c2"


def test_a_rotated_password_file_is_used_without_a_restart(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    if not pg_cluster.is_running():
        pg_cluster.start()
    asyncio.run(pg_cluster.create_role("rotated", OLD))
    secret = tmp_path / "db_password"
    secret.write_text(OLD + "\n", encoding="utf-8")
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "DATABASE_URL": f"postgresql://rotated@{pg_cluster.host}:{pg_cluster.port}/rotated",
        "DB_PASSWORD_FILE": str(secret),
    }
    directory = project(tmp_path / "app", postgres_toml())
    with servers.uvicorn(directory, environ, app=WORK_APP, options=("--factory",)) as server:
        server.wait_serving()
        before = get(server, "/work")

        asyncio.run(
            admin_execute(
                pg_cluster,
                f"ALTER ROLE rotated PASSWORD '{NEW}'",
            )
        )
        secret.write_text(NEW + "\n", encoding="utf-8")
        asyncio.run(
            admin_execute(
                pg_cluster,
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'rotated'",
            )
        )
        after, ready = get(server, "/work"), get(server, "/health/ready")
        server.stop()

    assert before.status_code == 200, before.text
    assert after.status_code == 200, after.text
    assert ready.status_code == 200, ready.text
    for password in (OLD, NEW):
        assert password not in server.output


def test_without_a_file_the_old_password_stays_and_fails_until_a_restart(
    pg_cluster: PgCluster, tmp_path: Path
) -> None:
    """What rotation by file fixes: a password given by a variable cannot change."""
    if not pg_cluster.is_running():
        pg_cluster.start()
    asyncio.run(pg_cluster.create_role("fixed", OLD))
    environ = {
        "ENV_FOR_DYNACONF": "testing",
        "DATABASE_URL": f"postgresql://fixed@{pg_cluster.host}:{pg_cluster.port}/fixed",
        "DB_PASSWORD": OLD,
    }
    directory = project(tmp_path / "app", postgres_toml())
    with servers.uvicorn(directory, environ, app=WORK_APP, options=("--factory",)) as server:
        server.wait_serving()
        before = get(server, "/work")
        asyncio.run(
            admin_execute(
                pg_cluster,
                f"ALTER ROLE fixed PASSWORD '{NEW}'",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'fixed'",
            )
        )
        after = get(server, "/work")
        server.stop()

    assert (before.status_code, after.status_code) == (200, 503)
    assert OLD not in server.output and NEW not in server.output


@pytest.mark.parametrize("mishap", ["gone", "truncated"])
async def test_a_password_file_gone_or_truncated_for_a_moment_keeps_the_last_password(
    pg_cluster: PgCluster, tmp_path: Path, caplog, mishap: str
) -> None:
    from sqlalchemy import text

    from app.db import DatabaseManager
    from settings import load_settings

    if not pg_cluster.is_running():
        pg_cluster.start()
    role = f"blinking_{mishap}"
    await pg_cluster.create_role(role, OLD)
    secret = tmp_path / "db_password"
    secret.write_text(OLD + "\n", encoding="utf-8")
    root = project(tmp_path / "app", postgres_toml())
    settings = load_settings(
        "testing",
        root=root,
        environ={
            "DATABASE_URL": f"postgresql://{role}@{pg_cluster.host}:{pg_cluster.port}/{role}",
            "DB_PASSWORD_FILE": str(secret),
        },
    )
    database = DatabaseManager.for_settings(settings)
    await database.initialize()
    try:
        await admin_execute(pg_cluster, f"ALTER ROLE {role} PASSWORD '{NEW}'")
        secret.write_text(NEW + "\n", encoding="utf-8")
        first = await database.connect()  # reads NEW
        if mishap == "gone":
            secret.unlink()  # the secret is being replaced, say
        else:
            secret.write_text("", encoding="utf-8")  # caught half-written (issue 16, item 12)
        with caplog.at_level("WARNING", logger="app.db"):
            second = await database.connect()  # a new connection: the file is gone
            found = (await second.execute(text("SELECT current_user"))).scalar_one()
        await first.close()
        await second.close()
    finally:
        await database.dispose()

    assert found == role
    assert "Kept the last database password read" in caplog.text
    assert str(secret) in caplog.text
    assert OLD not in caplog.text and NEW not in caplog.text
