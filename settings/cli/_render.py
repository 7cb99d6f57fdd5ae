"""How the commands show problems: as a report, and as JSON. (Values are shown as
:mod:`settings._display` shows them.)"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from settings._errors import ImproperlyConfigured, Problem, plural

__all__ = ["counts", "problem_data", "report", "report_by_environment", "to_json"]


def to_json(data: Any) -> str:
    """Pretty JSON for ``--format json``; anything not JSON-native is shown as text."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)


def problem_data(problem: Problem) -> dict[str, Any]:
    """A problem as a JSON object (problems never hold secret values)."""
    return dataclasses.asdict(problem)


def report(problems: Sequence[Problem]) -> str:
    """The human report: the startup report when there are errors, else the list of warnings."""
    if any(problem.is_error for problem in problems):
        return ImproperlyConfigured(problems).report()
    lines = [plural(len(problems), "warning")]
    lines += [f"  {problem}".replace("\n", "\n  ") for problem in problems]
    return "\n".join(lines)


def report_by_environment(affected: Mapping[Problem, Sequence[str]]) -> str:
    """The report of several environments: each problem once, after the environments it is
    found in (``[development, testing] ERROR debug: ...``); the heading counts each once."""
    heading = report(list(affected)).partition("\n")[0]
    lines = [
        f"  [{', '.join(names)}] {problem}".replace("\n", "\n  ")
        for problem, names in affected.items()
    ]
    return "\n".join([heading, *lines])


def counts(problems: Sequence[Problem]) -> str:
    """``2 errors, 1 warning``."""
    errors = sum(problem.is_error for problem in problems)
    warnings = len(problems) - errors
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')}"
