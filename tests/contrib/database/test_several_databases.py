"""Several ``DatabaseConfig`` fields in one model: the deployment variables set the one named
``database``, and the database rules run on each, naming its key (SPEC 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from settings import BaseSettings, ImproperlyConfigured, load_settings
from settings._errors import Problem
from settings.checks._run import run_checks
from settings.cli import main
from settings.contrib.database._checks import (
    DATABASE_E002,
    DATABASE_E003,
    DATABASE_E004,
    E006,
    E007,
    E011,
    check_server,
)
from tests.contrib.database.replicated import (
    NestedDatabase,
    NoDatabase,
    PrimaryOnly,
    ReplicatedSettings,
)
from tests.support.ports import free_port

REPLICATED_TOML = """\
[default.database]
host = "primary.internal"
database = "shop"

[default.replica]
host = "replica.internal"
database = "shop"

[development]
[production]
"""

DATABASE_IDS = {E006.id, E007.id, E011.id, DATABASE_E003.id, DATABASE_E004.id}


def load(
    root: Path, model: type[BaseSettings], environ: dict[str, str], env: str = "development"
) -> Any:
    return load_settings(env, root=root, environ=environ, model=model)


def problems(root: Path, model: type[BaseSettings], environ: dict[str, str]) -> list[Problem]:
    with pytest.raises(ImproperlyConfigured) as info:
        load(root, model, environ, "production")
    return info.value.problems


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(REPLICATED_TOML, encoding="utf-8")
    return tmp_path


def test_the_deployment_variables_set_the_field_named_database_only(root: Path) -> None:
    environ = {
        "DATABASE_URL": "postgresql://app@db.example.com:6543/orders",
        "DB_HOST": "db.example.com",
        "DB_PASSWORD": "primary-pw",
    }

    settings = load(root, ReplicatedSettings, environ)

    primary, replica = settings.database, settings.replica
    assert (primary.host, primary.port, primary.database) == ("db.example.com", 6543, "orders")
    assert primary.password.get_secret_value() == "primary-pw"
    assert (replica.host, replica.port, replica.database) == ("replica.internal", 5432, "shop")
    assert replica.password.get_secret_value() == ""


def test_the_other_field_is_set_by_app_variables_and_its_own_env_var(root: Path) -> None:
    environ = {
        "REPLICA_URL": "postgresql://reader:r-pw@replica.example.com/shop?sslmode=require",
        "APP_REPLICA__POOL__SIZE": "20",
    }

    replica = load(root, ReplicatedSettings, environ).replica

    assert (replica.host, replica.username, replica.pool.size) == (
        "replica.example.com",
        "reader",
        20,
    )
    assert replica.sync_url.query["sslmode"] == "require"
    assert load(root, ReplicatedSettings, environ).sources.origin("replica.host") == (
        "env REPLICA_URL"
    )


def test_without_a_field_named_database_the_variables_set_nothing(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[development]\n", encoding="utf-8")
    environ = {"DATABASE_URL": "postgresql://u:pw@db.example.com/orders", "DB_HOST": "elsewhere"}

    settings = load(tmp_path, PrimaryOnly, environ)

    assert (settings.primary.host, settings.primary.database) == ("localhost", "app")
    assert settings.sources.variables == ()


def test_each_database_gets_the_rules_naming_its_key(root: Path) -> None:
    environ = {"DB_PASSWORD": "primary-pw", "APP_REPLICA__DRIVER": "sqlite+aiosqlite"}

    found = problems(root, ReplicatedSettings, environ)

    assert [(p.id, p.key, p.origin) for p in found] == [
        (E007.id, "replica.driver", "env APP_REPLICA__DRIVER")
    ]
    assert found[0].hint == (
        "set REPLICA_URL=postgresql://... or APP_REPLICA__DRIVER=postgresql+asyncpg"
    )


def test_an_empty_password_is_reported_for_each_database(root: Path) -> None:
    found = problems(root, ReplicatedSettings, {})

    assert [(p.id, p.key, p.origin) for p in found] == [
        (E006.id, "database.password", "schema default"),
        (E006.id, "replica.password", "schema default"),
    ]
    assert found[0].hint == E006.hint
    assert found[1].hint == (
        "set APP_REPLICA__PASSWORD (or APP_REPLICA__PASSWORD_FILE), or the password in "
        "REPLICA_URL; with peer or certificate authentication, add security.E006 to "
        "silenced_checks"
    )


def test_a_placeholder_password_on_the_replica(root: Path) -> None:
    environ = {"DB_PASSWORD": "primary-pw", "APP_REPLICA__PASSWORD": "<replica password>"}

    [found] = problems(root, ReplicatedSettings, environ)

    assert (found.id, found.key, found.origin) == (
        E011.id,
        "replica.password",
        "env APP_REPLICA__PASSWORD",
    )
    assert "<replica password>" not in str(found)


def test_a_database_at_any_depth_is_checked(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[production.storage.archive]\ndriver = "sqlite+aiosqlite"\ndatabase = "a.db"\n',
        encoding="utf-8",
    )

    [found] = problems(tmp_path, NestedDatabase, {})

    assert (found.id, found.key, found.origin) == (
        E007.id,
        "storage.archive.driver",
        "settings.toml [production]",
    )


def test_a_model_without_a_database_has_no_database_rule(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("[production]\n", encoding="utf-8")

    settings = load(tmp_path, NoDatabase, {}, "production")

    assert run_checks(settings, deploy=True).problems == []
    assert check_server(settings) == []


def test_unreadable_certificate_files_of_the_replica_are_named(root: Path) -> None:
    environ = {
        "APP_REPLICA__OPTIONS__SSLMODE": "verify-full",
        "APP_REPLICA__OPTIONS__SSLROOTCERT": str(root / "missing-ca.pem"),
    }

    with pytest.raises(ImproperlyConfigured) as info:
        load(root, ReplicatedSettings, environ)

    [found] = info.value.problems
    assert (found.id, found.key) == (DATABASE_E003.id, "replica.options")
    assert "cannot use the certificate files (sslrootcert)" in found.message


def test_a_replica_url_without_a_database_does_not_inherit_sqlite_s_file(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[default.replica]\ndriver = "sqlite+aiosqlite"\ndatabase = "replica.sqlite3"\n'
        "[development]\n",
        encoding="utf-8",
    )

    with pytest.raises(ImproperlyConfigured) as info:
        load(tmp_path, ReplicatedSettings, {"REPLICA_URL": "postgresql://replica.internal"})

    [found] = info.value.problems
    assert (found.id, found.key, found.origin) == (
        DATABASE_E004.id,
        "replica.database",
        "env REPLICA_URL",
    )
    assert found.message.endswith("add /NAME to the URL or set APP_REPLICA__DATABASE")


def test_the_budget_is_asked_of_each_database_s_server(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(
        f'[default.database]\ndriver = "sqlite+aiosqlite"\ndatabase = "a.db"\n'
        f'[default.replica]\nhost = "127.0.0.1"\nport = {free_port()}\nconnect_timeout = 2\n'
        "[development]\n",
        encoding="utf-8",
    )

    settings = load(tmp_path, ReplicatedSettings, {})

    [found] = check_server(settings)
    assert (found.id, found.key) == (DATABASE_E002.id, "replica")
    # Where the server's address came from; the database and username are the defaults.
    assert found.origin == "settings.toml [default], schema default"
    assert found.hint is not None
    assert "check replica.host, replica.port, replica.database" in found.hint
    assert found.hint.endswith("answers within replica.connect_timeout")


def test_show_prints_each_database_s_urls_masked(root: Path, capsys: pytest.CaptureFixture[str]):
    environ = {"REPLICA_URL": "postgresql://reader:Rp9-secret@replica.example.com/shop"}
    model = "tests.contrib.database.replicated:ReplicatedSettings"

    code = main(["show", "--root", str(root), "--model", model], environ=environ)
    out = capsys.readouterr().out
    main(["show", "--root", str(root), "--model", model, "--format", "json"], environ=environ)
    data = json.loads(capsys.readouterr().out)

    assert code == 0
    assert "Rp9-secret" not in out + json.dumps(data)
    assert data["replica"]["sync_url"] == (
        "postgresql+psycopg://reader:**********@replica.example.com:5432/shop?connect_timeout=5"
    )
    line = next(line for line in out.splitlines() if line.startswith("replica.url "))
    assert line.endswith("# composed from replica.*")
