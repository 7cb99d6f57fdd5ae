"""How the commands show values: masking and TOML literals."""

from __future__ import annotations

import tomllib

import pytest
from pydantic import SecretStr

from settings.cli.render import literal, mask
from settings.secrets import MASK, hide_url_password, is_secret


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text", "plain text"),
        ("http://example.com", "http://example.com"),
        ("http://user@example.com", "http://user@example.com"),
        ("http://user:pw@example.com", f"http://user:{MASK}@example.com"),
        ("postgresql://u:p@ss:w/rd?#%@db/app", f"postgresql://u:{MASK}@db/app"),
        ("postgresql://db/app?password=pw&ssl=require", f"postgresql://db/app?password={MASK}&ssl=require"),
        ("redis://:token@cache:6379/0", f"redis://:{MASK}@cache:6379/0"),
    ],
)
def test_the_password_inside_any_url_is_hidden(text: str, shown: str) -> None:
    assert hide_url_password(text) == shown


@pytest.mark.parametrize("key", ["secret_key", "database.password", "database.options.password",
                                 "database.options.api_token", "x.client_secret"])
def test_secret_keys(key: str) -> None:
    assert is_secret(key)
    assert mask(key, "value") == MASK
    assert mask(key, 12345) == MASK


def test_masking_walks_tables_and_lists() -> None:
    tree = {"password": SecretStr("pw"), "hosts": ["http://a:b@c"], "options": {"token": "t"}}
    assert mask("", tree) == {"password": MASK, "hosts": [f"http://a:{MASK}@c"],
                              "options": {"token": MASK}}


def test_an_empty_or_missing_secret_is_shown_as_it_is() -> None:
    assert mask("database.password", SecretStr("")) == ""
    assert mask("database.password", "") == ""
    assert mask("database.password", None) is None


@pytest.mark.parametrize(
    "value",
    [True, 5432, 5.0, 'text "quoted", \\ and \n', ["a", "b"], [], {}, {"a b": "c", "d": "e"}],
)
def test_literals_are_toml(value: object) -> None:
    assert tomllib.loads(f"x = {literal(value)}")["x"] == value
