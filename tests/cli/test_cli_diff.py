"""``diff``: the keys whose values differ, sorted, secrets compared by equality and masked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import Run


def test_two_environments(cli: Run, settings_dir: Path) -> None:
    result = cli("diff", "development", "production")
    assert result.code == 0
    assert result.err == ""
    sqlite = f'"{settings_dir.resolve() / "dev.sqlite3"}"'
    rows = [line.split() for line in result.out.splitlines()]
    assert rows == [
        ["key", "development", "production"],
        ["allowed_hosts", '["localhost"]', '["example.com"]'],
        ["database.database", sqlite, '"app"'],
        ["database.driver", '"sqlite+aiosqlite"', '"postgresql+asyncpg"'],
        ["debug", "true", "false"],
        ["log_level", '"info"', '"warning"'],
    ]


def test_one_environment_against_the_schema_defaults(cli: Run) -> None:
    result = cli("diff", "testing", "--format", "json")
    assert result.code == 0
    data = json.loads(result.out)
    assert (data["a"], data["b"]) == ("testing", "schema defaults")
    assert data["differences"] == [
        {"key": "allowed_hosts", "a": ["localhost"], "b": ["localhost", "127.0.0.1"]},
        {"key": "database.database", "a": "test", "b": "app"},
        {"key": "database.host", "a": "127.0.0.1", "b": "localhost"},
        {"key": "secret_key", "a": "**********", "b": None},
    ]


def test_secrets_are_compared_by_value_and_printed_masked(cli: Run, settings_dir: Path) -> None:
    (settings_dir / ".secrets.toml").write_text(
        "[production]\nsecret_key = 'the-production-key'\n"
        "[testing]\nsecret_key = 'development-only-key-do-not-use-in-production'\n"
    )
    assert "secret_key" not in cli("diff", "development", "testing").out
    result = cli("diff", "development", "production", "--format", "json")
    secret = [d for d in json.loads(result.out)["differences"] if d["key"] == "secret_key"]
    assert secret == [{"key": "secret_key", "a": "**********", "b": "**********"}]
    assert "the-production-key" not in result.out


def test_variables_apply_to_both_sides(cli: Run) -> None:
    result = cli("diff", "testing", "production", environ={"APP_LOG_LEVEL": "error"})
    assert "log_level" not in result.out


def test_no_differences(cli: Run) -> None:
    result = cli("diff", "testing", "TESTING")
    assert (result.code, result.out) == (0, "no differences between testing and testing\n")


@pytest.mark.parametrize(
    ("argv", "environ", "expected"),
    [
        (["--env", "production"], {}, ("production", "schema defaults")),
        (["--env", "production", "testing"], {}, ("production", "testing")),
        ([], {"ENV_FOR_DYNACONF": "testing"}, ("testing", "schema defaults")),
        (["production"], {"ENV_FOR_DYNACONF": "testing"}, ("production", "schema defaults")),
    ],
)
def test_which_environments_are_compared(
    cli: Run, argv: list[str], environ: dict[str, str], expected: tuple[str, str]
) -> None:
    data = json.loads(cli("diff", *argv, "--format", "json", environ=environ).out)
    assert (data["a"], data["b"]) == expected


def test_an_invalid_side_exits_1_and_every_invalid_side_is_reported(cli: Run) -> None:
    result = cli("diff", "development", "production", environ={"APP_DATABASE__PORT": "0"})
    assert result.code == 1
    assert result.out == ""
    assert "development: Improperly configured: 1 error\n" in result.err
    assert "production: Improperly configured: 1 error\n" in result.err


def test_an_unknown_environment_exits_1(cli: Run) -> None:
    result = cli("diff", "development", "prodution")
    assert result.code == 1
    assert "unknown environment 'prodution'" in result.err
