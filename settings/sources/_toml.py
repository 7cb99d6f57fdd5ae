"""The three TOML files: read, parsed, and their tables checked against the schema.

A syntax error names the file, line and column; a UTF-8 byte-order mark is accepted. Keys are
case-insensitive, as in Dynaconf, so two spellings of one key are an error. A key the schema does
not know is an error naming it, its file and its table, in every table, inactive ones included.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from settings._errors import ImproperlyConfigured, Problem
from settings.merge import flatten
from settings.merge._markers import Replace, Unset
from settings.schema._keys import model_of, schema_keys, unknown_key
from settings.sources._files import MissingFileError, read_regular_file
from settings.sources._marks import MERGE_KEYS, UNIQUE_KEY

SETTINGS_FILE = "settings.toml"
#: The git-ignored file of secrets (Dynaconf's name).
SECRETS_FILE = ".secrets.toml"
LOCAL_FILE = "settings.local.toml"
OPTIONAL_FILES = (SECRETS_FILE, LOCAL_FILE)
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
    if document is None or depth_exceeds(document, MAX_DEPTH):
        raise ValueError(f"{path.name}: values are nested more than {MAX_DEPTH} levels deep")
    return _lower_keys(document, path.name, "")


def depth_exceeds(document: dict[str, Any], limit: int) -> bool:
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
        lowered[name] = _lower_inside(value, file, f"{where}{name}")
    return lowered


def _lower_inside(value: Any, file: str, where: str) -> Any:
    """The tables in ``value`` with lower-case keys, those in lists too (``[[default.items]]``)."""
    if isinstance(value, dict):
        return _lower_keys(value, file, f"{where}.")
    if isinstance(value, list):
        return [_lower_inside(item, file, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


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
    """The tables of ``file`` (``[default]`` and ``[global]`` included); a value outside any
    table is an error.

    A table in ``.secrets.toml`` or ``settings.local.toml`` naming an environment that
    ``settings.toml`` does not define (``[qa]``) is never loaded, as in Dynaconf, and is a
    warning, which names the closest environment; its keys are still checked, as those of
    every table that is not loaded. Such a table cannot be in ``settings.toml``: its tables
    define the environments.
    """
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
        else:
            tables[table] = values
            if table not in environments and table not in SPECIAL_TABLES:
                problems.append(_unknown_environment(table, file, environments))
    return tables, problems


def _unknown_environment(table: str, file: str, environments: list[str]) -> Problem:
    import difflib  # only for a table no environment has: a clean load never needs it

    close = difflib.get_close_matches(table, environments, n=1)
    hint = f"; did you mean [{close[0]}]?" if close else ""
    known = ", ".join(environments) or "none"
    message = (
        f"is not an environment settings.toml defines ({known}); this table is never loaded{hint}"
    )
    # The key is the table in brackets: a setting of the same name is still validated.
    return Problem(f"[{table}]", message, file, severity="warning")


def unknown_keys(
    values: Mapping[str, Any], model: type[BaseModel], where: str = ""
) -> list[tuple[str, str]]:
    """(key, why) for every key of a table's flat ``values`` that the schema cannot take, the
    keys of the sections inside lists and dicts (``[[default.items]]``) included.

    ``@del`` and a replaced table may name a whole table (``database.pool = "@del"``).
    ``where`` prefixes the keys reported (``items[0].``).
    """
    found = []
    for key, value in values.items():
        whole_table = isinstance(value, Unset | Replace) and schema_keys(model).get(key) == "table"
        reason = None if whole_table else unknown_key(model, key)
        if reason is not None:
            found.append((where + key, reason))
        elif isinstance(value, Replace):
            inner = {f"{key}.{k}": v for k, v in value.values.items()}
            found += unknown_keys(inner, model, where)
        else:
            found += _unknown_in_items(model, key, value, where + key)
    return found


def _unknown_in_items(
    model: type[BaseModel], key: str, value: Any, shown: str
) -> list[tuple[str, str]]:
    """(key, why) for each key that a section inside a ``list[Section]`` or
    ``dict[str, Section]`` field cannot take: ``items[0].bogus``, ``things.x.bogus``."""
    parts = key.split(".")
    for index, part in enumerate(parts):
        info = model.model_fields.get(part)
        if info is None:
            return []
        if (nested := model_of(info.annotation)) is not None:
            model = nested
            continue
        container, item = _container(info.annotation)
        rest = parts[index + 1 :]
        if container is dict and item is not None and len(rest) > 1:  # things.<name>.<key>
            relative = ".".join(rest[1:])
            reason = unknown_key(item, relative)
            if reason is not None:
                return [(shown, reason)]
            return _unknown_in_items(item, relative, value, shown)
        if container is list and item is not None and not rest and isinstance(value, list):
            found = []
            for position, entry in enumerate(value):
                inner = flatten(entry) if isinstance(entry, dict) else {}
                found += unknown_keys(inner, item, f"{shown}[{position}].")
            return found
        return []
    return []


def _container(annotation: Any) -> tuple[Any, type[BaseModel] | None]:
    """(``list`` or ``dict``, the section of its items) for ``list[Item]``, ``dict[str, Item]``
    (optional or not); (``None``, ``None``) for anything else."""
    for candidate in (annotation, *get_args(annotation)):
        origin = get_origin(candidate)
        if origin in (list, dict):
            item = get_args(candidate)[-1]
            if isinstance(item, type) and issubclass(item, BaseModel):
                return origin, item
    return None, None
