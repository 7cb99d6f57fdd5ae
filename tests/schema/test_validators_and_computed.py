"""Validators and computed fields work with every tool (SPEC 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal
from unittest.mock import patch

import pytest
from pydantic import SecretStr, ValidationError, computed_field, field_validator, model_validator

from settings import (
    BaseSettings,
    ImproperlyConfigured,
    get_settings,
    lazy,
    load_settings,
    override_settings,
)
from settings._process import apply_changes
from settings.cli import main

MODEL = f"{__name__}:Shop"


class Shop(BaseSettings):
    host: str = "localhost"
    password: SecretStr = SecretStr("")
    name: str = "shop"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dsn(self) -> str:
        return f"postgresql://shop:{self.password.get_secret_value()}@{self.host}/shop"

    @field_validator("name")
    @classmethod
    def _no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError("must not contain spaces")
        return value

    @model_validator(mode="after")
    def _remote_needs_password(self) -> Shop:
        if self.host != "localhost" and not self.password.get_secret_value():
            raise ValueError("a remote host needs a password")
        return self


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text(
        '[default]\n[development]\n[production]\nhost = "db.internal"\n'
    )
    return tmp_path


def run(root: Path, capsys: pytest.CaptureFixture[str], *argv: str, **environ: str) -> str:
    code = main([*argv, "--root", str(root), "--model", MODEL], environ=environ)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


def test_show_lists_a_computed_value_marked_and_masked(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run(root, capsys, "show", APP_PASSWORD="correct-horse-battery")

    line = next(line for line in out.splitlines() if line.startswith("dsn = "))
    assert "computed by the model; not settable" in line
    assert "correct-horse-battery" not in out
    assert "postgresql://shop:**********@localhost/shop" in line


def test_explain_and_diff_mark_a_computed_value(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"APP_PASSWORD": "correct-horse-battery"}
    explained = run(root, capsys, "explain", "DSN", **environ)
    diff = run(root, capsys, "diff", "development", "production", "--format", "json", **environ)

    assert "computed by the model from other settings; not settable" in explained
    rows = {row["key"]: row for row in json.loads(diff)["differences"]}
    assert rows["dsn"]["computed"] is True
    assert "correct-horse-battery" not in explained + diff


def test_a_computed_value_cannot_be_set(root: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="dsn: is computed by the model"):
        load_settings(root=root, model=Shop, environ={"APP_DSN": "x"})
    settings = load_settings(root=root, model=Shop, environ={})
    with pytest.raises(ImproperlyConfigured, match="dsn: is computed by the model"):
        apply_changes(settings, {"dsn": "x"})


def test_overrides_of_a_model_with_computed_values_recompute_them(root: Path) -> None:
    settings = load_settings(root=root, model=Shop, environ={})

    changed = apply_changes(settings, {"host": "other", "password": "pw-long-enough"})

    assert changed.dsn == "postgresql://shop:pw-long-enough@other/shop"


def test_override_settings_works_on_a_model_with_computed_values(
    root: Path, process_environment: pytest.MonkeyPatch
) -> None:
    process_environment.chdir(root)
    process_environment.setenv("SETTINGS_MODEL", MODEL)
    from settings import get_settings

    with override_settings(name="other"):
        assert get_settings().name == "other"  # type: ignore[attr-defined]


def test_a_field_validator_error_is_one_line_with_its_origin(root: Path) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=root, model=Shop, environ={"APP_NAME": "a b"})

    [problem] = caught.value.problems
    assert (problem.key, problem.origin) == ("name", "env APP_NAME")
    assert problem.message.startswith("must not contain spaces")


def test_a_model_validator_error_names_the_model(root: Path) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings("production", root=root, model=Shop, environ={})

    [problem] = caught.value.problems
    assert str(problem) == "ERROR Shop: a remote host needs a password"


class Mail(BaseSettings):
    ENVIRONMENT: Literal["local", "staging", "production"] = "local"
    PROJECT_NAME: str = "shop"
    EMAILS_FROM_NAME: str | None = None
    POSTGRES_PASSWORD: str = ""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def DATABASE_URI(self) -> str:
        return f"postgresql://app:{self.POSTGRES_PASSWORD}@db/app"

    @model_validator(mode="after")
    def _default_sender(self) -> Mail:
        if not self.EMAILS_FROM_NAME:
            self.EMAILS_FROM_NAME = self.PROJECT_NAME  # pydantic-settings allows this
        return self


@pytest.fixture
def mail_root(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text("[default]\n[local]\n[staging]\n[qa]\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.settings]\nenv_switcher = "ENVIRONMENT"\ndefault_env = "local"\n'
        'deploy_environments = ["staging"]\n'
    )
    return tmp_path


def test_a_model_validator_may_set_a_field_and_the_result_is_frozen(mail_root: Path) -> None:
    settings = load_settings(root=mail_root, model=Mail, environ={})

    assert settings.EMAILS_FROM_NAME == "shop"
    with pytest.raises(ValidationError, match="frozen"):
        settings.EMAILS_FROM_NAME = "other"


def test_a_field_named_environment_in_any_case_is_the_environment(mail_root: Path) -> None:
    staging = load_settings(root=mail_root, model=Mail, environ={"ENVIRONMENT": "staging"})

    assert (staging.ENVIRONMENT, staging.environment) == ("staging", "staging")
    with pytest.raises(ImproperlyConfigured, match="ENVIRONMENT: Input should be 'local'"):
        load_settings(root=mail_root, model=Mail, environ={"ENVIRONMENT": "qa"})
    (mail_root / "settings.toml").write_text('[default]\nenvironment = "x"\n[local]\n[staging]\n')
    with pytest.raises(ImproperlyConfigured, match="is chosen by the switch variable"):
        load_settings(root=mail_root, model=Mail, environ={})


def test_a_password_inside_a_computed_url_is_a_secret_wherever_it_is_copied(
    mail_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environ = {"APP_POSTGRES_PASSWORD": "plain-typed-password"}
    code = main(["show", "--root", str(mail_root), "--model", f"{__name__}:Mail"], environ=environ)

    out = capsys.readouterr().out
    assert code == 0
    assert "plain-typed-password" not in out
    assert 'POSTGRES_PASSWORD = "**********"' in out


def test_assigning_to_the_lazy_object_is_a_validated_override_that_mock_patch_undoes(
    mail_root: Path, process_environment: pytest.MonkeyPatch
) -> None:
    process_environment.chdir(mail_root)
    process_environment.setenv("SETTINGS_MODEL", f"{__name__}:Mail")
    config = lazy(Mail)

    with patch.object(config, "PROJECT_NAME", "patched"):
        assert config.PROJECT_NAME == "patched"
        assert get_settings().PROJECT_NAME == "patched"  # type: ignore[attr-defined]
    assert config.PROJECT_NAME == "shop"
    with pytest.raises(ImproperlyConfigured, match="unknown key"):
        config.NOPE = 1  # type: ignore[attr-defined]
