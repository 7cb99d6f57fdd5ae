"""Where the chat project's values come from: its tables per environment, ``APP_`` variables,
its ``EnvVar`` variables and both ``_FILE`` forms, conflicts and typos (SPEC 2 and 9)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

import pytest

from settings import ImproperlyConfigured
from settings.cli import main
from settings.fastapi import start_settings
from settings.testing import app_client
from tests.application.chat.config import AppSettings
from tests.application.chat.main import create_app
from tests.support.chat import (
    API_KEY,
    CHAT_SETTINGS_TOML,
    MODEL_PATH,
    PRODUCTION_ENVIRON,
    REDIS_PASSWORD,
    redis_url,
    write_secret_file,
)

Load = Callable[..., AppSettings]


def test_the_app_s_tables_merge_key_by_key_per_environment(load_chat: Load) -> None:
    testing = load_chat("testing")
    production = load_chat("production", **PRODUCTION_ENVIRON)
    assert testing.llm.model == "small-default"
    assert production.llm.model == "large"  # [production.llm]
    # [default.llm] api_key is kept under [production.llm]: tables merge, they do not replace
    assert production.llm.api_key.get_secret_value() == "development-llm-key"
    assert testing.features == {"search": False, "voice": False}
    assert production.features == {"search": True, "voice": False}


def test_app_variables_reach_the_section_and_the_dict(load_chat: Load) -> None:
    loaded = load_chat(APP_LLM__MODEL="medium", APP_FEATURES__BETA="true", APP_FEATURES__SEARCH="1")
    assert loaded.llm.model == "medium"
    assert loaded.features == {"search": True, "voice": False, "beta": True}
    assert loaded.sources is not None
    assert {"APP_LLM__MODEL", "APP_FEATURES__BETA"} <= set(loaded.sources.variables)


def test_a_flag_that_is_no_boolean_is_an_error_naming_the_variable(load_chat: Load) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load_chat(APP_FEATURES__BETA="maybe")
    [problem] = caught.value.problems
    assert problem.key == "features.beta"
    assert problem.origin == "env APP_FEATURES__BETA"


def test_declared_variables_set_their_fields(load_chat: Load) -> None:
    loaded = load_chat(LLM_API_KEY=API_KEY.value, REDIS_URL=redis_url())
    assert loaded.llm.api_key.get_secret_value() == API_KEY.value
    assert loaded.redis_url is not None
    assert (loaded.redis_url.scheme, loaded.redis_url.host) == ("redis", "127.0.0.1")
    assert unquote(loaded.redis_url.password or "") == REDIS_PASSWORD.value
    assert load_chat().redis_url is None  # off until set


@pytest.mark.parametrize("variable", ["LLM_API_KEY_FILE", "APP_LLM__API_KEY_FILE"])
def test_both_file_forms(load_chat: Load, tmp_path: Path, variable: str) -> None:
    path = write_secret_file(tmp_path, variable.lower(), API_KEY.value)
    loaded = load_chat(**{variable: path})
    assert loaded.llm.api_key.get_secret_value() == API_KEY.value  # newline stripped
    assert loaded.sources is not None
    assert variable in loaded.sources.variables


def test_a_declared_url_from_a_file(load_chat: Load, tmp_path: Path) -> None:
    loaded = load_chat(REDIS_URL_FILE=write_secret_file(tmp_path, "redis", redis_url()))
    assert loaded.redis_url is not None
    assert unquote(loaded.redis_url.password or "") == REDIS_PASSWORD.value


def test_a_missing_file_is_an_error_naming_the_path(load_chat: Load, tmp_path: Path) -> None:
    missing = str(tmp_path / "run-secrets" / "nowhere")
    with pytest.raises(ImproperlyConfigured) as caught:
        load_chat(APP_LLM__API_KEY_FILE=missing)
    [problem] = caught.value.problems
    assert problem.key == "llm.api_key"
    assert missing in problem.message
    assert problem.origin == "file named by APP_LLM__API_KEY_FILE"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("LLM_API_KEY", "APP_LLM__API_KEY"),
        ("LLM_API_KEY_FILE", "APP_LLM__API_KEY"),
        ("LLM_API_KEY", "APP_LLM__API_KEY_FILE"),
        ("REDIS_URL", "APP_REDIS_URL"),
    ],
)
def test_two_variables_for_one_field_conflict_naming_both(
    load_chat: Load, tmp_path: Path, first: str, second: str
) -> None:
    values = {first: "first-value-0123456789", second: "second-value-0123456789"}
    if first.startswith("REDIS"):
        values = {first: redis_url(), second: redis_url("another-password")}
    environ = {
        name: write_secret_file(tmp_path, name.lower(), value) if name.endswith("_FILE") else value
        for name, value in values.items()
    }
    with pytest.raises(ImproperlyConfigured) as caught:
        load_chat(**environ)
    [problem] = caught.value.problems
    assert problem.key == ("redis_url" if first.startswith("REDIS") else "llm.api_key")
    report = str(caught.value)
    assert first in report
    assert second in report
    for value in values.values():
        assert value not in report


def test_the_same_value_twice_is_no_conflict(load_chat: Load) -> None:
    loaded = load_chat(LLM_API_KEY=API_KEY.value, APP_LLM__API_KEY=API_KEY.value)
    assert loaded.llm.api_key.get_secret_value() == API_KEY.value


def test_a_variable_and_its_file_form_are_an_error(load_chat: Load, tmp_path: Path) -> None:
    path = write_secret_file(tmp_path, "key", API_KEY.value)
    with pytest.raises(ImproperlyConfigured, match="both LLM_API_KEY and LLM_API_KEY_FILE"):
        load_chat(LLM_API_KEY=API_KEY.value, LLM_API_KEY_FILE=path)


def test_a_typo_in_a_file_says_did_you_mean(load_chat: Load, chat_dir: Path) -> None:
    misspelled = CHAT_SETTINGS_TOML.replace('model = "small-default"', 'modle = "small-default"')
    (chat_dir / "settings.toml").write_text(misspelled, encoding="utf-8")
    with pytest.raises(ImproperlyConfigured) as caught:
        load_chat()
    [problem] = caught.value.problems
    assert problem.key == "llm.modle"
    assert "did you mean llm.model?" in problem.message
    assert "settings.toml" in (problem.origin or "")
    assert "[default" in (problem.origin or "")


def test_a_typo_in_a_section_of_an_inactive_environment(load_chat: Load, chat_dir: Path) -> None:
    (chat_dir / "settings.toml").write_text(
        CHAT_SETTINGS_TOML + "\n[staging.llm]\napi_kye = 'x'\n", encoding="utf-8"
    )
    with pytest.raises(ImproperlyConfigured, match=re.escape("did you mean llm.api_key?")):
        load_chat("testing")


def test_an_unknown_app_variable_is_a_warning_with_a_hint(
    chat_dir: Path, load_chat: Load, capsys: pytest.CaptureFixture[str]
) -> None:
    loaded = load_chat(APP_LLM__MODLE="big")  # loads: the environment is shared
    assert loaded.llm.model == "small-default"
    environ = {"ENV_FOR_DYNACONF": "testing", "APP_LLM__MODLE": "big"}
    status = main(["check", "--root", str(chat_dir), "--model", MODEL_PATH], environ=environ)
    out, err = capsys.readouterr()
    assert status == 0
    assert "settings.W002" in err
    assert "APP_LLM__MODLE" in err
    assert "did you mean APP_LLM__MODEL?" in err
    assert "1 warning" in out


def test_an_app_start_is_told_of_the_unknown_variable(chat_process: pytest.MonkeyPatch) -> None:
    chat_process.setenv("APP_LLM__MODLE", "big")
    settings, warnings = start_settings(model=AppSettings)
    assert isinstance(settings, AppSettings)
    assert settings.llm.model == "small-default"
    assert [(w.id, w.origin) for w in warnings] == [("settings.W002", "env APP_LLM__MODLE")]


async def test_an_app_on_the_framework_s_lifespan_logs_the_warning(
    chat_process: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """SPEC 2: an unknown ``APP_`` variable goes to the log, for an app built on
    :func:`settings.fastapi.settings_lifespan` alone too."""
    chat_process.setenv("APP_LLM__MODLE", "big")
    caplog.set_level(logging.WARNING)
    async with app_client(create_app()) as client:
        assert (await client.get("/llm")).json() == {"model": "small-default"}
    [record] = [r for r in caplog.records if "APP_LLM__MODLE" in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert "did you mean APP_LLM__MODEL?" in record.getMessage()
