"""``override_settings`` and the ``settings`` fixture with the chat project's model: its
fields change, validated, typos refused, and a running app's ``SettingsDep`` sees the change
(SPEC 5 and 9)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from settings import ImproperlyConfigured, get_settings, override_settings
from settings.testing import app_client
from tests.application.chat.config import AppSettings
from tests.application.chat.main import create_app
from tests.support.canaries import assert_no_leak
from tests.support.chat import API_KEY, CHAT_CANARIES, redis_url

BAD_REDIS = redis_url(rest="127.0.0.1:notaport/0")


def test_override_settings_changes_the_app_s_fields(chat_process: pytest.MonkeyPatch) -> None:
    with override_settings(llm={"model": "big"}, features__beta=True) as changed:
        assert isinstance(changed, AppSettings)
        current = get_settings()
        assert isinstance(current, AppSettings)
        assert current.llm.model == "big"
        assert current.llm.api_key.get_secret_value() == "development-llm-key"  # kept
        assert current.features == {"search": False, "voice": False, "beta": True}
    after = get_settings()
    assert isinstance(after, AppSettings)
    assert (after.llm.model, after.features.get("beta")) == ("small-default", None)


@override_settings(llm__model="decorated")
async def test_as_a_decorator_of_an_async_test(chat_process: pytest.MonkeyPatch) -> None:
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.llm.model == "decorated"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"llm": {"modle": "big"}}, "did you mean llm.model?"),
        ({"llm__api_kye": "x"}, "did you mean llm.api_key?"),
        ({"redis_urll": "redis://localhost"}, "did you mean redis_url?"),
        ({"features": {"beta": "maybe"}}, "features.beta"),
    ],
)
def test_a_typo_or_a_bad_value_in_an_override_is_an_error(
    chat_process: pytest.MonkeyPatch, changes: dict[str, object], says: str
) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape(says)), override_settings(**changes):
        pass
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.llm.model == "small-default"


def test_an_invalid_secret_in_an_override_is_reported_masked(
    chat_process: pytest.MonkeyPatch,
) -> None:
    with (
        pytest.raises(ImproperlyConfigured) as caught,
        override_settings(redis_url=BAD_REDIS, llm={"api_key": [API_KEY.value]}),
    ):
        pass
    assert {problem.key for problem in caught.value.problems} >= {"redis_url"}
    assert_no_leak(
        {"report": str(caught.value), "repr": repr(caught.value.problems)}, CHAT_CANARIES
    )


@pytest.fixture
def chat_settings(chat_process: pytest.MonkeyPatch, settings: object) -> Iterator[object]:
    """The framework's ``settings`` fixture, set up in the chat project's directory (its
    ``SETTINGS_MODEL`` named), so it loads the chat model."""
    yield settings


def test_the_fixture_loads_the_app_s_model(chat_settings: object, chat_dir: Path) -> None:
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.environment == "testing"  # the settings_env ini option
    assert chat_settings.llm.model == "small-default"  # type: ignore[attr-defined]
    assert "llm" in dir(chat_settings)


def test_the_fixture_changes_the_app_s_fields(chat_settings: object) -> None:
    changed = chat_settings.override(llm={"model": "big"})  # type: ignore[attr-defined]
    assert isinstance(changed, AppSettings)
    assert changed.llm.model == "big"
    chat_settings.features = {"beta": True}  # type: ignore[attr-defined]
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.features["beta"] is True
    assert current.llm.model == "big"


def test_a_typo_through_the_fixture_is_an_error(chat_settings: object) -> None:
    with pytest.raises(ImproperlyConfigured, match=re.escape("did you mean llm.model?")):
        chat_settings.override(llm={"modle": "big"})  # type: ignore[attr-defined]
    with pytest.raises(ImproperlyConfigured, match=re.escape("did you mean redis_url?")):
        chat_settings.redis_ur = "redis://localhost"  # type: ignore[attr-defined]


def test_a_later_test_sees_the_file_s_values(chat_settings: object) -> None:
    current = get_settings()
    assert isinstance(current, AppSettings)
    assert current.llm.model == "small-default"
    assert "beta" not in current.features


async def test_a_running_app_s_settings_dep_sees_the_fixture_s_change(
    chat_settings: object,
) -> None:
    async with app_client(create_app()) as client:
        assert (await client.get("/llm")).json() == {"model": "small-default"}
        chat_settings.override(llm={"model": "big"})  # type: ignore[attr-defined]
        assert (await client.get("/llm")).json() == {"model": "big"}
        chat_settings.features = {"search": True}  # type: ignore[attr-defined]
        assert (await client.get("/features")).json() == {"search": True, "voice": False}


async def test_a_running_app_s_settings_dep_sees_override_settings(
    chat_process: pytest.MonkeyPatch,
) -> None:
    async with app_client(create_app()) as client:
        with override_settings(llm={"model": "big"}):
            assert (await client.get("/llm")).json() == {"model": "big"}
        assert (await client.get("/llm")).json() == {"model": "small-default"}


async def test_get_settings_is_what_the_app_started_with_wherever_it_starts(
    chat_dir: Path, process_environment: pytest.MonkeyPatch
) -> None:
    """A directory with only settings.toml, no SETTINGS_MODEL: the app names its model itself,
    and ``get_settings()`` then returns the same object (SPEC 9)."""
    process_environment.delenv("SETTINGS_MODEL", raising=False)
    process_environment.chdir(chat_dir)
    assert sorted(os.listdir(chat_dir)) == ["settings.toml"]
    app = create_app()
    async with app_client(app) as client:
        assert (await client.get("/llm")).json() == {"model": "small-default"}
        assert get_settings() is app.state.settings
        assert isinstance(get_settings(), AppSettings)


async def test_the_framework_s_middleware_applies_the_app_s_hosts_and_cors(
    chat_process: pytest.MonkeyPatch,
) -> None:
    """An app built on the framework alone (``settings_middleware()``) answers only the hosts
    ``allowed_hosts`` lists, and overriding the list changes that at once."""
    async with app_client(create_app()) as client:
        assert (await client.get("/llm")).status_code == 200  # testserver is listed
        refused = await client.get("/llm", headers={"Host": "evil.example"})
        assert (refused.status_code, refused.text) == (400, "Invalid host header")
        with override_settings(allowed_hosts=["evil.example"]):
            assert (await client.get("/llm", headers={"Host": "evil.example"})).status_code == 200
