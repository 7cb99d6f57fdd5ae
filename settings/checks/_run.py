"""Running the registered checks on one settings object: never raising, never hanging,
silencing by id, and giving each problem the origin of its value.

The checks run one after another in a worker thread, each given :data:`TIME_LIMIT` seconds
(:data:`CONNECT_TIME_LIMIT` for one that asks a server): a check past it is an error naming it,
and the load goes on without waiting for it. Python cannot stop a thread, so a check that never
returns keeps running in the background (a daemon thread: it does not keep the process alive).
"""

from __future__ import annotations

import contextvars
import dataclasses
import queue
import threading
from collections.abc import Callable, Sequence
from typing import Final

from settings._errors import Problem
from settings._redact import mask_text, secret_values
from settings.checks._registry import Check, Error, declared_problem, registered
from settings.schema import BaseSettings
from settings.schema._keys import schema_keys


class CheckResult:
    """What the checks found: ``problems`` to report, and the findings ``silenced_checks``
    dropped (``python -m settings check`` says how many)."""

    __slots__ = ("problems", "silenced")

    def __init__(self, problems: list[Problem], silenced: list[Problem] | None = None) -> None:
        self.problems: Final = problems
        self.silenced: Final = [] if silenced is None else silenced

    def __repr__(self) -> str:
        return f"CheckResult(problems={self.problems!r}, silenced={self.silenced!r})"


def run_checks(settings: BaseSettings, *, deploy: bool, connect: bool = False) -> CheckResult:
    """Run every check that applies to ``settings``' model, each problem with the origin of the
    value it is about; never raises. ``deploy`` adds the deployment checks, ``connect`` those
    that ask a server (which run the event loop: call it where none runs)."""
    return reported(
        _run_all(registered(settings, deploy=deploy, connect=connect), settings), settings
    )


def reported(found: list[Problem], settings: BaseSettings) -> CheckResult:
    """Problems as the checks report them: each with the origin of its value, secrets masked in
    its text, in the model's order, the ids ``silenced_checks`` names set apart. The one route
    for problems found outside a run of the registry too (what a start learns from the server,
    :func:`settings.contrib.database.server_problems`)."""
    sources = settings.sources
    found = [
        problem
        if problem.origin or sources is None
        else dataclasses.replace(problem, origin=sources.origin(problem.key) or "schema default")
        for problem in found
    ]
    found = _masked(found, settings)
    found.sort(key=_in_model_order(type(settings)))
    silenced = set(settings.silenced_checks)
    return CheckResult(
        [problem for problem in found if problem.id not in silenced],
        [problem for problem in found if problem.id in silenced],
    )


#: Seconds one check may run. Checks are meant to be small pure functions; a check past this
#: is an error naming it (a check that blocks would hang the start and ``check``).
TIME_LIMIT = 10.0
#: Seconds one check registered with ``connect=True`` may run: it asks a server, within the
#: server's own timeouts (``database.connect_timeout``).
CONNECT_TIME_LIMIT = 60.0


def _run_all(checks: Sequence[Check], settings: BaseSettings) -> list[Problem]:
    """Every check's findings, each check run in a worker thread within its time limit. A check
    past it is reported, and the checks after it run in a new worker."""
    found: list[Problem] = []
    pending = list(checks)
    while pending:
        results: queue.SimpleQueue[list[Problem]] = queue.SimpleQueue()
        stop = threading.Event()
        worker = threading.Thread(
            target=contextvars.copy_context().run,
            args=(_work, pending, settings, results, stop),
            name="settings checks",
            daemon=True,
        )
        worker.start()
        done = 0
        for check in pending:
            limit = CONNECT_TIME_LIMIT if check.connect else TIME_LIMIT
            try:
                found += results.get(timeout=limit)
            except queue.Empty:
                stop.set()  # the worker runs nothing more once this check returns, if ever
                what = f"did not finish within {limit:g} seconds"
                found.append(_failed(check, what, hint=_SLOW_HINT))
            done += 1
            if stop.is_set():
                break
        pending = pending[done:]
    return found


