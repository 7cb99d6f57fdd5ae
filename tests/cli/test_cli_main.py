"""The command line as a whole: help, usage errors, exit statuses, ``python -m settings``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import Run

COMMANDS = ["show", "explain", "check", "diff", "schema"]


def test_help_lists_every_command_and_the_exit_statuses(cli: Run) -> None:
    result = cli("--help", root=None)
    assert result.code == 0
    for command in COMMANDS:
        assert command in result.out
    assert "exit status" in result.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_env_and_root(cli: Run, command: str) -> None:
    result = cli(command, "--help", root=None)
    assert result.code == 0
    assert "--env E" in result.out
    assert "--root DIR" in result.out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["show", "--format", "yaml"],
        ["show", "--no-such-option"],
        ["explain"],
        ["diff", "a", "b", "c"],
        ["diff", "a", "b", "--env", "c"],
        ["check", "extra"],
    ],
)
def test_wrong_usage_exits_2_with_usage_on_stderr(cli: Run, argv: list[str]) -> None:
    result = cli(*argv, root=None)
    assert result.code == 2
    assert "usage:" in result.err
    assert result.out == ""


@pytest.mark.parametrize("command", ["show", "explain debug", "check", "diff development"])
def test_unknown_environment_is_a_configuration_error(cli: Run, command: str) -> None:
    result = cli(*command.split(), "--env", "prodution")
    assert result.code == 1
    assert "unknown environment 'prodution'" in result.err
    assert "development, production, testing" in result.err


@pytest.mark.parametrize("command", ["show", "explain debug", "check", "diff development"])
def test_missing_settings_toml_is_a_configuration_error(
    cli: Run, tmp_path: Path, command: str
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = cli(*command.split(), root=empty)
    assert result.code == 1
    assert "settings.toml" in result.err
    assert str(empty.resolve()) in result.err


def test_env_for_dynaconf_selects_the_environment_and_env_overrides_it(cli: Run) -> None:
    result = cli("explain", "log_level", environ={"ENV_FOR_DYNACONF": "PRODUCTION"})
    assert "(environment production)" in result.out
    result = cli("explain", "log_level", "--env", "testing", environ={"ENV_FOR_DYNACONF": "x"})
    assert "(environment testing)" in result.out


def _python_m_settings(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "settings", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "canary-Zx9!@:/?#%"},
    )


def test_python_m_settings_reads_the_working_directory_and_exits_with_main_s_status(
    settings_dir: Path,
) -> None:
    ok = _python_m_settings("show", cwd=settings_dir)
    assert ok.returncode == 0, ok.stderr
    assert 'secret_key = "**********"' in ok.stdout
    assert "Zx9" not in ok.stdout + ok.stderr
    failed = _python_m_settings("check", "--env", "production", cwd=settings_dir)
    assert failed.returncode == 1
    assert "security.E006" in failed.stderr
    usage = _python_m_settings("explain", "databse.port", cwd=settings_dir)
    assert usage.returncode == 2
    assert "did you mean database.port?" in usage.stderr


def test_a_reader_that_went_away_gets_no_traceback(settings_dir: Path) -> None:
    """``python -m settings schema | head -1``: the pipe closes before the output is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "settings", "schema"],
            cwd=settings_dir,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.stderr == b""
    assert result.returncode == 1
