"""``diff ENV_A [ENV_B]``: the keys whose values differ, sorted; secrets compared, then masked.

Without ``ENV_B`` the other side is the schema's defaults. Both sides read the same files and
variables, so a variable that sets a key for every environment shows no difference.

``diff --against saved.json`` compares the current settings (``--env``, else the active
environment) with a file saved earlier by ``show --format json``: a deploy pipeline's "what
changes" step. That file holds secrets masked, so a secret is compared honestly: empty on one
side and set on the other is a difference; set on both sides is *unknown*, listed apart, since
the saved file cannot say whether it changed (the fingerprint, which ``show`` prints, can). The
same holds for a URL whose only masked part is its password.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from settings._display import derived_from, dotted_values, literal, masked_tree
from settings._errors import ImproperlyConfigured
from settings._provenance import MISSING
from settings._redact import MASK, known_secrets, mask_value
from settings.cli._context import Context, UsageError
from settings.cli._loading import leaf_defaults, load_unchecked
from settings.cli._render import report, to_json
from settings.schema import BaseSettings
from settings.schema._keys import computed_keys
from settings.sources._files import MissingFileError, read_regular_file
from settings.sources._toml import MAX_DEPTH, depth_exceeds

DEFAULTS = "schema defaults"
_MAX_WIDTH = 56
_MAX_SAVED_BYTES = 16 * 1024 * 1024
#: How deep a saved file may nest: a settings file's tables nest :data:`MAX_DEPTH` levels at
#: most, and a value inside the deepest may hold lists and tables of its own.
_MAX_SAVED_DEPTH = 2 * MAX_DEPTH


def run(context: Context, env_a: str, env_b: str | None) -> int:
    """Print the differing keys; exit 0 whether or not there are any, 1 if a side is invalid."""
    loaded = _load([env_a] if env_b is None else [env_a, env_b], context)
    if loaded is None:
        return 1
    model = type(loaded[0])
    secrets = known_secrets(model, None, *loaded)
    for settings in loaded:
        secrets |= known_secrets(model, settings.sources)
    sides = [(settings.environment, _values(model, settings.model_dump())) for settings in loaded]
    if env_b is None:
        sides.append((DEFAULTS, _values(model, leaf_defaults(model), flat=True)))
    (name_a, a), (name_b, b) = sides
    rows = differences(model, a, b, secrets)
    computed = computed_keys(model)
    if context.format == "json":
        found = [
            {"key": key, "a": va, "b": vb, **({"computed": True} if key in computed else {})}
            for key, va, vb in rows
        ]
        context.print(to_json({"a": name_a, "b": name_b, "differences": found}))
    else:
        marked = [(f"{k} (computed)" if k in computed else k, a, b) for k, a, b in rows]
        context.print(_table(name_a, name_b, marked))
    return 0


def differences(
    model: type[BaseSettings], a: Mapping[str, Any], b: Mapping[str, Any], secrets: frozenset[str]
) -> list[tuple[str, Any, Any]]:
    """``(key, a's value, b's value)`` for each key that differs, sorted, values masked."""
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k, MISSING) != b.get(k, MISSING))

    def shown(key: str, value: Any) -> Any:
        return None if value is MISSING else mask_value(model, key, value, secrets)

    return [(k, shown(k, a.get(k, MISSING)), shown(k, b.get(k, MISSING))) for k in keys]


def _load(envs: list[str], context: Context) -> list[BaseSettings] | None:
    """Each environment's settings, or ``None`` once every invalid one is reported."""
    sides: list[BaseSettings] = []
    for env in envs:
        try:
            sides.append(load_unchecked(context, env))
        except ImproperlyConfigured as exc:
            context.complain(f"{env}: {report(exc.problems)}")
    return sides if len(sides) == len(envs) else None


def _values(
    model: type[BaseSettings], tree: Mapping[str, Any], *, flat: bool = False
) -> dict[str, Any]:
    values = dict(tree) if flat else dotted_values(model, tree)
    for key in [k for k in values if k.lower() == "environment"]:
        del values[key]  # differs by definition
    return values


def _table(name_a: str, name_b: str, rows: list[tuple[str, Any, Any]]) -> str:
    if not rows:
        return f"no differences between {name_a} and {name_b}"
    cells = [("key", name_a, name_b)] + [(k, literal(a), literal(b)) for k, a, b in rows]
    key_width = max(len(row[0]) for row in cells)
    a_width = min(max(len(row[1]) for row in cells), _MAX_WIDTH)
    return "\n".join(f"{k:<{key_width}}  {a:<{a_width}}  {b}".rstrip() for k, a, b in cells)


def run_against(context: Context, path: Path) -> int:
    """Print how the current settings differ from those saved in ``path`` by ``show --format
    json``; exit 0 whether or not they differ, 1 if the current ones are invalid."""
    saved_tree = _saved(path)
    try:
        current = load_unchecked(context)
    except ImproperlyConfigured as exc:
        context.complain(report(exc.problems))
        return 1
    model = type(current)
    saved = dotted_values(model, saved_tree)
    now = dotted_values(model, masked_tree(current))
    # A composed URL (database.url): its masked password is database.password's, compared there.
    derived = frozenset(key for key in now if derived_from(model, key) is not None)
    rows, unknown = against(saved, now, derived)
    name_a, name_b = str(path), current.environment
    if context.format == "json":
        found = [{"key": key, "a": va, "b": vb} for key, va, vb in rows]
        data = {"a": name_a, "b": name_b, "differences": found, "unknown": unknown}
        context.print(to_json(data))
        return 0
    lines = [_table(name_a, name_b, rows)]
    if unknown:
        lines.append(f"unknown (masked in {name_a}, set on both sides): {', '.join(unknown)}")
    context.print("\n".join(lines))
    return 0


def against(
    saved: Mapping[str, Any], current: Mapping[str, Any], derived: frozenset[str] = frozenset()
) -> tuple[list[tuple[str, Any, Any]], list[str]]:
    """The differing keys (both sides as shown, masked), and the keys that cannot be compared:
    masked on both sides, unless ``derived`` from keys compared on their own."""
    rows, unknown = [], []
    for key in sorted(saved.keys() | current.keys()):
        a, b = saved.get(key, MISSING), current.get(key, MISSING)
        if a != b:
            rows.append((key, None if a is MISSING else a, None if b is MISSING else b))
        elif key not in derived and _masked(b):
            unknown.append(key)
    return rows, unknown


def _masked(value: Any) -> bool:
    if isinstance(value, str):
        return MASK in value
    if isinstance(value, Mapping):
        return any(_masked(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(_masked(item) for item in value)
    return False


def _saved(path: Path) -> dict[str, Any]:
    """The settings tree of a ``show --format json`` file; a UsageError saying what is wrong."""
    try:
        raw = read_regular_file(path, limit=_MAX_SAVED_BYTES)
    except MissingFileError:
        raise UsageError(f"--against: {path} not found") from None
    except ValueError as exc:
        raise UsageError(f"--against: {exc}") from None
    try:
        tree = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--against {path}: not JSON ({exc})") from None
    except RecursionError:
        raise UsageError(
            f"--against {path}: nested deeper than the JSON parser goes, not a file saved by "
            "show --format json"
        ) from None
    if not isinstance(tree, dict):
        raise UsageError(f"--against {path}: not a JSON object saved by show --format json")
    if depth_exceeds(tree, _MAX_SAVED_DEPTH):
        raise UsageError(
            f"--against {path}: nested more than {_MAX_SAVED_DEPTH} levels, not a file saved "
            "by show --format json"
        )
    return tree
