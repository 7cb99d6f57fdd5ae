"""``diff --against saved.json``: the current settings against a saved ``show --format json``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.support.cli import PRODUCTION


def save(cli, settings_dir: Path, environ: dict[str, str]) -> Path:
    result = cli("show", "--format", "json", environ=environ)
    assert result.code == 0, result.err
    path = settings_dir / "saved.json"
    path.write_text(result.out)
    return path


def test_nothing_changed_except_secrets_that_cannot_be_compared(cli, settings_dir) -> None:
    saved = save(cli, settings_dir, PRODUCTION)

    result = cli("diff", "--against", str(saved), environ=PRODUCTION)

    assert result.code == 0
    assert result.out.startswith(f"no differences between {saved} and production")
    assert "unknown (masked in" in result.out
    assert "database.password" in result.out and "secret_key" in result.out
    assert PRODUCTION["SECRET_KEY"] not in result.out + result.err


def test_a_changed_value_is_shown_with_both_sides(cli, settings_dir) -> None:
    saved = save(cli, settings_dir, PRODUCTION)

    result = cli(
        "diff",
        "--against",
        str(saved),
        "--format",
        "json",
        environ={**PRODUCTION, "APP_DATABASE__POOL__SIZE": "7"},
    )

    data = json.loads(result.out)
    assert data["a"] == str(saved) and data["b"] == "production"
    assert data["differences"] == [{"key": "database.pool.size", "a": 5, "b": 7}]
    assert set(data["unknown"]) == {"database.password", "secret_key"}


def test_a_secret_set_on_one_side_only_is_a_known_difference(cli, settings_dir) -> None:
    saved = save(cli, settings_dir, {k: v for k, v in PRODUCTION.items() if k != "DB_PASSWORD"})

    result = cli("diff", "--against", str(saved), "--format", "json", environ=PRODUCTION)

    data = json.loads(result.out)
    assert {"key": "database.password", "a": "", "b": "**********"} in data["differences"]
    assert "database.password" not in data["unknown"]
    assert "pw" not in json.dumps(data["differences"])


def test_another_environment_compares_every_key_that_differs(cli, settings_dir) -> None:
    saved = save(cli, settings_dir, {})  # development

    result = cli("diff", "--against", str(saved), "--env", "testing")

    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["key", str(saved), "testing"]
    keys = {line.split()[0] for line in lines[1:]}
    assert {"environment", "debug", "database.driver", "database.database"} <= keys


def test_env_a_with_against_is_wrong_usage(cli, settings_dir) -> None:
    saved = save(cli, settings_dir, {})

    result = cli("diff", "testing", "--against", str(saved))

    assert result.code == 2
    assert "--env" in result.err


def test_a_missing_saved_file_is_wrong_usage_naming_it(cli, settings_dir) -> None:
    result = cli("diff", "--against", str(settings_dir / "nope.json"))

    assert result.code == 2
    assert "nope.json not found" in result.err


def test_a_saved_file_that_is_not_json_is_wrong_usage(cli, settings_dir) -> None:
    (settings_dir / "bad.json").write_text("[1, 2")

    result = cli("diff", "--against", str(settings_dir / "bad.json"))

    assert result.code == 2
    assert "not JSON" in result.err


@pytest.mark.parametrize("depth", [600, 100_000], ids=["deeper-than-settings", "deeper-than-json"])
def test_a_saved_file_nested_too_deep_is_wrong_usage_not_a_traceback(
    cli, settings_dir, depth
) -> None:
    """600 levels parse, then overflowed the display's recursion; 100,000 overflowed the JSON
    parser's."""
    nested = "[" * depth + "]" * depth
    (settings_dir / "deep.json").write_text(f'{{"database": {{"database": {nested}}}}}')

    result = cli("diff", "--against", str(settings_dir / "deep.json"))

    assert result.code == 2
    assert "not a file saved by show --format json" in result.err
    assert "Traceback" not in result.err + result.out


def test_a_saved_fifo_is_an_error_not_a_hang(cli, settings_dir) -> None:
    os.mkfifo(settings_dir / "pipe.json")

    result = cli("diff", "--against", str(settings_dir / "pipe.json"))

    assert result.code == 2
    assert "FIFO" in result.err
