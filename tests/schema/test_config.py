"""``SettingsConfigDict``: a pydantic-settings model moves in by changing its import (SPEC 13).

Each test loads a model written as a pydantic-settings user writes one (field names in upper
case, ``env_prefix=""``, aliases) from real files and an injected environment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import AliasChoices, Field, SecretStr

from settings import BaseSettings, ImproperlyConfigured, SettingsConfigDict, load_settings
from settings.cli import main


class Upper(BaseSettings):
    """A model as the FastAPI full-stack template writes it."""

    model_config = SettingsConfigDict(env_prefix="")

    PROJECT_NAME: str = "demo"
    SECRET_KEY: SecretStr = SecretStr("")
    POSTGRES_SERVER: str = "localhost"
    POSTGRES_PORT: int = 5432
    SMTP_HOST: str | None = Field(default=None, validation_alias=AliasChoices("MAIL_HOST", "SMTP"))


class Prefixed(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MYAPP_", env_nested_delimiter="___")

    name: str = "x"
    retries: int = 1


class Sensitive(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=True)

    Token: str = ""


class Quiet(BaseSettings):
    model_config = SettingsConfigDict(env_ignore_empty=True)

    name: str = "default"


class Lenient(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    name: str = "x"


def _project(tmp_path: Path, text: str = "[default]\n[development]\n") -> Path:
    (tmp_path / "settings.toml").write_text(text)
    return tmp_path


def test_upper_case_fields_take_keys_and_variables_in_any_case(tmp_path: Path) -> None:
    root = _project(
        tmp_path, '[default]\nproject_name = "files"\n[development]\nPostgres_Port = 5433\n'
    )
    settings = load_settings(root=root, model=Upper, environ={"POSTGRES_SERVER": "db.internal"})

    assert (settings.PROJECT_NAME, settings.POSTGRES_PORT) == ("files", 5433)
    assert settings.POSTGRES_SERVER == "db.internal"
    assert settings.sources is not None
    assert settings.sources.origin("POSTGRES_SERVER") == "env POSTGRES_SERVER"


def test_without_a_prefix_other_variables_of_the_process_are_not_unknown(tmp_path: Path) -> None:
    environ = {"PATH": "/usr/bin", "HOME": "/root", "PROJECT_NAME": "env"}
    settings = load_settings(root=_project(tmp_path), model=Upper, environ=environ)

    assert settings.PROJECT_NAME == "env"
    assert settings.sources is not None and settings.sources.unknown_variables == ()


def test_a_validation_alias_names_variables(tmp_path: Path) -> None:
    root = _project(tmp_path)

    assert load_settings(root=root, model=Upper, environ={"SMTP": "a"}).SMTP_HOST == "a"
    assert load_settings(root=root, model=Upper, environ={"MAIL_HOST": "b"}).SMTP_HOST == "b"
    with pytest.raises(ImproperlyConfigured, match="set to different values by two variables"):
        load_settings(root=root, model=Upper, environ={"MAIL_HOST": "b", "SMTP": "c"})


def test_overrides_take_field_names_in_any_case(tmp_path: Path) -> None:
    from settings._process import apply_changes

    settings = load_settings(root=_project(tmp_path), model=Upper, environ={})
    changed = apply_changes(settings, {"smtp_host": "mail", "POSTGRES_PORT": 6000})

    assert (changed.SMTP_HOST, changed.POSTGRES_PORT) == ("mail", 6000)


def test_a_prefix_and_a_delimiter_of_the_model_own(tmp_path: Path) -> None:
    environ = {"MYAPP_RETRIES": "3", "APP_RETRIES": "9", "myapp_name": "lower"}
    settings = load_settings(root=_project(tmp_path), model=Prefixed, environ=environ)

    assert (settings.retries, settings.name) == (3, "lower")  # case-insensitive by default


def test_case_sensitive_names_match_only_as_written(tmp_path: Path) -> None:
    root = _project(tmp_path)

    assert load_settings(root=root, model=Sensitive, environ={"Token": "a"}).Token == "a"
    assert load_settings(root=root, model=Sensitive, environ={"TOKEN": "b"}).Token == ""


def test_env_ignore_empty_treats_an_empty_variable_as_unset(tmp_path: Path) -> None:
    settings = load_settings(root=_project(tmp_path), model=Quiet, environ={"APP_NAME": ""})

    assert settings.name == "default"


def test_extra_ignore_makes_an_unknown_file_key_a_warning(tmp_path: Path) -> None:
    root = _project(tmp_path, '[default]\nnmae = "typo"\n[development]\n')

    settings = load_settings(root=root, model=Lenient, environ={})

    assert settings.name == "x"
    with pytest.raises(ImproperlyConfigured, match=r"nmae: unknown key; did you mean name\?"):
        load_settings(root=root, model=Prefixed, environ={})


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"json_file": "x.json"}, "'json_file' is a pydantic-settings key this framework does not"),
        ({"cli_parse_args": True}, "'cli_parse_args' is a pydantic-settings key"),
        ({"env_prefx": "A_"}, "'env_prefx' is not a settings or Pydantic key"),
        ({"env_prefix": 5}, "'env_prefix' must be text"),
        ({"env_nested_delimiter": ""}, "'env_nested_delimiter' must be non-empty text"),
        ({"case_sensitive": "yes"}, "'case_sensitive' must be true or false"),
        ({"env_file": 3}, "'env_file' must be a path or a list of paths"),
        ({"extra": "allow"}, "'extra' = 'allow' is not supported"),
    ],
)
def test_a_model_config_key_this_framework_cannot_follow_is_an_error_naming_it(
    tmp_path: Path, config: dict[str, object], message: str
) -> None:
    model = type("Bad", (BaseSettings,), {"model_config": config, "__module__": __name__})

    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=_project(tmp_path), model=model, environ={})

    [problem] = caught.value.problems
    assert problem.key == "model"
    assert message in problem.message


def test_two_fields_one_name_apart_in_case_are_an_error(tmp_path: Path) -> None:
    model = type(
        "Twins",
        (BaseSettings,),
        {"__annotations__": {"a": str, "A": str}, "a": "x", "A": "y", "__module__": __name__},
    )

    with pytest.raises(ImproperlyConfigured, match="a and A differ only in case"):
        load_settings(root=_project(tmp_path), model=model, environ={})


def test_without_a_prefix_a_declared_variable_may_not_be_another_fields_name(
    tmp_path: Path,
) -> None:
    model = type(
        "Clash",
        (BaseSettings,),
        {
            "model_config": SettingsConfigDict(env_prefix=""),
            "__annotations__": {"name": str, "other": str},
            "name": "x",
            "other": Field(default="y", validation_alias="NAME"),
            "__module__": __name__,
        },
    )

    with pytest.raises(ImproperlyConfigured, match="is the name of the variable of name"):
        load_settings(root=_project(tmp_path), model=model, environ={})


def test_the_reference_names_the_variables_the_model_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    code = main(["reference", "--root", str(root), "--model", f"{__name__}:Upper"], environ={})

    out = capsys.readouterr().out
    assert code == 0
    assert "`POSTGRES_SERVER`" in out and "`APP_POSTGRES_SERVER`" not in out
    assert "`MAIL_HOST`" in out and "`SMTP`" in out


class Mounted(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="", secrets_dir="secrets", env_file=(".env", ".env.local")
    )

    API_TOKEN: SecretStr = SecretStr("")
    hosts: list[str] = Field(default_factory=list)
    name: str = "x"


def test_env_file_reads_several_files_later_ones_winning(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / ".env").write_text("NAME=from-env\nHOSTS=a,b\n")
    (root / ".env.local").write_text("NAME=from-local\n")

    settings = load_settings(root=root, model=Mounted, environ={})

    assert (settings.name, settings.hosts) == ("from-local", ["a", "b"])
    assert settings.sources is not None
    assert settings.sources.origin("name") == ".env.local NAME"
    assert settings.sources.files == ("settings.toml", ".env", ".env.local")


def test_secrets_dir_files_are_named_as_variables_and_rank_below_them(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "secrets").mkdir()
    (root / "secrets" / "api_token").write_text("s3cr3t-from-mount\n")
    (root / "secrets" / "HOSTS").write_text('["a.example", "b.example"]')
    (root / "secrets" / "unrelated").write_text("not a setting")

    settings = load_settings(root=root, model=Mounted, environ={})
    overridden = load_settings(root=root, model=Mounted, environ={"HOSTS": "c.example"})

    assert settings.API_TOKEN.get_secret_value() == "s3cr3t-from-mount"
    assert settings.hosts == ["a.example", "b.example"]
    assert overridden.hosts == ["c.example"]


def test_a_missing_secrets_dir_is_a_warning_and_a_file_in_its_place_an_error(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    assert load_settings(root=root, model=Mounted, environ={}).name == "x"

    (root / "secrets").write_text("")
    with pytest.raises(ImproperlyConfigured, match=r"secrets_dir: '.*secrets' is not a directory"):
        load_settings(root=root, model=Mounted, environ={})
