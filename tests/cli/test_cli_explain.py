"""``explain KEY``: every layer that set a key, in precedence order, and the winner."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.cli import Run


def test_every_layer_in_precedence_order_and_the_winner(cli: Run, settings_dir: Path) -> None:
    (settings_dir / ".secrets.toml").write_text("[development.database]\nport = 6000\n")
    (settings_dir / "settings.local.toml").write_text("[default.database]\nport = 6001\n")
    result = cli("explain", "database.port", environ={"APP_DATABASE__PORT": "6002"})
    assert result.code == 0
    assert result.err == ""
    assert result.out.splitlines() == [
        "database.port (environment development)",
        "  1. schema default                 5432",
        "  2. settings.toml [default]        5432",
        "  3. .secrets.toml [development]    6000",
        "  4. settings.local.toml [default]  6001",
        '  5. env APP_DATABASE__PORT         "6002"  <- wins',
        "  value: 6002",
    ]


def test_json_names_the_winner_and_the_converted_value(cli: Run) -> None:
    result = cli("explain", "database.port", "--format", "json", environ={"DB_PORT": "6002"})
    data = json.loads(result.out)
    assert data["winner"] == "env DB_PORT"
    assert data["status"] == "valid"
    assert data["value"] == 6002
    assert [layer["origin"] for layer in data["layers"]] == [
        "schema default",
        "settings.toml [default]",
        "env DB_PORT",
    ]
    assert [layer["wins"] for layer in data["layers"]] == [False, False, True]


def test_a_secret_is_masked_in_every_layer(cli: Run) -> None:
    result = cli("explain", "secret_key", environ={"SECRET_KEY": "from-the-environment"})
    assert result.out.splitlines() == [
        "secret_key (environment development)",
        "  1. schema default           (none: required)",
        '  2. settings.toml [default]  "**********"',
        '  3. env SECRET_KEY           "**********"  <- wins',
        '  value: "**********"',
    ]


def test_database_url_parts_name_the_variable(cli: Run) -> None:
    environ = {"DATABASE_URL": "postgresql://app@db.internal:6543/shop?sslmode=require"}
    host = cli("explain", "database.host", environ=environ).out
    assert '  3. env DATABASE_URL         "db.internal"  <- wins' in host
    options = cli("explain", "database.options", environ=environ).out
    assert 'env DATABASE_URL  { sslmode = "require" }  <- wins' in options
    assert '  value: { ssl = "require" }' in options


def test_the_selected_environment_and_where_it_came_from(cli: Run) -> None:
    result = cli("explain", "environment", environ={"ENV_FOR_DYNACONF": "Testing"})
    assert "env ENV_FOR_DYNACONF" in result.out
    assert '  value: "testing"' in result.out


def test_the_sqlite_path_is_shown_resolved(cli: Run, settings_dir: Path) -> None:
    result = cli("explain", "database.database")
    assert '"dev.sqlite3"  <- wins' in result.out
    assert f'  value: "{settings_dir.resolve() / "dev.sqlite3"}"' in result.out


@pytest.mark.parametrize("spelling", ["DATABASE__PORT", "Database.Port", " database.port "])
def test_key_spellings(cli: Run, spelling: str) -> None:
    assert cli("explain", spelling).out.startswith("database.port ")


def test_an_invalid_value_is_explained_and_exits_1(cli: Run) -> None:
    result = cli("explain", "database.port", environ={"APP_DATABASE__PORT": "99999"})
    assert result.code == 1
    assert result.out.splitlines()[-2:] == [
        '  3. env APP_DATABASE__PORT   "99999"',
        "  value: invalid: Input should be less than or equal to 65535 (got '99999') "
        "(from env APP_DATABASE__PORT)",
    ]
    assert "Improperly configured: 1 error\n" in result.err


def test_conflicting_variables_are_explained_with_no_winner(cli: Run) -> None:
    environ = {"DB_HOST": "a.example", "APP_DATABASE__HOST": "b.example"}
    result = cli("explain", "database.host", "--format", "json", environ=environ)
    assert result.code == 1
    data = json.loads(result.out)
    assert data["status"] == "invalid"
    assert data["winner"] is None
    assert [layer["value"] for layer in data["layers"][-2:]] == ["a.example", "b.example"]
    assert "set to different values by two variables" in data["problems"][0]["message"]


def test_a_valid_key_in_an_invalid_configuration_is_not_validated(cli: Run) -> None:
    result = cli("explain", "log_level", environ={"APP_DEBUG": "maybe"})
    assert result.code == 1
    assert '"info"  <- wins' in result.out
    assert "value: not validated: the settings have errors elsewhere" in result.out
    assert "env APP_DEBUG" in result.err


def test_an_unknown_file_key_is_reported_and_the_rest_explained(
    cli: Run, settings_dir: Path
) -> None:
    (settings_dir / "settings.local.toml").write_text("[default.database]\nhots = 'x'\nport = 1\n")
    result = cli("explain", "database.port")
    assert result.code == 1
    assert "settings.local.toml [default]  1  <- wins" in result.out
    assert "database.hots" in result.err


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("databse.host", "unknown key 'databse.host'; did you mean database.host?"),
        ("database", "database is a table; explain one of its keys: database.driver,"),
        ("database.url", "database.url is composed from the other database.* keys"),
        ("debug.level", "debug.level: debug is a value, not a table"),
        ("zzz", "unknown key 'zzz'"),
    ],
)
def test_a_key_that_cannot_be_explained_is_wrong_usage(cli: Run, key: str, message: str) -> None:
    result = cli("explain", key)
    assert result.code == 2
    assert result.out == ""
    assert "usage: python -m settings explain" in result.err
    assert message in result.err


@pytest.mark.parametrize(
    ("environ", "origin"),
    [
        ({"DATABASE_URL": "postgresql://app:Zq7CanaryT/db"}, "env DATABASE_URL"),
        ({"DB_PORT_FILE": "{password_file}"}, "file named by DB_PORT_FILE"),
    ],
)
def test_a_refused_value_that_may_be_a_password_is_not_shown(
    cli: Run, settings_dir: Path, environ: dict[str, str], origin: str
) -> None:
    """As the report does not quote it: a URL without a host puts its password in the port,
    and a ``_FILE`` variable may name the password's file."""
    password_file = settings_dir / "password.txt"
    password_file.write_text("Zq7CanaryFileX\n")
    environ = {k: v.format(password_file=password_file) for k, v in environ.items()}

    result = cli("explain", "database.port", environ=environ)

    assert "Zq7Canary" not in result.out + result.err
    assert re.search(rf'{origin} +"\*{{10}}"', result.out), result.out
    assert "value: invalid: must be a whole number" in result.out
