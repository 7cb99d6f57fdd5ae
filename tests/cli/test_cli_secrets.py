"""No command prints a secret, whatever the format, on success or on failure.

A canary secret, full of the characters that URLs and TOML escape, is planted in every place a
secret can come from; no trace of it (plain, percent-encoded, or its distinctive core ``Zx9``,
which survives every encoding) may reach stdout or stderr.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.cli.cli_support import Run

CANARY = "canary-Zx9!@:/?#%"
ENCODED = quote(CANARY, safe="")
TRACES = (CANARY, ENCODED, quote_plus(CANARY), quote(CANARY), "Zx9")

COMMANDS = [
    "show",
    "show --format json",
    "show --format toml",
    "explain secret_key",
    "explain secret_key --format json",
    "explain database.password",
    "explain database.password --format json",
    "explain database.host",
    "explain database.options --format json",
    "check",
    "check --deploy",
    "check --deploy --format json",
    "check --all-envs",
    "check --all-envs --deploy",
    "check --all-envs --deploy --format json",
    "diff development production",
    "diff production --format json",
    "diff testing",
    "schema",
]

SECRETS_TOML = f"""\
[default]
secret_key = "{CANARY}"

[default.database]
password = "{CANARY}"
"""

# name: (environ, the content of .secrets.toml or None)
SCENARIOS: dict[str, tuple[dict[str, str], str | None]] = {
    "secrets file": ({}, SECRETS_TOML),
    "variables": ({"SECRET_KEY": CANARY, "DB_PASSWORD": CANARY}, None),
    "secret files": (
        {"SECRET_KEY_FILE": "{canary_file}", "DB_PASSWORD_FILE": "{canary_file}"},
        None,
    ),
    "url, encoded": ({"DATABASE_URL": f"postgresql://app:{ENCODED}@db:5432/app"}, None),
    "url, raw": ({"DATABASE_URL": f"postgresql://app:{CANARY}@db:5432/app"}, None),
    "url, query": ({"DATABASE_URL": f"postgresql://app@db/app?password={ENCODED}"}, None),
    "production refuses it": (
        {"ENV_FOR_DYNACONF": "production", "SECRET_KEY": CANARY, "DB_PASSWORD": CANARY},
        None,
    ),
    "invalid elsewhere": ({"APP_DATABASE__PORT": "0"}, SECRETS_TOML),
    "unsupported scheme": ({"DATABASE_URL": f"mysql://app:{CANARY}@db/app"}, None),
    "two passwords": (
        {"DB_PASSWORD": CANARY, "DATABASE_URL": f"postgresql://app:{ENCODED}2@db/app"},
        None,
    ),
    "variable and file": ({"DB_PASSWORD": CANARY, "DB_PASSWORD_FILE": "{canary_file}"}, None),
    "unknown secret key": ({}, f'[default.database]\npasword = "{CANARY}"\n'),
    "bad token": ({}, f'[default]\nsecret_key = "@int {CANARY}"\n'),
    "TOML syntax error": ({}, f'[default]\nsecret_key = "{CANARY}\n'),
    "secret as a table": ({}, f'[default.secret_key]\nvalue = "{CANARY}"\n'),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_command_prints_the_canary(cli: Run, settings_dir: Path, scenario: str) -> None:
    environ, secrets = SCENARIOS[scenario]
    canary_file = settings_dir / "canary.txt"
    canary_file.write_text(CANARY + "\n")
    environ = {name: value.format(canary_file=canary_file) for name, value in environ.items()}
    if secrets is not None:
        (settings_dir / ".secrets.toml").write_text(secrets)
    codes = set()
    for command in COMMANDS:
        result = cli(*command.split(), environ=environ)
        codes.add(result.code)
        for trace in TRACES:
            assert trace not in result.out, f"{command}: stdout shows {trace!r}"
            assert trace not in result.err, f"{command}: stderr shows {trace!r}"
    assert codes <= {0, 1}


def test_the_canary_is_really_loaded(cli: Run) -> None:
    """The masks above hide a value that is there: compared by equality, it is the canary."""
    environ = {"DB_PASSWORD": CANARY, "DATABASE_URL": f"postgresql://app:{ENCODED}@db/app"}
    assert cli("check", environ=environ).code == 0  # the same password twice: no conflict
    result = cli("explain", "database.password", environ=environ)
    assert result.out.count('"**********"') == 3


def test_a_url_given_where_a_key_belongs_is_not_echoed_with_its_password(cli: Run) -> None:
    result = cli("explain", f"postgresql://app:{CANARY}@db/app")
    assert result.code == 2
    assert "unknown key 'postgresql://app:**********@db/app'" in result.err
    assert "Zx9" not in result.err