def _work(
    checks: Sequence[Check],
    settings: BaseSettings,
    results: queue.SimpleQueue[list[Problem]],
    stop: threading.Event,
) -> None:
    for check in checks:
        if stop.is_set():
            return
        results.put(_run(check, settings))


def _run(check: Check, settings: BaseSettings) -> list[Problem]:
    """The check's findings; an error naming it if it raises or returns something else."""
    try:
        check.model()
    except TypeError as exc:
        return [_failed(check, f"cannot run: {exc}")]
    try:
        result = check.function(settings)
    except BaseException as exc:  # sys.exit(0) in a check is no pass; nothing escapes a worker
        return [_failed(check, f"raised {_describe(exc, settings)}")]
    if not isinstance(result, list) or not all(isinstance(p, Problem) for p in result):
        return [_failed(check, f"returned a {type(result).__name__}, not a list of problems")]
    malformed = [p for p in result if not _well_formed(p)]
    if malformed:
        return [_failed(check, f"returned a malformed problem ({_malformed(malformed[0])})")]
    undeclared = sorted({p.id for p in result if p.id is not None and p.id not in check.ids})
    if undeclared:
        what = f"reports {', '.join(undeclared)}, which its register(id=...) does not declare"
        return [_failed(check, what)]
    return result


_HINT = "a check returns a list of problems (settings.checks.Error/Warning); fix the check"
_SLOW_HINT = (
    "a check must return quickly: give what it waits for a timeout (a server: register it "
    "with connect=True), or fix the check"
)


def _failed(check: Check, what: str, *, hint: str = _HINT) -> Problem:
    return Error("settings", f"the check {check.name} {what}", hint=hint)


def _in_model_order(model: type[BaseSettings]) -> Callable[[Problem], int]:
    """A problem's place in a report: its key's place in the model (``debug`` before
    ``database.password``), whatever order the checks were registered in; a key the model
    does not have (``settings``) after every other."""
    order = {key: index for index, key in enumerate(schema_keys(model))}

    def place(problem: Problem) -> int:
        key = problem.key
        while key and key not in order:
            key = key.rpartition(".")[0]
        return order.get(key, len(order))

    return place


def _masked(problems: list[Problem], settings: BaseSettings) -> list[Problem]:
    """The problems with every secret of ``settings`` and every URL password masked in their
    text: a check may quote a value (``f"{settings.cache_url} is not TLS"``).

    A problem whose text is the one declared for its id (a constant: it cannot hold a secret)
    is left as it is: a password ``development`` would otherwise mask that word in
    security.E005's message, and so reveal itself.
    """
    secrets: set[str] | None = None  # gathered once, if any problem's text may hold one
    masked = []
    for problem in problems:
        declared = declared_problem(problem.id)
        if declared is not None and (problem.message, problem.hint) == (
            declared.message,
            declared.hint,
        ):
            masked.append(problem)
            continue
        if secrets is None:
            secrets = secret_values(settings)
        message, hint = mask_text(problem.message, secrets), problem.hint
        hint = mask_text(hint, secrets) if hint is not None else None
        if (message, hint) != (problem.message, problem.hint):
            problem = dataclasses.replace(problem, message=message, hint=hint)
        masked.append(problem)
    return masked


def _describe(exc: BaseException, settings: BaseSettings) -> str:
    """``Class: text`` of an exception, masked; its class alone when its text cannot be had
    (an ``__str__`` that raises must not crash the report)."""
    try:
        text = mask_text(str(exc), secret_values(settings))
    except Exception:
        text = ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _well_formed(problem: Problem) -> bool:
    return (
        isinstance(problem.key, str)
        and isinstance(problem.message, str)
        and bool(problem.message)
        and problem.severity in ("error", "warning")
        and (problem.id is None or isinstance(problem.id, str))
        and (problem.hint is None or isinstance(problem.hint, str))
    )


def _malformed(problem: Problem) -> str:
    if problem.severity not in ("error", "warning"):
        return f"severity {problem.severity!r}, not 'error' or 'warning'"
    return "key and message must be text"
