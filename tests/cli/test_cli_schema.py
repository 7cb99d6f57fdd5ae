"""``schema``: the JSON Schema of settings.toml (the committed ``settings.schema.json`` is generated
from it: tests/test_generated_documents.py)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app.config import AppSettings
from settings.schema._keys import schema_keys
from tests.support.cli import Run

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def schema(cli: Run) -> dict[str, Any]:
    """The schema of the reference application's model (the one pyproject.toml names)."""
    result = cli("schema", root=None)
    assert (result.code, result.err) == (0, "")
    return json.loads(result.out)


def test_the_schema_does_not_depend_on_the_configuration(
    cli: Run, settings_dir: Path, schema: dict[str, Any]
) -> None:
    (settings_dir / "settings.toml").write_text("[default]\nbroken = ")
    result = cli("schema", "--env", "anything", "--model", "app.config:AppSettings")
    assert (result.code, result.err) == (0, "")
    assert json.loads(result.out) == schema


def test_wrong_usage_exits_2(cli: Run) -> None:
    assert cli("schema", "extra", root=None).code == 2


def test_it_knows_exactly_the_keys_the_loader_accepts(schema: dict[str, Any]) -> None:
    def keys(definition: dict[str, Any], prefix: str) -> dict[str, str]:
        found = {}
        for name, prop in definition["properties"].items():
            if "$ref" in prop:
                found[prefix + name] = "table"
                found.update(keys(_resolve(schema, prop), f"{prefix}{name}."))
            else:
                object_schema = prop.get("anyOf", [prop])[0]
                is_mapping = object_schema.get("type") == "object"
                found[prefix + name] = "mapping" if is_mapping else "leaf"
        return found

    expected = {k: v for k, v in schema_keys(AppSettings).items() if k != "environment"}
    assert keys(_resolve(schema, schema["properties"]["default"]), "") == expected


def test_every_table_is_the_same_all_optional_settings(schema: dict[str, Any]) -> None:
    table = schema["properties"]["default"]
    assert schema["properties"]["global"] == table
    assert schema["additionalProperties"] == table  # any environment name
    assert "required" not in json.dumps(schema)


def test_defaults_descriptions_and_types(schema: dict[str, Any]) -> None:
    table = _resolve(schema, schema["properties"]["default"])
    database = _resolve(schema, table["properties"]["database"])
    port = database["properties"]["port"]
    assert port["default"] == 5432
    assert port["description"] == "TCP port (PostgreSQL)."
    assert {"type": "integer", "minimum": 1, "maximum": 65535} in port["anyOf"]
    assert table["properties"]["allowed_hosts"]["default"] == ["localhost", "127.0.0.1"]
    assert not _keywords(schema) & {"ge", "le", "gt", "lt"}  # JSON Schema spells them out


def _keywords(node: Any) -> set[str]:
    if isinstance(node, list):
        return set().union(*map(_keywords, node))
    if isinstance(node, dict):
        return set(node) | set().union(*map(_keywords, node.values()))
    return set()


@pytest.mark.parametrize("name", ["settings.toml", ".secrets.toml.example"])
def test_the_repository_s_files_are_valid(schema: dict[str, Any], name: str) -> None:
    document = tomllib.loads((REPO / name).read_text())
    assert _errors(schema, schema, document, name) == []


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"default": {"databse": {}}}, "$.default.databse: unknown key"),
        ({"production": {"database": {"hots": "x"}}}, "$.production.database.hots: unknown key"),
        ({"default": {"environment": "production"}}, "$.default.environment: unknown key"),
        ({"default": {"database": {"port": 0}}}, "$.default.database.port: no alternative fits"),
        ({"default": {"log_level": "loud"}}, "$.default.log_level: no alternative fits"),
        ({"default": {"debug": "yes"}}, "$.default.debug: no alternative fits"),
    ],
)
def test_mistakes_are_caught(schema: dict[str, Any], document: Any, error: str) -> None:
    assert _errors(schema, schema, document, "$") == [error]


def test_dynaconf_tokens_are_accepted_where_text_is_not(schema: dict[str, Any]) -> None:
    document = {"default": {"database": {"port": "@int 5433"}, "debug": "@bool true"}}
    assert _errors(schema, schema, document, "$") == []


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].rpartition("/")[2]]
    return node


_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def _errors(schema: dict[str, Any], node: dict[str, Any], value: Any, path: str) -> list[str]:
    """Just enough JSON Schema to check TOML documents against ours, as an editor would."""
    node = _resolve(schema, node)
    if "anyOf" in node:
        fits = any(not _errors(schema, option, value, path) for option in node["anyOf"])
        return [] if fits else [f"{path}: no alternative fits"]
    expected = _TYPES.get(node.get("type", ""), object)
    if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
        return [f"{path}: not {node['type']}"]
    if "enum" in node and value not in node["enum"]:
        return [f"{path}: not one of {node['enum']}"]
    if "minimum" in node and value < node["minimum"]:
        return [f"{path}: below the minimum"]
    if "pattern" in node and not re.match(node["pattern"], value):
        return [f"{path}: does not match"]
    errors = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = node.get("properties", {}).get(key, node.get("additionalProperties", {}))
            if child is False:
                errors.append(f"{path}.{key}: unknown key")
            else:
                errors += _errors(schema, child, item, f"{path}.{key}")
    if isinstance(value, list):
        for index, item in enumerate(value):
            errors += _errors(schema, node.get("items", {}), item, f"{path}[{index}]")
    return errors


def test_a_url_password_in_a_model_default_is_masked(cli: Run, settings_dir: Path) -> None:
    """Defaults written in an application's model reach the schema; a URL's password in one
    (RedisDsn, AnyUrl, a str DSN) never does (issue 16, item 4)."""
    (settings_dir / "dsn_model.py").write_text(
        "from pydantic import AnyUrl, RedisDsn\n"
        "from settings import Settings\n\n"
        "class DsnSettings(Settings):\n"
        '    cache: RedisDsn = RedisDsn("redis://:cache-pw-4417@cache:6379/0")\n'
        '    broker: AnyUrl = AnyUrl("amqp://app:broker-pw-4417@mq/")\n'
        '    search: str = "https://elastic:search-pw-4417@search:9200"\n'
    )

    result = cli("schema", "--model", "dsn_model:DsnSettings")

    assert result.code == 0
    assert "pw-4417" not in result.out
    assert "redis://:**********@cache:6379/0" in result.out
