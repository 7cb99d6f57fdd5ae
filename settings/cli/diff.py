"""``diff ENV_A [ENV_B]``: the keys whose values differ, sorted; secrets compared, then masked.

Without ``ENV_B`` the other side is the schema's defaults. Both sides read the same files and
variables, so a variable that sets a key for every environment shows no difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from settings.cli.context import Context
from settings.cli.loading import leaf_defaults, load_unchecked
from settings.cli.render import dotted_values, literal, load_secrets, mask, report, to_json
from settings.errors import ImproperlyConfigured
from settings.missing import MISSING
from settings.schema import Settings

DEFAULTS = "schema defaults"
_MAX_WIDTH = 56


def run(context: Context, env_a: str, env_b: str | None) -> int:
    """Print the differing keys; exit 0 whether or not there are any, 1 if a side is invalid."""
    loaded = _load([env_a] if env_b is None else [env_a, env_b], context)
    if loaded is None:
        return 1
    model = type(loaded[0])
    secrets = load_secrets(model, None, *loaded)
    for settings in loaded:
        secrets |= load_secrets(model, settings.sources)
    sides = [(settings.environment, _values(model, settings.model_dump())) for settings in loaded]
    if env_b is None:
        sides.append((DEFAULTS, _values(model, leaf_defaults(model), flat=True)))
    (name_a, a), (name_b, b) = sides
    rows = differences(model, a, b, secrets)
    if context.format == "json":
        found = [{"key": key, "a": va, "b": vb} for key, va, vb in rows]
        context.print(to_json({"a": name_a, "b": name_b, "differences": found}))
    else:
        context.print(_table(name_a, name_b, rows))
    return 0


def differences(
    model: type[Settings], a: Mapping[str, Any], b: Mapping[str, Any], secrets: frozenset[str]
) -> list[tuple[str, Any, Any]]:
    """``(key, a's value, b's value)`` for each key that differs, sorted, values masked."""
    keys = sorted(k for k in a.keys() | b.keys() if a.get(k, MISSING) != b.get(k, MISSING))

    def shown(key: str, value: Any) -> Any:
        return None if value is MISSING else mask(model, key, value, secrets)

    return [(k, shown(k, a.get(k, MISSING)), shown(k, b.get(k, MISSING))) for k in keys]


def _load(envs: list[str], context: Context) -> list[Settings] | None:
    """Each environment's settings, or ``None`` once every invalid one is reported."""
    sides: list[Settings] = []
    for env in envs:
        try:
            sides.append(load_unchecked(context, env))
        except ImproperlyConfigured as exc:
            context.complain(f"{env}: {report(exc.problems)}")
    return sides if len(sides) == len(envs) else None


def _values(
    model: type[Settings], tree: Mapping[str, Any], *, flat: bool = False
) -> dict[str, Any]:
    values = dict(tree) if flat else dotted_values(model, tree)
    values.pop("environment", None)  # differs by definition
    return values


def _table(name_a: str, name_b: str, rows: list[tuple[str, Any, Any]]) -> str:
    if not rows:
        return f"no differences between {name_a} and {name_b}"
    cells = [("key", name_a, name_b)] + [(k, literal(a), literal(b)) for k, a, b in rows]
    key_width = max(len(row[0]) for row in cells)
    a_width = min(max(len(row[1]) for row in cells), _MAX_WIDTH)
    return "\n".join(f"{k:<{key_width}}  {a:<{a_width}}  {b}".rstrip() for k, a, b in cells)
