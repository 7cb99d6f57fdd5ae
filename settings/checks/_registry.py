"""The registry of checks: :func:`register`, the problems' factories :func:`Error` and
:func:`Warning`, which checks apply to a model, and :func:`rules_table`, the registry as
Markdown.

A check declares the ids it can report when it is registered (``@register(id="llm.E001")``, or
a list of ids); nothing is read from its code. A problem made with :func:`Error` or
:func:`Warning` and an id is recorded under that id (the first one made wins: the module-level
constant), so :func:`rules_table` can describe every declared id. An id belongs to one check:
declaring it again on another is an error at registration, and so is an application's check
declaring an id of the framework's namespaces (:data:`RESERVED`), whatever the import order.
"""

from __future__ import annotations

import inspect
import itertools
import sys
import typing
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, overload

from settings._errors import Problem
from settings.schema import BaseSettings

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
    return _declared(Problem(key, message, origin=origin, id=id, severity="error", hint=hint))


def Warning(  # noqa: N802 - Django's name for the same thing
    key: str,
    message: str,
    *,
    id: str | None = None,
    hint: str | None = None,
    origin: str | None = None,
) -> Problem:
    """A warning about dotted ``key``: reported, and the start goes on."""
    return _declared(Problem(key, message, origin=origin, id=id, severity="warning", hint=hint))


#: The problems made with an id at a module's top level, by id: what :func:`rules_table` says
#: of each, and the text a report may show as it is.
_problems: dict[str, Problem] = {}


def declared_problem(id: str | None) -> Problem | None:
    """The problem first made with ``id`` (its module-level constant), if any."""
    return _problems.get(id) if id is not None else None


def _declared(problem: Problem) -> Problem:
    """Record ``problem`` under its id when it is made at a module's top level: a constant,
    whose text cannot hold a setting's value (one a check builds as it runs may)."""
    if problem.id is not None and sys._getframe(2).f_code.co_name == "<module>":
        _problems.setdefault(problem.id, problem)
    return problem


class Check:
    """One registered check. ``name`` is its qualified name, as reports say it; ``ids`` are the
    ids it declared; ``deploy`` checks run where the deployment rules run, ``connect`` checks
    (which ask a server) only when asked (``python -m settings check --connect``)."""

    __slots__ = ("connect", "deploy", "function", "ids")

    def __init__(
        self,
        function: CheckFunction,
        ids: tuple[str, ...] = (),
        deploy: bool = False,
        connect: bool = False,
    ) -> None:
        self.function: Final = function
        self.ids: Final = ids
        self.deploy: Final = deploy
        self.connect: Final = connect

    def __repr__(self) -> str:
        return (
            f"Check(name={self.name!r}, ids={self.ids!r}, deploy={self.deploy!r}, "
            f"connect={self.connect!r})"
        )

    @property
    def name(self) -> str:
        function = self.function
        return f"{function.__module__}.{getattr(function, '__qualname__', repr(function))}"

    def model(self) -> type[BaseSettings]:
        """The model the check is written for (its parameter's annotation), ``BaseSettings``
        when unannotated. Raises ``TypeError`` for an annotation that is not a settings model.

        Resolved once per function (``typing.get_type_hints`` evaluates the annotations' text,
        about half of a load's time when done for every check at every load); an annotation
        that does not resolve yet is tried again next time."""
        try:
            return _models[self.function]
        except KeyError:
            pass
        except TypeError:  # a callable that takes no weak reference: resolved each time
            return _model_of(self.function)
        model = _models[self.function] = _model_of(self.function)
        return model

    def applies_to(self, settings: BaseSettings) -> bool:
        """Whether ``settings`` is an instance of the check's model (raises like :meth:`model`)."""
        return isinstance(settings, self.model())

    def problems(self) -> list[Problem]:
        """The problems the check declared, as made with their ids (:func:`Error`)."""
        return [_problems[name] for name in self.ids if name in _problems]


def _model_of(function: CheckFunction) -> type[BaseSettings]:
    parameters = list(inspect.signature(function).parameters)
    if not parameters:
        raise TypeError("takes no parameter; a check takes the settings")
    try:
        hints = typing.get_type_hints(function)
    except Exception as exc:  # NameError and more: an annotation that does not resolve
        raise TypeError(f"its annotations cannot be resolved: {exc}") from None
    model = hints.get(parameters[0], BaseSettings)
    if model is Any:
        return BaseSettings
    if not (isinstance(model, type) and issubclass(model, BaseSettings)):
        raise TypeError(f"its parameter is annotated {model!r}, not a settings model")
    return model


