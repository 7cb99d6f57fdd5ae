"""Issue 11, second hardening round: each finding of the adversarial run, reproduced.

Loads that used to hang (a FIFO, ``/dev/zero``) run in a subprocess with a timeout, so a
regression fails the test instead of hanging the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Annotated

import pytest

from settings import ImproperlyConfigured, Settings, load_settings
from settings.schema import Section
from tests.app.test_uvicorn import REPO, clean_environ
from tests.cli.cli_support import PRODUCTION, SETTINGS_TOML
from tests.conftest import BASE_SETTINGS_TOML
from tests.pgcluster import free_port

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


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(BASE_SETTINGS_TOML, encoding="utf-8")
    return tmp_path


# 1. Only regular files are read, and never more than a cap.


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
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--app-dir",
        str(REPO),
        "--port",
        str(free_port()),
    ]

    result = subprocess.run(
        command,
        cwd=root,
        env=clean_environ(DB_PASSWORD_FILE=str(fifo)),
        capture_output=True,
        text=True,
        timeout=HUNG,
    )

    assert result.returncode != 0
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


# 3. Deeply nested TOML is a report naming the file.


@pytest.mark.parametrize(
    "toml",
    [
        "[default.cors]\norigins = " + "[" * 5000 + '"x"' + "]" * 5000,
        "[default]\nx = " + "{ a = " * 5000 + "1" + " }" * 5000,
        "[default]\n" + ".".join(["a"] * 5000) + " = 1",
        "[default.cors]\norigins = " + "[" * 300 + '"x"' + "]" * 300,
    ],
    ids=["array-5000", "inline-table-5000", "dotted-key-5000", "array-300"],
)
def test_deeply_nested_toml_is_reported_with_its_file(root: Path, toml: str) -> None:
    (root / ".secrets.toml").write_text(toml + "\n", encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ={})

    assert [(p.key, p.origin) for p in caught.value.problems] == [("settings", ".secrets.toml")]
    assert "nested more than" in str(caught.value)


# 6. E005 compares the secret key normalised, as E004 does.

DEVELOPMENT_KEY = "development-only-key-do-not-use-in-production"


@pytest.mark.parametrize(
    "variant",
    [DEVELOPMENT_KEY + " ", DEVELOPMENT_KEY.upper(), f"\t{DEVELOPMENT_KEY.title()}\n"],
    ids=["trailing-space", "upper-case", "title-case-blanks"],
)
def test_the_development_key_in_disguise_is_refused_in_production(
    tmp_path: Path, variant: str
) -> None:
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML, encoding="utf-8")
    environ = {**PRODUCTION, "SECRET_KEY": variant}

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=tmp_path, environ=environ)

    assert [problem.id for problem in caught.value.problems] == ["security.E005"]


# 8. A template Jinja's sandbox refuses is a load error, not an empty string.


@pytest.mark.parametrize(
    "template",
    ["{{ ''.__class__ }}", "{{ ''.__class__.__mro__ }}", "{{ this.__class__.mro() }}"],
)
def test_a_sandbox_blocked_template_is_an_error_naming_key_file_and_table(
    tmp_path: Path, template: str
) -> None:
    toml = BASE_SETTINGS_TOML.replace(
        "[default.database]\n", f'[default.database]\nusername = "@jinja {template}"\n'
    )
    (tmp_path / "settings.toml").write_text(toml, encoding="utf-8")

    with warnings.catch_warnings():  # as in a process where warnings are not errors
        warnings.simplefilter("ignore")
        with pytest.raises(ImproperlyConfigured) as caught:
            load_settings("testing", root=tmp_path, environ={})

    [problem] = caught.value.problems
    assert (problem.key, problem.origin) == ("database.username", "settings.toml [default]")
    assert problem.message.startswith("cannot evaluate @jinja: refused by Jinja's sandbox")


# 7. Control characters never reach a driver or a header.


@pytest.mark.parametrize(
    ("variable", "value", "key"),
    [
        ("DB_DATABASE_FILE", "db\0application_name\0injected", "database.database"),
        ("DB_USERNAME_FILE", "app\0options\0-c log_statement=all", "database.username"),
        ("DB_USERNAME", "app\r\nuser", "database.username"),
        ("DB_DATABASE", "app\x1b[2J", "database.database"),
        ("DB_DATABASE", "app\u202egnp.exe", "database.database"),
        ("CORS_ORIGINS", "https://app.example.com\x7f", "cors.origins"),
        ("APP_CORS__ALLOW_HEADERS", "X-Token\r\nSet-Cookie: a=b", "cors.allow_headers"),
        ("APP_CORS__ALLOW_METHODS", "GET,PO\x00ST", "cors.allow_methods"),
        ("APP_ALLOWED_HOSTS", "localhost,api\x0b.example.com", "allowed_hosts"),
    ],
)
def test_control_characters_in_text_that_reaches_a_driver_or_header_are_refused(
    root: Path, variable: str, value: str, key: str
) -> None:
    if variable.endswith("_FILE"):
        (root / "value").write_bytes(value.encode())
        environ = {variable: str(root / "value")}
    else:
        environ = {variable: value}

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ=environ)

    [problem] = caught.value.problems
    assert problem.key.partition("[")[0] == key
    assert "control character" in problem.message


def test_control_characters_in_driver_options_are_refused(root: Path) -> None:
    toml = BASE_SETTINGS_TOML + '[testing.database]\noptions = { ssl = "require\\u0000" }\n'
    (root / "settings.toml").write_text(toml, encoding="utf-8")

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("testing", root=root, environ={})

    assert "control character" in str(caught.value)


# 13. One whitespace rule: blanks around a value are ignored where they cannot mean anything
# (numbers, booleans, choices), and kept byte for byte in text.


def test_blanks_around_values_that_are_not_text_are_ignored_for_every_type(root: Path) -> None:
    settings = load_settings(
        "testing",
        root=root,
        environ={
            "DB_PORT": "5432 ",
            "APP_DEBUG": "True ",
            "APP_METRICS__ENABLED": " false\n",
            "APP_DATABASE__CONNECT_TIMEOUT": "\t2.5 ",
            "APP_DATABASE__DRIVER": " postgresql+asyncpg ",
            "APP_DATABASE__DATABASE": "app",  # the base table names a SQLite file
            "APP_LOG_LEVEL": " warning ",
        },
    )

    assert settings.database.port == 5432
    assert settings.debug is True
    assert settings.metrics.enabled is False
    assert settings.database.connect_timeout == 2.5
    assert settings.database.driver == "postgresql+asyncpg"
    assert settings.log_level == "warning"


def test_blanks_around_text_are_kept(root: Path) -> None:
    settings = load_settings(
        "testing",
        root=root,
        environ={"DB_PASSWORD": " pass word ", "DB_USERNAME": " app", "SECRET_KEY": "key "},
    )

    assert settings.database.password.get_secret_value() == " pass word "
    assert settings.database.username == " app"
    assert settings.secret_key.get_secret_value() == "key "


def test_the_rule_follows_the_types_of_an_application_s_own_model() -> None:
    class Feature(Section):
        enabled: bool = False
        ratio: float | None = None
        label: str = ""

    class AppSettings(Settings):
        feature: Feature = Feature()
        retries: Annotated[int, "metadata"] = 0

    settings = AppSettings.model_validate(
        {
            "secret_key": "k",
            "retries": " 3 ",
            "feature": {"enabled": "yes ", "ratio": " 0.5", "label": " as written "},
        }
    )

    assert (settings.retries, settings.feature.enabled, settings.feature.ratio) == (3, True, 0.5)
    assert settings.feature.label == " as written "
