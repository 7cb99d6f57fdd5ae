"""``check [--deploy]``: the verdict, with each finding's id, severity, key, origin and fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settings import ImproperlyConfigured, load_settings
from tests.support.cli import PRODUCTION, Run


def test_valid_settings_exit_0(cli: Run) -> None:
    result = cli("check")
    assert result.code == 0
    assert result.out == "OK: development: 0 errors, 0 warnings\n"
    assert result.err == ""


def test_warnings_alone_exit_0_and_are_reported(cli: Run) -> None:
    result = cli("check", environ={"APP_DATABSE__HOST": "x"})
    assert result.code == 0
    assert result.out == "OK: development: 0 errors, 1 warning\n"
    assert result.err.splitlines() == [
        "1 warning",
        "  WARNING settings.W002 settings: unknown APP_ variable (from env APP_DATABSE__HOST)",
        "      fix: did you mean APP_DATABASE__HOST?",
    ]


def test_deploy_applies_the_deployment_rules_to_any_environment(cli: Run) -> None:
    result = cli("check", "--deploy")
    assert result.code == 1
    assert result.out == "FAILED: development with deployment rules: 3 errors, 0 warnings\n"
    assert "ERROR security.E001 debug: debug is on" in result.err
    assert "(from settings.toml [development])" in result.err
    assert "fix: set debug = false" in result.err
    assert "ERROR security.E005 secret_key" in result.err
    assert "ERROR security.E007 database.driver" in result.err


def test_production_always_gets_the_deployment_rules(cli: Run) -> None:
    failed = cli("check", "--env", "production")
    assert failed.code == 1
    assert "security.E005" in failed.err
    assert "security.E006" in failed.err
    assert cli("check", environ=PRODUCTION).code == 0


def test_json_lists_every_finding(cli: Run) -> None:
    result = cli("check", "--deploy", "--format", "json", environ={"APP_X": "1"})
    data = json.loads(result.out)
    assert data["ok"] is False
    assert data["deployment_rules"] is True
    by_id = {problem["id"]: problem for problem in data["problems"]}
    assert by_id["security.E001"] == {
        "key": "debug",
        "message": "debug is on; tracebacks would reach clients",
        "origin": "settings.toml [development]",
        "id": "security.E001",
        "severity": "error",
        "hint": "set debug = false in the environment's table of settings.toml, or unset APP_DEBUG",
    }
    assert by_id["settings.W002"]["severity"] == "warning"
    assert "security.E001" in result.err  # the human report still goes to stderr


def test_schema_errors_exit_1_with_every_problem(cli: Run, settings_dir: Path) -> None:
    (settings_dir / "settings.local.toml").write_text("[default]\ndebugg = true\n")
    result = cli("check", environ={"APP_DATABASE__PORT": "0", "APP_LOG_LEVEL": "loud"})
    assert result.code == 1
    assert result.out.startswith("FAILED: development: 3 errors")
    for expected in (
        "debugg",
        "settings.local.toml [default]",
        "env APP_DATABASE__PORT",
        "env APP_LOG_LEVEL",
    ):
        assert expected in result.err


def test_the_warnings_are_not_logged_twice(cli: Run, caplog: pytest.LogCaptureFixture) -> None:
    cli("check", environ={"APP_X": "1"})
    assert caplog.records == []


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"APP_DEBUG": "maybe"},
        {"ENV_FOR_DYNACONF": "production"},
        PRODUCTION,
        {**PRODUCTION, "APP_DEBUG": "true"},
        {"ENV_FOR_DYNACONF": "testing", "DB_PORT": "x"},
    ],
)
def test_the_verdict_is_the_one_load_settings_gives(
    cli: Run, settings_dir: Path, environ: dict[str, str]
) -> None:
    try:
        load_settings(root=settings_dir, environ=environ)
    except ImproperlyConfigured:
        expected = 1
    else:
        expected = 0
    assert cli("check", environ=environ).code == expected


def test_check_says_how_many_findings_silenced_checks_silenced(cli: Run) -> None:
    environ = {**PRODUCTION, "DB_PASSWORD": "", "APP_SILENCED_CHECKS": "security.E006"}

    result = cli("check", environ=environ)
    as_json = json.loads(cli("check", "--format", "json", environ=environ).out)

    assert result.code == 0
    assert result.out == "OK: production with deployment rules: 0 errors, 0 warnings, 1 silenced\n"
    assert (as_json["ok"], as_json["silenced"], as_json["problems"]) == (True, 1, [])


def test_an_unknown_silenced_id_is_a_warning_of_check(cli: Run) -> None:
    result = cli("check", environ={**PRODUCTION, "APP_SILENCED_CHECKS": "security.W001"})

    assert result.code == 0
    assert result.out == "OK: production with deployment rules: 0 errors, 1 warning\n"
    assert "WARNING settings.W003 silenced_checks: 'security.W001' names an id" in result.err
    assert "did you mean settings.W001?" in result.err


def test_a_model_that_does_not_import_leaves_the_environment_not_known(cli: Run) -> None:
    result = cli("check", environ={"SETTINGS_MODEL": "no_such_package.config:Settings"})

    assert result.code == 1
    assert result.out.strip() == "FAILED: (environment not known): 1 error, 0 warnings"
    assert "no_such_package" in result.err


def test_an_empty_env_for_dynaconf_is_named_so_in_the_summary(cli: Run) -> None:
    result = cli("check", environ={"ENV_FOR_DYNACONF": ""})

    assert result.code == 1
    assert result.out.strip() == "FAILED: (no environment named): 1 error, 0 warnings"
    assert "unknown environment ''" in result.err
