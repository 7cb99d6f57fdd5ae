"""The registry of checks: :func:`register`, the problems' factories :func:`Error` and
:func:`Warning`, which checks apply to a model, and :func:`rules_table`, the registry as
Markdown.

A registered :class:`Check` knows the model it is written for (its parameter's annotation) and
the problems it can report: the ``Problem`` constants its code names, and the ids written in it.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, overload

from settings._errors import Problem
from settings.schema import Settings

#: What is registered: ``(settings) -> list[Problem]``, ``settings`` typed with a model.
CheckFunction = Callable[[Any], list[Problem]]


def Error(  # noqa: N802 - Django's name for the same thing
    key: str,
    message: str,
    *,
    id: str | None = None,
    hint: str | None = None,
    origin: str | None = None,
) -> Problem:
    """An error about dotted ``key``: it stops a start where it is found."""
    return Problem(key, message, origin=origin, id=id, severity="error", hint=hint)


def Warning(  # noqa: N802 - Django's name for the same thing
    key: str,
    message: str,
    *,
    id: str | None = None,
    hint: str | None = None,
    origin: str | None = None,
) -> Problem:
    """A warning about dotted ``key``: reported, and the start goes on."""
    return Problem(key, message, origin=origin, id=id, severity="warning", hint=hint)


@dataclass(frozen=True)
class Check:
    """One registered check. ``name`` is its qualified name, as reports say it."""

    function: CheckFunction = field(repr=False)
    deploy: bool = False

    @property
    def name(self) -> str:
        function = self.function
        return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"

    def model(self) -> type[Settings]:
        """The model the check is written for (its parameter's annotation), ``Settings`` when
        unannotated. Raises ``TypeError`` for an annotation that is not a settings model."""
        parameters = list(inspect.signature(self.function).parameters)
        if not parameters:
            raise TypeError("takes no parameter; a check takes the settings")
        try:
            hints = typing.get_type_hints(self.function)
        except Exception as exc:  # NameError and more: an annotation that does not resolve
            raise TypeError(f"its annotations cannot be resolved: {exc}") from None
        model = hints.get(parameters[0], Settings)
        if model is Any:
            return Settings
        if not (isinstance(model, type) and issubclass(model, Settings)):
            raise TypeError(f"its parameter is annotated {model!r}, not a Settings model")
        return model

    def applies_to(self, settings: Settings) -> bool:
        """Whether ``settings`` is an instance of the check's model (raises like :meth:`model`)."""
        return isinstance(settings, self.model())

    def problems(self) -> list[Problem]:
        """The problems the check can report: the ``Problem`` constants its code names."""
        scope = getattr(self.function, "__globals__", {})
        found = [scope.get(name) for name in _names(self.function)]
        return list({p: None for p in found if isinstance(p, Problem)})

    def ids(self) -> set[str]:
        """The ids the check can report: its constants', and ids written in its code."""
        ids = {problem.id for problem in self.problems() if problem.id}
        return ids | {text for text in _strings(self.function) if _ID.fullmatch(text)}


_ID = re.compile(r"[A-Za-z_][\w.]*\.[A-Z]\d{3}")
_registry: dict[str, Check] = {}


@overload
def register(function: CheckFunction, /) -> CheckFunction: ...
@overload
def register(*, deploy: bool = False) -> Callable[[CheckFunction], CheckFunction]: ...
def register(
    function: CheckFunction | None = None, /, *, deploy: bool = False
) -> CheckFunction | Callable[[CheckFunction], CheckFunction]:
    """Register a check: ``@register`` (every load) or ``@register(deploy=True)`` (where the
    deployment rules run). Registering a function of the same qualified name again replaces
    it, so importing a module twice does not run its checks twice."""

    def decorate(check: CheckFunction) -> CheckFunction:
        entry = Check(check, deploy)
        _registry[entry.name] = entry
        return check

    return decorate if function is None else decorate(function)


def registered(settings: Settings | None = None, *, deploy: bool = True) -> list[Check]:
    """The registered checks in registration order; with ``settings``, the ones that apply
    to its model (a check whose annotation is not a model is kept: running it reports that);
    without ``deploy``, the ones that run on every load only."""
    checks = [check for check in _registry.values() if deploy or not check.deploy]
    if settings is None:
        return checks
    return [check for check in checks if _applies(check, settings)]


def _applies(check: Check, settings: Settings) -> bool:
    try:
        return check.applies_to(settings)
    except TypeError:
        return True


def rules_table(checks: Iterable[Check] | None = None) -> str:
    """A Markdown table of what ``checks`` (default: every registered one) can report, by id:
    id, severity, key, message, hint, and when it runs."""
    rows = {
        problem.id or "": (problem, check)
        for check in (registered() if checks is None else checks)
        for problem in check.problems()
    }
    lines = ["| id | severity | key | message | hint | runs |", "|---|---|---|---|---|---|"]
    for name, (problem, check) in sorted(rows.items()):
        runs = "deployment rules" if check.deploy else "every load"
        cells = [
            f"`{name}`",
            problem.severity,
            f"`{problem.key}`",
            problem.message,
            problem.hint or "",
            runs,
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text as a Markdown table cell: ``|`` escaped, ``<placeholder>`` not read as HTML."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _codes(function: Any) -> list[CodeType]:
    """The function's code and the code nested in it (comprehensions, inner functions)."""
    code = getattr(function, "__code__", None)
    codes, pending = [], [code] if isinstance(code, CodeType) else []
    while pending:
        code = pending.pop(0)
        codes.append(code)
        pending += [const for const in code.co_consts if isinstance(const, CodeType)]
    return codes


def _names(function: Any) -> list[str]:
    return list(dict.fromkeys(name for code in _codes(function) for name in code.co_names))


def _strings(function: Any) -> list[str]:
    return [c for code in _codes(function) for c in code.co_consts if isinstance(c, str)]
