"""settings/sources/_environments.py: an application's own switch variable, default environment
and deployment environments, from ``[tool.settings]`` or the model's ``model_config``."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import ConfigDict

from settings import ImproperlyConfigured, Settings, load_settings
from settings.fastapi import start_settings

PYPROJECT = """\
[tool.settings]
env_switcher = "ENVIRONMENT"
default_env = "local"
deploy_environments = ["staging", "production"]
"""

LOCAL_KEY = "local-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
STRONG_KEY = "Zq8wN3vR5tY7uI9oP1aS2dF4gH6jK8lX0cVbM"

SETTINGS_TOML = f"""\
[default]
allowed_hosts = ["api.example.com"]

[default.database]
host = "db.internal"
username = "app"
database = "app"

[local]
debug = true
secret_key = "{LOCAL_KEY}"

[staging]
debug = true

[production]
"""

#: What a deployment sets; ``debug = true`` in [staging] still breaks the rules there.
DEPLOYED = {"SECRET_KEY": STRONG_KEY, "DB_PASSWORD": "pw"}


class LocalSettings(Settings):
    """The same names, configured by the model instead of pyproject.toml."""

    model_config = ConfigDict(  # settings.SettingsConfigDict types these keys
        env_switcher="ENVIRONMENT",  # type: ignore[typeddict-unknown-key]
        default_env="local",
        deploy_environments=["staging", "production"],
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A project whose pyproject.toml names its environments, as SPEC 13's example does."""
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "settings.toml").write_text(SETTINGS_TOML)
    return tmp_path


def error(root: Path, environ: dict[str, str] | None = None, **kwargs: Any) -> ImproperlyConfigured:
    with pytest.raises(ImproperlyConfigured) as info:
        load_settings(root=root, environ=environ or {}, **kwargs)
    return info.value


def problems(exc: ImproperlyConfigured) -> set[tuple[str, str | None, str | None]]:
    return {(problem.key, problem.id, problem.origin) for problem in exc.problems}


def test_the_configured_default_environment_loads_when_the_variable_is_unset(root: Path) -> None:
    loaded = load_settings(root=root, environ={})
    assert (loaded.environment, loaded.debug) == ("local", True)
    assert loaded.sources is not None
    origin = loaded.sources.origin("environment")
    assert origin == "default environment (pyproject.toml [tool.settings] default_env)"


def test_the_configured_variable_selects_the_environment(root: Path) -> None:
    loaded = load_settings(root=root, environ={**DEPLOYED, "ENVIRONMENT": "PRODUCTION"})
    assert loaded.environment == "production"
    assert loaded.sources is not None
    assert loaded.sources.origin("environment") == "env ENVIRONMENT"


def test_env_for_dynaconf_no_longer_selects_it(root: Path) -> None:
    assert load_settings(root=root, environ={"ENV_FOR_DYNACONF": "staging"}).environment == "local"


def test_a_misspelt_environment_names_the_configured_variable(root: Path) -> None:
    exc = error(root, {"ENVIRONMENT": "stagin"})
    assert problems(exc) == {("environment", None, "env ENVIRONMENT")}
    assert "did you mean staging?" in str(exc)


def test_an_abbreviated_environment_is_guessed_by_its_prefix(root: Path) -> None:
    assert "unknown environment 'prod'; did you mean production?" in str(
        error(root, {"ENVIRONMENT": "prod"})
    )
    assert "did you mean" not in str(error(root, {"ENVIRONMENT": "qa"}))


def test_the_deployment_rules_apply_in_staging_not_in_local(root: Path) -> None:
    assert load_settings(root=root, environ=DEPLOYED).debug is True  # local: no rules
    exc = error(root, {**DEPLOYED, "ENVIRONMENT": "staging"})
    assert problems(exc) == {("debug", "security.E001", "settings.toml [staging]")}
    assert (
        load_settings(root=root, environ={**DEPLOYED, "ENVIRONMENT": "production"}).debug is False
    )


def test_the_default_environment_s_secret_is_a_development_secret(root: Path) -> None:
    """security.E005 knows the committed key of [local], not of a [development] it lacks."""
    environ = {**DEPLOYED, "ENVIRONMENT": "production", "SECRET_KEY": LOCAL_KEY}
    assert ("secret_key", "security.E005", "env SECRET_KEY") in problems(error(root, environ))


