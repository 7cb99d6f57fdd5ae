"""``show``: the effective settings, with origins, as text, JSON or TOML."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

from tests.support.cli import PRODUCTION, Run


def test_text_names_each_value_s_origin(cli: Run, settings_dir: Path) -> None:
    result = cli("show", environ={"APP_DATABASE__POOL__SIZE": "7"})
    assert result.code == 0
    assert result.err == ""
    lines = result.out.splitlines()
    header, _, fingerprint = lines[0].rpartition("; fingerprint ")
    assert header == (
        "# environment development; files: settings.toml; variables: APP_DATABASE__POOL__SIZE"
    )
    assert re.fullmatch(r"[0-9a-f]{12}", fingerprint)
    assert _line(lines, "debug") == ("debug = true", "settings.toml [development]")
    assert _line(lines, "database.pool.size") == (
        "database.pool.size = 7",
        "env APP_DATABASE__POOL__SIZE",
    )
    assert _line(lines, "log_level") == ('log_level = "info"', "settings.toml [default]")
    assert _line(lines, "cors.origins") == ("cors.origins = []", "schema default")
    assert _line(lines, "secret_key") == ('secret_key = "**********"', "settings.toml [default]")
    sqlite = settings_dir.resolve() / "dev.sqlite3"
    assert _line(lines, "database.url") == (
        f'database.url = "sqlite+aiosqlite:///{sqlite}"',
        "composed from database.*",
    )


def _line(lines: list[str], key: str) -> tuple[str, str]:
    line = next(line for line in lines if line.startswith(key + " = "))
    value, _, origin = line.partition("  # ")
    return value.rstrip(), origin


def test_json_is_the_nested_settings_with_the_url(cli: Run) -> None:
    result = cli("show", "--format", "json", environ={**PRODUCTION, "DB_HOST": "db.internal"})
    assert result.code == 0
    data = json.loads(result.out)
    assert data["environment"] == "production"
    assert data["secret_key"] == "**********"
    assert data["database"]["password"] == "**********"
    assert data["database"]["host"] == "db.internal"
    assert data["database"]["pool"]["size"] == 5
    assert data["database"]["options"] == {}
    assert data["database"]["url"] == (
        "postgresql+asyncpg://postgres:**********@db.internal:5432/app"
    )


def test_toml_parses_and_matches_json(cli: Run) -> None:
    environ = {"DATABASE_URL": "postgresql://u:pw@h:5433/db?sslmode=require"}
    as_toml = tomllib.loads(cli("show", "--format", "toml", environ=environ).out)
    as_json = json.loads(cli("show", "--format", "json", environ=environ).out)
    assert as_toml == as_json
    assert as_toml["database"]["options"] == {"ssl": "require"}


def test_an_empty_secret_is_shown_empty(cli: Run) -> None:
    result = cli("show", "--format", "json")
    assert json.loads(result.out)["database"]["password"] == ""


def test_deployment_rules_do_not_stop_show(cli: Run) -> None:
    """A developer may look at production without its secrets; ``check`` gives the verdict."""
    result = cli("show", "--env", "production")
    assert result.code == 0
    assert "environment production" in result.out


def test_invalid_settings_exit_1_with_the_report_on_stderr(cli: Run) -> None:
    result = cli("show", environ={"APP_DATABASE__PORT": "99999", "APP_DEBUG": "maybe"})
    assert result.code == 1
    assert result.out == ""
    assert "Improperly configured: 2 errors\n" in result.err
    assert "database.port" in result.err
    assert "env APP_DATABASE__PORT" in result.err
    assert "env APP_DEBUG" in result.err


def test_one_long_value_does_not_pad_every_other_line(cli: Run) -> None:
    hosts = ",".join(f"host-{number}.example.com" for number in range(6000))
    result = cli("show", environ={"APP_ALLOWED_HOSTS": hosts})

    assert result.code == 0
    lines = result.out.splitlines()
    longest = max(lines, key=len)
    assert longest.startswith("allowed_hosts = [")
    # The other lines are aligned among themselves, not padded to the widest value.
    assert max(len(line) for line in lines if line != longest) < 200
    assert len(result.out) < 2 * len(longest)
    assert _line(lines, "debug") == ("debug = true", "settings.toml [development]")
