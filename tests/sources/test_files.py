"""settings/sources/_files.py: only regular files are read, and never more than a cap; a file
that is not one (a FIFO, ``/dev/zero``, a directory, an oversized file) is an error naming it.

Loads that used to hang (a FIFO, ``/dev/zero``) run in a subprocess with a timeout, so a
regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.environ import REPO, clean_environ
from tests.support.uvicorn import APP, uvicorn

#: Seconds a subprocess load may take before it counts as hung (a load takes well under one).
HUNG = 30


def check(root: Path, **environ: str) -> subprocess.CompletedProcess[str]:
    """``python -m settings check --root root`` in a subprocess with only ``environ`` set."""
    return subprocess.run(
        [sys.executable, "-m", "settings", "check", "--root", str(root)],
        env=clean_environ(**environ),
        capture_output=True,
        text=True,
        timeout=HUNG,
    )


def test_a_fifo_as_db_password_file_is_an_error_naming_it(root: Path) -> None:
    fifo = root / "password"
    os.mkfifo(fifo)

    result = check(root, DB_PASSWORD_FILE=str(fifo))

    assert result.returncode == 1
    assert f"{fifo}" in result.stderr
    assert "FIFO" in result.stderr and "not a regular file" in result.stderr
    assert "file named by DB_PASSWORD_FILE" in result.stderr


def test_uvicorn_with_a_fifo_as_db_password_file_exits_with_the_report(root: Path) -> None:
    fifo = root / "password"
    os.mkfifo(fifo)
    environ = {"DB_PASSWORD_FILE": str(fifo)}

    with uvicorn(root, environ, app=APP, options=("--app-dir", str(REPO))) as result:
        returncode = result.wait_exit(timeout=HUNG)

    assert returncode != 0
    assert f"cannot read {str(fifo)!r}: it is a FIFO (named pipe)" in result.stderr
    assert "Uvicorn running" not in result.stderr


def test_a_fifo_as_secrets_toml_is_an_error_naming_it(root: Path) -> None:
    os.mkfifo(root / ".secrets.toml")

    result = check(root)

    assert result.returncode == 1
    assert f"{root / '.secrets.toml'}" in result.stderr
    assert "FIFO" in result.stderr


def test_secrets_toml_linked_to_dev_zero_is_an_error_naming_it(root: Path) -> None:
    (root / ".secrets.toml").symlink_to("/dev/zero")

    result = check(root)

    assert result.returncode == 1
    assert f"{root / '.secrets.toml'}" in result.stderr
    assert "character device, not a regular file" in result.stderr


def test_a_directory_as_a_file_target_is_an_error_naming_it(root: Path) -> None:
    result = check(root, SECRET_KEY_FILE=str(root))

    assert result.returncode == 1
    assert f"cannot read {str(root)!r}: it is a directory" in result.stderr


def test_an_oversized_settings_file_is_an_error_naming_it(root: Path) -> None:
    padding = "# " + "x" * 100 + "\n"
    (root / "settings.local.toml").write_text(padding * 20_000, encoding="utf-8")

    result = check(root)

    assert result.returncode == 1
    assert f"{root / 'settings.local.toml'}" in result.stderr
    assert "larger than" in result.stderr


def test_an_oversized_file_target_is_an_error_naming_it(root: Path) -> None:
    big = root / "key"
    big.write_text("k" * 70_000, encoding="utf-8")

    result = check(root, SECRET_KEY_FILE=str(big))

    assert result.returncode == 1
    assert f"cannot read {str(big)!r}: it is larger than" in result.stderr


def test_a_link_to_a_regular_file_is_followed(root: Path) -> None:
    (root / "real-key").write_text("a-key-read-through-a-symbolic-link-0123456789\n")
    (root / "key").symlink_to(root / "real-key")

    result = check(root, SECRET_KEY_FILE=str(root / "key"))

    assert result.returncode == 0, result.stderr