def test_model_config_names_them_without_pyproject(root: Path) -> None:
    (root / "pyproject.toml").unlink()
    assert load_settings(root=root, environ={}, model=LocalSettings).environment == "local"
    exc = error(root, {**DEPLOYED, "ENVIRONMENT": "staging"}, model=LocalSettings)
    assert problems(exc) == {("debug", "security.E001", "settings.toml [staging]")}
    # The same files with the defaults: development is unknown, ENVIRONMENT means nothing.
    assert "unknown environment 'development'" in str(error(root, {"ENVIRONMENT": "local"}))


def test_model_config_wins_over_pyproject_key_by_key(root: Path) -> None:
    (root / "pyproject.toml").write_text(
        '[tool.settings]\nenv_switcher = "STAGE"\ndefault_env = "staging"\n'
    )

    class Model(Settings):
        model_config = ConfigDict(default_env="local")  # type: ignore[typeddict-unknown-key]

    assert load_settings(root=root, environ={}, model=Model).environment == "local"
    chosen = load_settings(root=root, environ={"STAGE": "production", **DEPLOYED}, model=Model)
    assert chosen.environment == "production"  # pyproject.toml's switcher still holds


def test_settings_built_by_hand_follow_their_model_at_start() -> None:
    with pytest.raises(ImproperlyConfigured) as info:
        start_settings(LocalSettings(environment="staging", debug=True, secret_key=STRONG_KEY))
    assert "security.E001" in str(info.value)
    started, _ = start_settings(
        LocalSettings(environment="local", debug=True, secret_key=STRONG_KEY)
    )
    assert started.debug is True


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('env_switcher = ""', "env_switcher"),
        ("env_switcher = 3", "env_switcher"),
        ('env_switcher = "MY ENV"', "env_switcher"),
        ('default_env = " "', "default_env"),
        ('default_env = ["local"]', "default_env"),
        ('default_env = "default"', "default_env"),
        ('deploy_environments = "production"', "deploy_environments"),
        ('deploy_environments = ["staging", ""]', "deploy_environments"),
        ("deploy_environments = [1]", "deploy_environments"),
    ],
)
def test_a_bad_value_in_pyproject_is_one_clear_error(root: Path, line: str, key: str) -> None:
    (root / "pyproject.toml").write_text(f"[tool.settings]\n{line}\n")
    exc = error(root)
    assert problems(exc) == {(key, None, f"pyproject.toml [tool.settings] {key}")}
    assert str(exc).startswith("Improperly configured: 1 error\n  ERROR ")


def test_a_bad_value_in_model_config_names_the_model(root: Path) -> None:
    class Broken(Settings):
        model_config = ConfigDict(env_switcher="")  # type: ignore[typeddict-unknown-key]

    exc = error(root, model=Broken)
    origin = f"{__name__}:{Broken.__qualname__} model_config env_switcher"
    assert problems(exc) == {("env_switcher", None, origin)}


def test_a_misspelt_deployment_environment_is_an_error_in_every_environment(root: Path) -> None:
    """Else production would silently start without its deployment rules."""
    path = root / "pyproject.toml"
    path.write_text(path.read_text().replace('"production"]', '"prodution"]'))
    exc = error(root)
    assert problems(exc) == {
        ("deploy_environments", None, "pyproject.toml [tool.settings] deploy_environments")
    }
    assert "'prodution' is not an environment of settings.toml; did you mean production?" in str(
        exc
    )


def test_an_unknown_default_environment_says_where_it_was_named(root: Path) -> None:
    path = root / "pyproject.toml"
    path.write_text(path.read_text().replace('"local"', '"dev"'))
    exc = error(root)
    origin = "default environment (pyproject.toml [tool.settings] default_env)"
    assert problems(exc) == {("environment", None, origin)}
    assert load_settings(root=root, environ={"ENVIRONMENT": "local"}).environment == "local"


def test_without_configuration_the_defaults_hold(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.settings]\nmodel = "settings:Settings"\n')
    (tmp_path / "settings.toml").write_text(
        textwrap.dedent(
            f"""\
            [default]
            secret_key = "{LOCAL_KEY}"
            [development]
            [production]
            debug = true
            """
        )
    )
    assert load_settings(root=tmp_path, environ={"ENVIRONMENT": "production"}).debug is False
    exc = error(tmp_path, {**DEPLOYED, "ENV_FOR_DYNACONF": "production"})
    assert ("debug", "security.E001", "settings.toml [production]") in problems(exc)
