"""Collections, mappings and tables from a variable's text (SPEC 13): JSON or commas."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest
from pydantic import AnyHttpUrl, Field

from settings import BaseSettings, ImproperlyConfigured, Section, load_settings


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Limits(Section):
    rate: int = 1
    burst: int = 2


class Plain(BaseSettings):
    names: list[str] = Field(default_factory=list)
    ports: tuple[int, ...] = ()
    flags: set[bool] = Field(default_factory=set)
    colors: frozenset[Color] = frozenset()
    urls: list[AnyHttpUrl] | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    limits: Limits = Limits()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "settings.toml").write_text("[default]\n[development]\n")
    return tmp_path


@pytest.mark.parametrize(
    ("variable", "text", "field", "expected"),
    [
        ("APP_NAMES", " a , , b ", "names", ["a", "b"]),
        ("APP_NAMES", '["a", " b "]', "names", ["a", "b"]),
        ("APP_PORTS", "80,443", "ports", (80, 443)),
        ("APP_PORTS", "[80, 443]", "ports", (80, 443)),
        ("APP_FLAGS", "true,false", "flags", {True, False}),
        ("APP_COLORS", "red,blue", "colors", frozenset({Color.RED, Color.BLUE})),
        ("APP_LABELS", '{"team": "core"}', "labels", {"team": "core"}),
    ],
)
def test_a_collection_or_mapping_field_takes_json_or_comma_text(
    root: Path, variable: str, text: str, field: str, expected: object
) -> None:
    settings = load_settings(root=root, model=Plain, environ={variable: text})

    assert getattr(settings, field) == expected


def test_an_optional_list_of_urls_takes_comma_text(root: Path) -> None:
    environ = {"APP_URLS": "https://a.example,https://b.example"}

    settings = load_settings(root=root, model=Plain, environ=environ)

    assert [str(url) for url in settings.urls or []] == ["https://a.example/", "https://b.example/"]


def test_a_table_takes_a_json_object_and_keeps_what_lower_layers_give(root: Path) -> None:
    (root / "settings.toml").write_text("[default.limits]\nburst = 9\n[development]\n")

    settings = load_settings(root=root, model=Plain, environ={"APP_LIMITS": '{"rate": 5}'})

    assert (settings.limits.rate, settings.limits.burst) == (5, 9)


@pytest.mark.parametrize(
    ("variable", "text", "message"),
    [
        ("APP_PORTS", "[80,", "is not a valid JSON array"),
        ("APP_LABELS", "team=core", "is a table; give a JSON object or set its keys"),
        ("APP_LIMITS", '["not", "an", "object"]', "is a table; give a JSON object"),
        ("APP_LIMITS", '{"rate": 5, "nope": 1}', "limits.nope: unknown key"),
    ],
)
def test_text_a_field_cannot_take_is_an_error_that_does_not_quote_it(
    root: Path, variable: str, text: str, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        load_settings(root=root, model=Plain, environ={variable: text})

    assert message in str(caught.value)
    assert text not in str(caught.value)


def test_a_json_object_given_to_a_list_is_an_error_not_one_item(root: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="not a JSON object"):
        load_settings(root=root, model=Plain, environ={"APP_NAMES": '{"a": 1}'})


class Upper(BaseSettings):
    PROJECT_NAME: str = "x"


def test_did_you_mean_compares_in_any_case(root: Path) -> None:
    (root / "settings.toml").write_text('[default]\nproject_nme = "y"\n[development]\n')

    with pytest.raises(ImproperlyConfigured, match=r"did you mean PROJECT_NAME\?"):
        load_settings(root=root, model=Upper, environ={})