#: Each check function's model, once resolved (:meth:`Check.model`); an entry goes with its
#: function.
_models: weakref.WeakKeyDictionary[CheckFunction, type[BaseSettings]] = weakref.WeakKeyDictionary()

#: Every registered check, by a key of its own: factory-made checks sharing a qualified name
#: (and lambdas) each run. See :func:`register` for when one replaces another.
_registry: dict[int, Check] = {}
_numbers = itertools.count()

#: The id prefixes of the framework's own checks (the core's and the batteries'): a check
#: outside the ``settings`` package declaring one is refused, even before the battery that
#: owns it is imported.
RESERVED = ("settings.", "security.", "database.", "metrics.")

#: The ids a check declares: one, or several (``E001.id`` is accepted as it is typed).
Ids = str | Sequence[str | None] | None


@overload
def register(function: CheckFunction, /) -> CheckFunction: ...
@overload
def register(
    *, id: Ids = (), deploy: bool = False, connect: bool = False
) -> Callable[[CheckFunction], CheckFunction]: ...
def register(
    function: CheckFunction | None = None,
    /,
    *,
    id: Ids = (),
    deploy: bool = False,
    connect: bool = False,
) -> CheckFunction | Callable[[CheckFunction], CheckFunction]:
    """Register a check: ``@register`` (every load), ``@register(deploy=True)`` (where the
    deployment rules run), ``@register(connect=True)`` (when a server may be asked), with the
    ids it can report: ``@register(id="llm.E001")`` or ``id=["llm.E001", "llm.W001"]``.

    A module run again (``importlib.reload``, a second import) replaces the checks it
    registered before, so they do not run twice: a check is replaced by one written at the same
    place in the same file but compiled anew. Checks that one factory makes (the same code) and
    lambdas each stay registered, and each runs. Raises ``ValueError`` when another check
    already declared one of the ids, or when a check outside the ``settings`` package declares
    an id of :data:`RESERVED`.
    """
    given = [id] if id is None or isinstance(id, str) else list(id)
    ids = tuple(name for name in given if name is not None)  # Problem.id is typed optional

    def decorate(check: CheckFunction) -> CheckFunction:
        entry = Check(check, ids, deploy, connect)
        reserved = sorted(i for i in ids if i.startswith(RESERVED))
        if reserved and not _builtin(check):
            raise ValueError(
                f"{entry.name} declares {', '.join(reserved)}: the prefixes "
                f"{', '.join(RESERVED)} are the framework's; choose a prefix of your own"
            )
        place = _place(check)
        stale = [
            key
            for key, other in _registry.items()
            if _place(other.function) == place and _code(other.function) is not _code(check)
        ]
        for key in stale:
            del _registry[key]
        for other in _registry.values():
            taken = sorted(set(other.ids) & set(ids))
            if taken and _place(other.function) != place:
                raise ValueError(
                    f"{entry.name} declares {', '.join(taken)}, already declared by {other.name}"
                )
        _registry[next(_numbers)] = entry
        return check

    return decorate if function is None else decorate(function)


def _builtin(function: CheckFunction) -> bool:
    module = getattr(function, "__module__", None) or ""
    return module == "settings" or module.startswith("settings.")


def _code(function: CheckFunction) -> object:
    return getattr(function, "__code__", function)


def _place(function: CheckFunction) -> tuple[object, ...]:
    """Where a check is written: its qualified name, file, line and column."""
    code = getattr(function, "__code__", None)
    if code is None:  # a callable object: its own identity
        return (id(function),)
    columns = tuple(position[2] for position in itertools.islice(code.co_positions(), 2))
    name = getattr(function, "__qualname__", "")
    return (function.__module__, name, code.co_filename, code.co_firstlineno, columns)


def declared_ids() -> set[str]:
    """Every id a registered check declared: what ``silenced_checks`` may name."""
    return {name for check in _registry.values() for name in check.ids}


def registered(
    settings: BaseSettings | None = None, *, deploy: bool = True, connect: bool = True
) -> list[Check]:
    """The registered checks in registration order; with ``settings``, the ones that apply
    to its model (a check whose annotation is not a model is kept: running it reports that);
    without ``deploy``, not the deployment checks; without ``connect``, not those that ask a
    server."""
    checks = [
        check
        for check in _registry.values()
        if (deploy or not check.deploy) and (connect or not check.connect)
    ]
    if settings is None:
        return checks
    return [check for check in checks if _applies(check, settings)]


def _applies(check: Check, settings: BaseSettings) -> bool:
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
        runs = (
            "--connect" if check.connect else "deployment rules" if check.deploy else "every load"
        )
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
