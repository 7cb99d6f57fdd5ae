"""Fixtures for the command line: a settings directory and an in-process runner."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from settings.cli import main
from tests.cli.cli_support import SETTINGS_TOML, Result, Run


@pytest.fixture
def settings_dir(tmp_path: Path) -> Path:
    """A directory with a settings.toml: development on SQLite, testing, production."""
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML)
    return tmp_path


@pytest.fixture
def cli(settings_dir: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run ``python -m settings ARGV`` in-process in ``settings_dir``, with the given environ."""

    def run(
        *argv: str, environ: Mapping[str, str] | None = None, root: Path | None = settings_dir
    ) -> Result:
        args = [*argv, "--root", str(root)] if root is not None else list(argv)
        code = main(args, environ=dict(environ or {}))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run
