"""``check --all-envs``: every environment of settings.toml validated, each problem once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settings import BaseSettings
from settings.cli import main
from tests.support.canaries import WEAK
from tests.support.cli import Run

CANARY, TRACES = WEAK.value, tuple(WEAK.traces().values())

ENVIRONMENTS = ("development", "production", "testing")

#: Passes the deployment rules everywhere, given DEPLOYED: only [production] breaks one.
DEPLOYABLE_TOML = """\
[default]
allowed_hosts = ["api.example.com"]

[development]
[testing]

[production]
allowed_hosts = ["*"]
"""
DEPLOYED = {"SECRET_KEY": "k3y-with-enough-entropy-0123456789abcdef", "DB_PASSWORD": "pw"}


def edit(settings_dir: Path, text: str) -> None:
    """Append ``text`` to the settings directory's settings.toml."""
    path = settings_dir / "settings.toml"
    path.write_text(path.read_text() + text)


def test_every_environment_valid_exits_0_with_one_line_each(cli: Run) -> None:
    result = cli("check", "--all-envs")
    assert result.code == 0
    assert result.out.splitlines() == [f"OK: {name}: 0 errors, 0 warnings" for name in ENVIRONMENTS]
    assert result.err == ""


@pytest.mark.parametrize("environ", [{}, {"ENV_FOR_DYNACONF": "testing"}])
def test_an_invalid_value_in_production_is_caught_from_any_environment(
    cli: Run, settings_dir: Path, environ: dict[str, str]
) -> None:
    edit(settings_dir, "debug = 'maybe'\n")  # the last table of the file: [production]
    assert cli("check", environ=environ).code == 0  # the active environment alone passes
    result = cli("check", "--all-envs", environ=environ)
    assert result.code == 1
    assert result.out.splitlines() == [
        "OK: development: 0 errors, 0 warnings",
        "FAILED: production: 1 error, 0 warnings",
        "OK: testing: 0 errors, 0 warnings",
    ]
    assert result.err.splitlines() == [
        "Improperly configured: 1 error",
        "  [production] ERROR debug: Input should be a valid boolean, unable to interpret input "
        "(got 'maybe') (from settings.toml [production])",
    ]


def test_the_deployment_rules_apply_only_with_deploy(cli: Run) -> None:
    """What CI runs passes on committed files; production's secrets are not among them."""
    assert cli("check", "--env", "production").code == 1
    assert cli("check", "--all-envs").code == 0
    result = cli("check", "--all-envs", "--deploy")
    assert result.code == 1
    assert "FAILED: production with deployment rules: 2 errors, 0 warnings" in result.out
    assert "[development, production, testing] ERROR security.E005 secret_key" in result.err


def test_a_deployment_error_is_reported_for_its_environment_only(
    cli: Run, settings_dir: Path
) -> None:
    (settings_dir / "settings.toml").write_text(DEPLOYABLE_TOML)
    assert cli("check", "--all-envs", environ=DEPLOYED).code == 0
    result = cli("check", "--all-envs", "--deploy", environ=DEPLOYED)
    assert result.code == 1
    assert result.out.splitlines() == [
        "OK: development with deployment rules: 0 errors, 0 warnings",
        "FAILED: production with deployment rules: 1 error, 0 warnings",
        "OK: testing with deployment rules: 0 errors, 0 warnings",
    ]
    assert result.err.splitlines() == [
        "Improperly configured: 1 error",
        "  [production] ERROR security.E009 allowed_hosts: contains '*': any Host header is "
        "accepted (from settings.toml [production])",
        "      fix: list the served hostnames in APP_ALLOWED_HOSTS or settings.toml [production]",
    ]


def test_a_problem_shared_by_environments_is_reported_once(cli: Run, settings_dir: Path) -> None:
    text = (settings_dir / "settings.toml").read_text()
    loud = text.replace('log_level = "info"', 'log_level = "loud"')
    (settings_dir / "settings.toml").write_text(loud)
    result = cli("check", "--all-envs", environ={"APP_DATABSE__HOST": "x"})
    assert result.code == 1
    assert result.out.splitlines() == [
        "FAILED: development: 1 error, 1 warning",
        "OK: production: 0 errors, 1 warning",  # [production] sets its own log_level
        "FAILED: testing: 1 error, 1 warning",
    ]
    assert result.err.splitlines() == [
        "Improperly configured: 1 error, 1 warning",
        "  [development, testing] ERROR log_level: Input should be 'debug', 'info', 'warning' or "
        "'error' (got 'loud') (from settings.toml [default])",
        "  [development, production, testing] WARNING settings.W002 settings: unknown APP_ "
        "variable (from env APP_DATABSE__HOST)",
        "      fix: did you mean APP_DATABASE__HOST?",
    ]


