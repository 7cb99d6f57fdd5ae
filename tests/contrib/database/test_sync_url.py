"""``database.sync_url``: the target of ``database.url`` for psycopg, with libpq's option names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from settings import load_settings
from tests.support.cli import Run
from tests.support.project import Project

PASSWORD = "Sy9nc-pw-Qx4"


def test_sslmode_survives_into_the_sync_url(project: Project) -> None:
    url = f"postgresql://u:{PASSWORD}@h:5/db?sslmode=require"

    database = project.load({"DATABASE_URL": url}).database

    assert database.sync_url.drivername == "postgresql+psycopg"
    assert dict(database.sync_url.query) == {"sslmode": "require", "connect_timeout": "5"}
    assert database.sync_url.render_as_string(hide_password=False) == (
        f"postgresql+psycopg://u:{PASSWORD}@h:5/db?connect_timeout=5&sslmode=require"
    )
    assert database.url.query["ssl"] == "require"  # the async URL keeps asyncpg's name


def test_libpq_options_and_hosts_pass_as_libpq_reads_them(project: Project) -> None:
    url = (
        "postgresql://u@a:5432,b:5433/db?sslmode=verify-full&options=-c%20search_path%3Dapp"
        "&target_session_attrs=read-write&application_name=jobs&connect_timeout=2.5"
    )

    sync_url = project.load({"DATABASE_URL": url}).database.sync_url

    assert dict(sync_url.query) == {
        "sslmode": "verify-full",
        "options": "-c search_path=app",
        "target_session_attrs": "read-write",
        "application_name": "jobs",
        "host": ("a:5432", "b:5433"),
        "connect_timeout": "3",  # libpq counts whole seconds: never shorter than asked
    }


def test_a_socket_directory_is_libpq_s_host_parameter(project: Project) -> None:
    database = project.load({"DATABASE_URL": "postgresql:///db?host=/run/postgresql"}).database

    assert (database.sync_url.host, database.sync_url.query["host"]) == (None, "/run/postgresql")


def test_sqlite_s_sync_url_is_pysqlite_on_the_same_file(project: Project) -> None:
    database = project.load({"DATABASE_URL": "sqlite:///data/app.db"}).database

    assert str(database.sync_url) == f"sqlite:///{project.root.resolve() / 'data/app.db'}"


def test_show_prints_the_sync_url_with_its_password_masked(cli: Run, settings_dir: Path) -> None:
    environ = {"DATABASE_URL": f"postgresql://u:{PASSWORD}@h:5/db?sslmode=require"}

    text_out = cli("show", environ=environ).out
    json_out = json.loads(cli("show", "--format", "json", environ=environ).out)

    line = next(line for line in text_out.splitlines() if line.startswith("database.sync_url"))
    assert line.split() == [
        "database.sync_url",
        "=",
        '"postgresql+psycopg://u:**********@h:5/db?connect_timeout=5&sslmode=require"',
        "#",
        "composed",
        "from",
        "database.*",
    ]
    assert json_out["database"]["sync_url"] == (
        "postgresql+psycopg://u:**********@h:5/db?connect_timeout=5&sslmode=require"
    )
    assert PASSWORD not in text_out + json.dumps(json_out)
    assert PASSWORD not in repr(load_settings(environ=environ, root=settings_dir))


def test_explain_says_the_sync_url_is_composed(cli: Run) -> None:
    result = cli("explain", "database.sync_url")

    assert result.code == 2
    assert "database.sync_url is composed from the other database.* keys" in result.err


@pytest.mark.usefixtures("postgres_url")
def test_psycopg_connects_with_the_sync_url(project: Project) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test?sslmode=disable&application_name=sync-jobs"
    engine = create_engine(project.load({"DATABASE_URL": url}).database.sync_url)
    try:
        with engine.connect() as connection:
            found = connection.execute(
                text(
                    "SELECT current_setting('application_name'), ssl FROM pg_stat_ssl "
                    "WHERE pid = pg_backend_pid()"
                )
            ).one()
    finally:
        engine.dispose()

    assert tuple(found) == ("sync-jobs", False)
