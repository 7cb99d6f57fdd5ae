"""The one error type of the settings framework, and the problems it carries.

    Exception
     └── ImproperlyConfigured      every configuration problem, all of them at once
           .problems: list[Problem]

A :class:`Problem` names the dotted key it is about, says what is wrong, and where the
offending value came from. A check's problem also carries a stable ``id`` (``security.E002``)
and a one-line ``hint`` saying what to change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration. Never holds a secret value."""

    key: str
    message: str
    origin: str | None = None
    id: str | None = None
    severity: Severity = "error"
    hint: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        label = f"{self.severity.upper()} {self.id}" if self.id else self.severity.upper()
        where = f" (from {self.origin})" if self.origin else ""
        line = f"{label} {self.key}: {self.message}{where}"
        return f"{line}\n    fix: {self.hint}" if self.hint else line

    def log(self, logger: logging.Logger) -> None:
        """Log it as a warning, where the process goes on despite it (a start's warnings, a
        reload's, a server's answer): the text without the ``WARNING`` label the level gives;
        an error keeps its label."""
        logger.warning("%s", str(self).removeprefix("WARNING "))


class ImproperlyConfigured(Exception):
    """The settings cannot be loaded. ``str()`` is the whole report; ``.problems`` lists them."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(key="settings", message=problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """``Improperly configured: 2 errors, 1 warning``, then one line per problem."""
        errors = sum(problem.is_error for problem in self.problems)
        warnings = len(self.problems) - errors
        counts = [plural(errors, "error")] if errors or not warnings else []
        counts += [plural(warnings, "warning")] if warnings else []
        lines = [f"Improperly configured: {', '.join(counts)}"]
        lines += [f"  {problem}".replace("\n", "\n  ") for problem in self.problems]
        return "\n".join(lines)

    def __reduce__(self) -> tuple[type[ImproperlyConfigured], tuple[list[Problem]]]:
        return (type(self), (self.problems,))


def plural(number: int, noun: str) -> str:
    """``1 error``, ``2 errors``: the count of a report's things, in English."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