def test_the_same_mistake_from_two_tables_is_two_problems(cli: Run, settings_dir: Path) -> None:
    edit(settings_dir, "\n[testing]\ndebug = 'maybe'\n")
    text = (settings_dir / "settings.toml").read_text()
    (settings_dir / "settings.toml").write_text(text.replace("debug = true", "debug = 'maybe'"))
    lines = cli("check", "--all-envs").err.splitlines()
    assert lines[0] == "Improperly configured: 2 errors"
    assert lines[1].startswith("  [development] ERROR debug:")
    assert lines[1].endswith("(from settings.toml [development])")
    assert lines[2].startswith("  [testing] ERROR debug:")


def test_errors_come_before_warnings(cli: Run, settings_dir: Path) -> None:
    edit(settings_dir, "debug = 'maybe'\n")
    lines = cli("check", "--all-envs", environ={"APP_X": "1"}).err.splitlines()
    assert lines[1].startswith("  [production] ERROR debug")
    assert lines[2].startswith("  [development, production, testing] WARNING settings.W002")


@pytest.mark.parametrize("deploy", [[], ["--deploy"]])
def test_json_holds_each_environment_as_its_own_check(
    cli: Run, settings_dir: Path, deploy: list[str]
) -> None:
    edit(settings_dir, "debug = 'maybe'\n")
    result = cli("check", "--all-envs", "--format", "json", *deploy)
    data = json.loads(result.out)
    assert set(data) == {"environments", "ok"}
    assert list(data["environments"]) == list(ENVIRONMENTS)
    assert data["ok"] is False
    assert result.code == 1
    for name, found in data["environments"].items():
        assert found["deployment_rules"] is bool(deploy)
        if deploy or name != "production":  # else a single check adds the deployment rules
            alone = cli("check", "--env", name, "--format", "json", *deploy)
            assert found == json.loads(alone.out)
    production = data["environments"]["production"]
    assert production["ok"] is False
    assert production["problems"][0]["key"] == "debug"
    assert data["environments"]["testing"]["ok"] is not bool(deploy)


def test_json_ok_when_every_environment_is(cli: Run) -> None:
    data = json.loads(cli("check", "--all-envs", "--format", "json").out)
    assert data["ok"] is True
    assert all(found["ok"] and not found["problems"] for found in data["environments"].values())


def test_with_env_it_is_a_usage_error(cli: Run) -> None:
    result = cli("check", "--all-envs", "--env", "production")
    assert result.code == 2
    assert result.out == ""
    assert "error: --all-envs checks every environment; leave out --env" in result.err


def test_env_for_dynaconf_is_ignored(cli: Run) -> None:
    for value in ("staging", "", "production"):
        result = cli("check", "--all-envs", environ={"ENV_FOR_DYNACONF": value})
        assert result.code == 0, value
        assert len(result.out.splitlines()) == 3


def test_no_settings_toml_exits_1(cli: Run, tmp_path: Path) -> None:
    result = cli("check", "--all-envs", root=tmp_path / "elsewhere")
    assert result.code == 1
    assert result.out == ""
    assert "settings.toml is required" in result.err


def test_a_settings_toml_without_environments_exits_1(cli: Run, settings_dir: Path) -> None:
    (settings_dir / "settings.toml").write_text("[default]\ndebug = false\n")
    result = cli("check", "--all-envs")
    assert result.code == 1
    assert result.err.splitlines() == [
        "Improperly configured: 1 error",
        "  ERROR environment: defines no environment table; there is no environment to check "
        "(from settings.toml)",
    ]


@pytest.mark.parametrize(
    "argv", [[], ["--deploy"], ["--format", "json"], ["--deploy", "--format", "json"]]
)
def test_a_secret_only_production_loads_is_never_printed(
    cli: Run, settings_dir: Path, argv: list[str]
) -> None:
    (settings_dir / ".secrets.toml").write_text(
        f'[production]\nsecret_key = "{CANARY}"\n\n'
        f'[production.database]\npassword = "{CANARY}"\nport = 0\n'
    )
    result = cli("check", "--all-envs", *argv)
    assert result.code == 1
    assert "database.port" in result.err  # production was checked
    if "--deploy" in argv:
        assert "security.E002 secret_key" in result.err  # the canary is 17 characters
    for trace in TRACES:
        assert trace not in result.out
        assert trace not in result.err


class NeedsDeployment(BaseSettings):
    """A value only the deployment gives: no default, nothing committed."""

    superuser_password: str


def test_all_envs_warns_of_a_required_value_only_the_deployment_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n[production]\n")
    model = f"{__name__}:NeedsDeployment"

    code = main(["check", "--all-envs", "--root", str(tmp_path), "--model", model], environ={})
    deployed = main(
        ["check", "--all-envs", "--deploy", "--root", str(tmp_path), "--model", model], environ={}
    )

    err = capsys.readouterr().err
    assert (code, deployed) == (0, 1)
    assert "WARNING superuser_password: is required and not set here; the deployment" in err
    assert "ERROR superuser_password: is required and no file or variable sets it" in err
