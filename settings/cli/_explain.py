"""``explain KEY``: every layer that set a key, in precedence order, and which one won.

Works on an invalid configuration too: the layers are the loader's, whatever the validation
says, and the answer says whether the value is invalid and why.
"""

from __future__ import annotations

from typing import Any

from settings._display import derived_from, dotted_values, literal
from settings._errors import Problem
from settings._provenance import MISSING
from settings._redact import MASK, known_secrets, mask_text, mask_value
from settings._validate import quotable
from settings.cli._context import Context, UsageError
from settings.cli._loading import Built, build_for, leaf_defaults
from settings.cli._render import problem_data, report, to_json
from settings.schema import BaseSettings
from settings.schema._keys import canonical_key, computed_keys, schema_keys, unknown_key
from settings.sources._discovery import find_model

SCHEMA_DEFAULT = "schema default"
COMPUTED = "computed by the model from other settings; not settable"


class Explanation:
    """The answer for one key. Values are already masked."""

    __slots__ = ("environment", "key", "layers", "problems", "status", "value")

    def __init__(
        self,
        key: str,
        environment: str,
        layers: list[tuple[str, Any]],
        status: str,
        value: Any = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.key = key
        self.environment = environment
        self.layers = layers
        #: "valid", "invalid" or "unchecked" (the settings have errors elsewhere)
        self.status = status
        self.value = value
        self.problems: list[Problem] = [] if problems is None else problems

    def __repr__(self) -> str:
        return (
            f"Explanation(key={self.key!r}, environment={self.environment!r}, "
            f"layers={self.layers!r}, status={self.status!r}, value={self.value!r}, "
            f"problems={self.problems!r})"
        )

    @property
    def winner(self) -> int | None:
        """The index of the layer that won; none wins an invalid value."""
        return None if self.status == "invalid" or not self.layers else len(self.layers) - 1


def resolve_key(model: type[BaseSettings], raw: str) -> str:
    """The dotted key ``raw`` names (``DATABASE__PORT`` is ``database.port``); else UsageError."""
    key = canonical_key(model, raw.strip().replace("__", "."))
    if key == "environment" or unknown_key(model, key) is None or key in computed_keys(model):
        return key
    kinds = schema_keys(model)
    if kinds.get(key) == "table":
        inside = [k for k, kind in kinds.items() if k.startswith(key + ".") and kind != "table"]
        raise UsageError(f"{key} is a table; explain one of its keys: {', '.join(inside)}")
    section = derived_from(model, key)
    if section is not None:
        raise UsageError(f"{key} is composed from the other {section}.* keys; explain one")
    reason = unknown_key(model, key) or "unknown key"
    if reason.startswith("unknown key"):  # echo the input, unless it holds a URL's password
        shown = mask_text(raw)
        raise UsageError(f"unknown key {shown!r}{reason.removeprefix('unknown key')}")
    raise UsageError(f"{key}: {reason}")


def run(context: Context, raw_key: str) -> int:
    """Print the explanation; exit 1 (with the report on stderr) if the settings are invalid."""
    key = resolve_key(find_model(context.model, context.environ, context.root), raw_key)
    built = build_for(context)
    explanation = explain(built, key)
    if context.format == "json":
        context.print(to_json(_data(explanation)))
    else:
        context.print("\n".join(_text(explanation)))
    if built.ok:
        return 0
    context.complain(report(built.problems))
    return 1


def explain(built: Built, key: str) -> Explanation:
    """Every layer that set ``key`` (the schema default first) and the outcome."""
    environment = built.loaded.environment
    secrets = known_secrets(built.model, built.sources, built.settings)
    computed = key in computed_keys(built.model)
    layers = [] if computed else _layers(built, key, secrets)
    problems = [problem for problem in built.problems if _about(problem.key, key)]
    if built.settings is not None and built.ok:
        value = dotted_values(built.model, built.settings.model_dump()).get(key)
        shown = mask_value(built.model, key, value, secrets)
        layers = [(COMPUTED, shown)] if computed else layers
        return Explanation(key, environment, layers, "valid", shown)
    status = "invalid" if any(problem.is_error for problem in problems) else "unchecked"
    return Explanation(key, environment, layers, status, None, problems)


def _layers(built: Built, key: str, secrets: frozenset[str]) -> list[tuple[str, Any]]:
    model = built.model
    rows: list[tuple[str, Any]] = []
    defaults = leaf_defaults(model)
    if key in defaults:
        default = defaults[key]
        shown = default if default is MISSING else mask_value(model, key, default, secrets)
        rows.append((SCHEMA_DEFAULT, shown))
    if schema_keys(model).get(key) == "mapping":  # its entries are set one by one: by layer
        prefix = key + "."
        for layer in built.loaded.layers:
            entries = {
                k.removeprefix(prefix): v for k, v in layer.values.items() if k.startswith(prefix)
            }
            if entries:
                rows.append((layer.origin, mask_value(model, key, entries, secrets)))
        return rows
    settings = built.settings
    # The merge's history is what the validated settings carry as Sources.history.
    sources = settings.sources if settings is not None else None
    history = sources.history if sources is not None else built.history
    refused = any(problem.key == key and problem.is_error for problem in built.problems)
    for assignment in history.get(key, ()):
        shown = mask_value(model, key, assignment.value, secrets)
        # As the report quotes a refused value: not from a file (DB_PORT_FILE may name the
        # password's) nor from a variable that sets a whole table (a DATABASE_URL without a
        # host puts its password in the port).
        if refused and not quotable(model, key, assignment.value, assignment.origin, set(secrets)):
            shown = MASK
        rows.append((assignment.origin, shown))
    return rows


def _about(problem_key: str, key: str) -> bool:
    """Whether a problem concerns ``key``: the key itself, a part of it, or its table."""

    def inside(a: str, b: str) -> bool:
        return a == b or a.startswith((b + ".", b + "["))

    return inside(problem_key, key) or inside(key, problem_key)


def _text(explanation: Explanation) -> list[str]:
    lines = [f"{explanation.key} (environment {explanation.environment})"]
    width = max(len(origin) for origin, _ in explanation.layers or [("", None)])
    for index, (origin, value) in enumerate(explanation.layers, 1):
        shown = "(none: required)" if value is MISSING else literal(value)
        wins = "  <- wins" if index - 1 == explanation.winner else ""
        lines.append(f"  {index}. {origin:<{width}}  {shown}{wins}")
    if not explanation.layers:
        lines.append("  no layer sets it and the schema has no default")
    lines.append(_verdict(explanation))
    return lines


def _verdict(explanation: Explanation) -> str:
    if explanation.status == "valid":
        return f"  value: {literal(explanation.value)}"
    if explanation.status == "invalid":
        reasons = "; ".join(
            f"{problem.message} (from {problem.origin})" if problem.origin else problem.message
            for problem in explanation.problems
            if problem.is_error
        )
        return f"  value: invalid: {reasons}"
    return "  value: not validated: the settings have errors elsewhere (report on stderr)"


def _data(explanation: Explanation) -> dict[str, Any]:
    winner = explanation.winner
    return {
        "key": explanation.key,
        "environment": explanation.environment,
        "layers": [
            {"origin": origin, "value": None if value is MISSING else value, "wins": i == winner}
            for i, (origin, value) in enumerate(explanation.layers)
        ],
        "winner": None if winner is None else explanation.layers[winner][0],
        "status": explanation.status,
        "value": explanation.value,
        "problems": [problem_data(problem) for problem in explanation.problems],
    }
