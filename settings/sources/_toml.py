"""The three TOML files: read, parsed, and their tables checked against the schema.

A syntax error names the file, line and column; a UTF-8 byte-order mark is accepted. Keys are
case-insensitive, as in Dynaconf, so two spellings of one key are an error. A key the schema does
not know is an error naming it, its file and its table, in every table, inactive ones included.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from settings._errors import ImproperlyConfigured, Problem
from settings.merge._markers import Replace, Unset
from settings.schema._keys import schema_keys, unknown_key
from settings.sources._files import MissingFileError, read_regular_file
from settings.sources._marks import MERGE_KEYS, UNIQUE_KEY

SETTINGS_FILE = "settings.toml"
OPTIONAL_FILES = (".secrets.toml", "settings.local.toml")
LOCAL_FILE = "settings.local.toml"
SPECIAL_TABLES = ("default", "global")
#: A settings file larger than this is refused, never read whole.
MAX_TOML_BYTES = 1024 * 1024
#: Tables and lists nested deeper than this are refused: no setting needs it, and the parser and
#: every later walk over the values would exhaust the interpreter's stack on a hostile file.
MAX_DEPTH = 32

#: A file's tables, by lower-case name: ``{"default": {...}, "production": {...}}``.
Document = dict[str, Any]


def read_files(root: Path) -> dict[str, Document]:
    """Every file by name, in precedence order (an optional file that is missing is empty).

    Raises :class:`ImproperlyConfigured` when ``settings.toml`` is missing or a file cannot be
    read or parsed, naming every such file at once.
    """
    path = root / SETTINGS_FILE
    if not path.is_file():
        message = f"{path.resolve()} not found; settings.toml is required"
        raise ImproperlyConfigured([Problem("settings", message, SETTINGS_FILE)])
    documents: dict[str, Document] = {}
    errors: list[Problem] = []
    for name in (SETTINGS_FILE, *OPTIONAL_FILES):
        try:
            documents[name] = _read_toml(root / name, required=name == SETTINGS_FILE)
        except ValueError as exc:
            errors.append(Problem("settings", str(exc), name))
            documents[name] = {}
    if errors:
        raise ImproperlyConfigured(errors)
    return documents


def _read_toml(path: Path, *, required: bool) -> Document:
    try:
        raw = read_regular_file(path, limit=MAX_TOML_BYTES)
    except MissingFileError:
        if required:
            raise ValueError(f"{path} not found") from None
        return {}
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
        document = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name} is not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path.name}: invalid TOML: {exc}") from None
    except RecursionError:  # the parser recurses once per level of [[[... or { a = { ...
        document = None
    if document is None or _depth_exceeds(document, MAX_DEPTH):
        raise ValueError(f"{path.name}: values are nested more than {MAX_DEPTH} levels deep")
    return _lower_keys(document, path.name, "")


def _depth_exceeds(document: dict[str, Any], limit: int) -> bool:
    """Whether tables and lists nest deeper than ``limit``; a walk without recursion."""
    pending: list[tuple[Any, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending += [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    return False


def _lower_keys(table: dict[str, Any], file: str, where: str) -> dict[str, Any]:
    """Keys are case-insensitive, as in Dynaconf; two spellings of one key are an error."""
    lowered: dict[str, Any] = {}
    for key, value in table.items():
        name = key.lower()
        if name in lowered:
            raise ValueError(f"{file}: {where}{key} is set twice (keys are case-insensitive)")
        if isinstance(value, dict):
            value = _lower_keys(value, file, f"{where}{name}.")
        lowered[name] = value
    return lowered


def environment_names(settings_toml: Document) -> list[str]:
    """The environments ``settings.toml`` defines: its tables other than ``[default]`` and
    ``[global]``. A value outside any table (``debug = true``, ``dynaconf_merge = true``) is
    not one."""
    return sorted(
        name
        for name, values in settings_toml.items()
        if isinstance(values, dict) and name not in SPECIAL_TABLES
    )


def environment_tables(
    file: str, document: Document, environments: list[str]
) -> tuple[dict[str, dict[str, Any]], list[Problem]]:
    """The tables of ``file`` that are environments (``[default]`` and ``[global]`` included);
    a value outside any table and a table of an unknown environment are problems."""
    tables: dict[str, dict[str, Any]] = {}
    problems = []
    for table, values in document.items():
        if table in MERGE_KEYS and isinstance(values, bool):
            if table == MERGE_KEYS[1]:
                problems.append(Problem(table, UNIQUE_KEY, file))
            continue  # dynaconf_merge = true|false for the whole file
        if not isinstance(values, dict):
            message = "is outside any table; put it under [default] or an environment"
            problems.append(Problem(table, message, file))
        elif table not in environments and table not in SPECIAL_TABLES:
            known = ", ".join([*SPECIAL_TABLES, *environments])
            message = f"unknown environment table [{table}]; settings.toml defines: {known}"
            problems.append(Problem(table, message, file))
        else:
            tables[table] = values
    return tables, problems


def unknown_keys(values: Mapping[str, Any], model: type[BaseModel]) -> list[tuple[str, str]]:
    """(key, why) for every key of a table's flat ``values`` that the schema cannot take.

    ``@del`` and a replaced table may name a whole table (``database.pool = "@del"``).
    """
    found = []
    for key, value in values.items():
        whole_table = isinstance(value, Unset | Replace) and schema_keys(model).get(key) == "table"
        reason = None if whole_table else unknown_key(model, key)
        if reason is not None:
            found.append((key, reason))
        elif isinstance(value, Replace):
            found += unknown_keys({f"{key}.{k}": v for k, v in value.values.items()}, model)
    return found
