"""Every command follows the environments an application names in ``[tool.settings]``:
``ENVIRONMENT`` switches, ``local`` is the default, staging and production are deployments."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Run
from tests.support.environ import clean_environ

PYPROJECT = """\
[tool.settings]
env_switcher = "ENVIRONMENT"
default_env = "local"
deploy_environments = ["staging", "production"]
"""

SETTINGS_TOML = """\
[default]
secret_key = "dev-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
allowed_hosts = ["api.example.com"]

[local]
debug = true

[staging]
debug = true

[production]
"""

DEPLOYED = {"SECRET_KEY": "k3y-with-enough-entropy-0123456789abcdef", "DB_PASSWORD": "pw"}
ENVIRONMENTS = ("local", "production", "staging")


@pytest.fixture
def project(settings_dir: Path) -> Path:
    """The ``cli`` fixture's directory, holding this application's files."""
    (settings_dir / "pyproject.toml").write_text(PYPROJECT)
    (settings_dir / "settings.toml").write_text(SETTINGS_TOML)
    return settings_dir


def python_m_settings(*argv: str, cwd: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in clean_environ().items() if k != "ENVIRONMENT"}
    return subprocess.run(
        [sys.executable, "-m", "settings", *argv],
        cwd=cwd,
        env={**env, **environ},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_takes_the_default_environment_and_the_named_variable(
    cli: Run, project: Path
) -> None:
    assert cli("check").out == "OK: local: 0 errors, 0 warnings\n"
    assert cli("check", environ={"ENV_FOR_DYNACONF": "staging"}).out.startswith("OK: local:")
    result = cli("check", environ={**DEPLOYED, "ENVIRONMENT": "staging"})
    assert result.code == 1
    assert result.out == "FAILED: staging with deployment rules: 1 error, 0 warnings\n"
    assert "ERROR security.E001 debug: debug is on" in result.err
    result = cli("check", "--format", "json", environ={**DEPLOYED, "ENVIRONMENT": "production"})
    assert (result.code, json.loads(result.out)["deployment_rules"]) == (0, True)


def test_python_m_settings_check_all_envs_follows_them(project: Path) -> None:
    """The switch variable is ignored, every table is checked, and the rules only with
    --deploy: the committed files pass."""
    result = python_m_settings(
        "check", "--all-envs", "--root", str(project), cwd=Path.cwd(), ENVIRONMENT="production"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"OK: {name}: 0 errors, 0 warnings" for name in ENVIRONMENTS
    ]
    deploy = python_m_settings(
        "check", "--all-envs", "--deploy", "--root", str(project), cwd=Path.cwd(), **DEPLOYED
    )
    assert deploy.returncode == 1
    assert "[local] ERROR security.E001 debug" in deploy.stderr  # with --deploy, everywhere
    assert "[staging] ERROR security.E001 debug" in deploy.stderr
    assert "OK: production with deployment rules: 0 errors, 0 warnings" in deploy.stdout
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"production"]', '"producton"]'))
    typo = python_m_settings("check", "--all-envs", "--root", str(project), cwd=Path.cwd())
    assert typo.returncode == 1
    assert (
        "  [local, production, staging] ERROR deploy_environments: 'producton' is not an "
        "environment of settings.toml; did you mean production?"
    ) in typo.stderr


def test_python_m_settings_show_in_the_directory_uses_the_default_environment(
    project: Path,
) -> None:
    result = python_m_settings("show", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# environment local; ")
    assert "default environment (pyproject.toml [tool.settings] default_env)" in result.stdout
    staging = python_m_settings("show", "--format", "json", cwd=project, ENVIRONMENT="staging")
    assert json.loads(staging.stdout)["environment"] == "staging"


def test_explain_and_diff_default_to_the_named_environment(cli: Run, project: Path) -> None:
    assert cli("explain", "debug").out.startswith("debug (environment local)\n")
    diff = cli("diff", "--format", "json", environ={"ENVIRONMENT": "staging"})
    assert json.loads(diff.out)["a"] == "staging"


def test_reference_names_the_switch_variable_and_the_deployments(cli: Run, project: Path) -> None:
    row = next(line for line in cli("reference").out.splitlines() if "`environment`" in line)
    assert row == (
        '| `environment` | str | `"local"` | `ENVIRONMENT` | no | Chosen by `ENVIRONMENT`, '
        "else `local`. A start in `staging`, `production` runs the deployment rules. |"
    )


@pytest.mark.parametrize("command", ["check", "check --all-envs", "show", "diff", "reference"])
def test_a_bad_name_is_one_report_and_exit_1(cli: Run, project: Path, command: str) -> None:
    (project / "pyproject.toml").write_text('[tool.settings]\nenv_switcher = "MY ENV"\n')
    result = cli(*command.split())
    assert result.code == 1
    assert "Traceback" not in result.err
    assert (
        "ERROR env_switcher: must be the name of an environment variable, such as "
        "'ENVIRONMENT'; got 'MY ENV' (from pyproject.toml [tool.settings] env_switcher)"
    ) in result.err
    assert result.err.count("ERROR") == 1  # once, also for every environment of --all-envs
