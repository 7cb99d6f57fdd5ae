"""Sections inside a ``list[...]`` or ``dict[str, ...]`` field, set from the files: an array of
tables (``[[default.endpoints]]``) and tables under a dict (``[default.replicas.eu]``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field

from settings._load import build
from settings.schema import BaseSettings, Section


class Endpoint(Section):
    url: str
    weight: int = 1


class WithContainers(BaseSettings):
    endpoints: list[Endpoint] = Field(default=[])
    replicas: dict[str, Endpoint] = Field(default={})
    fallbacks: list[Endpoint] | None = None


def load(root: Path, files: dict[str, str], env: str = "development") -> object:
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return build(env, root, {}, WithContainers)


def test_an_array_of_tables_loads_and_validates(tmp_path: Path) -> None:
    built = load(
        tmp_path,
        {
            "settings.toml": '[default]\n[[default.endpoints]]\nurl = "a"\n'
            '[[default.endpoints]]\nURL = "b"\nweight = "@int 3"\n'
            '[[default.fallbacks]]\nurl = "f"\n[development]\n'
        },
    )

    assert built.problems == []
    assert built.settings.endpoints == [Endpoint(url="a"), Endpoint(url="b", weight=3)]
    assert built.settings.fallbacks == [Endpoint(url="f")]
    assert built.sources.origin("endpoints") == "settings.toml [default]"


def test_tables_under_a_dict_merge_key_by_key_across_layers(tmp_path: Path) -> None:
    built = load(
        tmp_path,
        {
            "settings.toml": '[default.replicas.eu]\nurl = "eu"\n[default.replicas.us]\n'
            'url = "us"\n[development.replicas.eu]\nweight = 5\n',
        },
    )

    assert built.problems == []
    assert built.settings.replicas == {
        "eu": Endpoint(url="eu", weight=5),
        "us": Endpoint(url="us"),
    }
    assert built.sources.origin("replicas.eu.weight") == "settings.toml [development]"


@pytest.mark.parametrize(
    ("toml", "key", "origin"),
    [
        (
            '[default]\n[[default.endpoints]]\nurl = "a"\n[[default.endpoints]]\nulr = "b"\n'
            "[development]\n",
            "endpoints[1].ulr",
            "settings.toml [default]",
        ),
        (
            '[default]\n[development.replicas.eu]\nurl = "eu"\nwieght = 2\n[production]\n',
            "replicas.eu.wieght",
            "settings.toml [development]",
        ),
        (  # a table never loaded is checked too, as every table is
            '[default]\n[development]\n[[production.endpoints]]\nurl = "a"\nbogus = 1\n',
            "endpoints[0].bogus",
            "settings.toml [production]",
        ),
    ],
)
def test_an_unknown_key_inside_is_reported_like_one_in_a_section(
    tmp_path: Path, toml: str, key: str, origin: str
) -> None:
    built = load(tmp_path, {"settings.toml": toml})

    [problem] = [p for p in built.problems if p.key == key]
    assert problem.origin == origin
    assert problem.message.startswith("unknown key")


def test_an_invalid_value_inside_names_the_item_and_the_file_it_came_from(tmp_path: Path) -> None:
    built = load(
        tmp_path,
        {
            "settings.toml": "[default]\n[development]\n",
            ".secrets.toml": '[default]\n[[default.endpoints]]\nurl = "a"\nweight = "heavy"\n',
        },
    )

    assert [(p.key, p.origin) for p in built.problems] == [
        ("endpoints[0].weight", ".secrets.toml [default]")
    ]
