"""How the commands show values: masking and TOML literals."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import SecretStr

from settings import Settings
from settings._display import literal
from settings._redact import MASK, is_secret, mask_text, mask_value


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("http://example.com", "http://example.com"),
        ("http://user@example.com", "http://user@example.com"),
        ("http://user:pw@example.com", f"http://user:{MASK}@example.com"),
        ("postgresql://u:p@ss:w/rd?#%@db/app", f"postgresql://u:{MASK}@db/app"),
        (
            "postgresql://db/app?password=pw&ssl=require",
            f"postgresql://db/app?password={MASK}&ssl=require",
        ),
        ("redis://:token@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
    ],
)
def test_the_password_inside_any_url_is_hidden(text: str, shown: str) -> None:
    assert mask_text(text) == shown


NO_SECRETS: frozenset[str] = frozenset()


@pytest.mark.parametrize("key", ["secret_key", "database.password"])
def test_keys_typed_secret_are_masked(key: str) -> None:
    assert is_secret(Settings, key)
    assert mask_value(Settings, key, "value", NO_SECRETS) == MASK
    assert mask_value(Settings, key, 12345, NO_SECRETS) == MASK


@pytest.mark.parametrize("key", ["database.username", "database.options.token", "debug"])
def test_keys_not_typed_secret_are_shown(key: str) -> None:
    assert not is_secret(Settings, key)
    assert mask_value(Settings, key, "value", NO_SECRETS) == "value"


def test_masking_walks_tables_and_lists() -> None:
    tree = {"password": SecretStr("pw"), "hosts": ["http://a:b@c"], "copy": "pw-copied"}
    assert mask_value(Settings, "database", tree, frozenset({"pw-copied"})) == {
        "password": MASK,
        "hosts": [f"http://a:{MASK}@c"],
        "copy": MASK,
    }


def test_an_empty_or_missing_secret_is_shown_as_it_is() -> None:
    assert mask_value(Settings, "database.password", SecretStr(""), NO_SECRETS) == ""
    assert mask_value(Settings, "database.password", "", NO_SECRETS) == ""
    assert mask_value(Settings, "database.password", None, NO_SECRETS) is None


@pytest.mark.parametrize(
    "value",
    [True, 5432, 5.0, 'text "quoted", \\ and \n', ["a", "b"], [], {}, {"a b": "c", "d": "e"}],
)
def test_literals_are_toml(value: object) -> None:
    assert tomllib.loads(f"x = {literal(value)}")["x"] == value
