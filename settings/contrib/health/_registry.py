"""The readiness registry: checks an application adds next to the framework's, run
concurrently by ``/health/ready``, each bounded by its own timeout.

A check is an ``async`` function of the settings served and the request. It returns ``None``
when it does not apply (its service is not configured), ``True`` when the service answered, or
a :class:`~settings.contrib.health.Report` when it measures itself and adds entries of its own;
it raises (or returns ``False``) when the service is not ready::

    @readiness_check("redis", timeout=1.0)
    async def redis(settings: AppSettings, request: Request) -> bool | None:
        ...

As with :func:`settings.checks.register`, a check applies to the model its first parameter is
annotated with and to that model's subclasses; unannotated, to every model.
"""

from __future__ import annotations

import asyncio
import inspect
import time
import typing
from collections.abc import Awaitable, Callable
from typing import Any, Final, TypeVar

from pydantic import BaseModel
from starlette.requests import Request

from settings.contrib.health._body import HealthCheck, Report

#: ``(settings, request) -> None`` (skipped), ``True``, or a :class:`Report`; raises when not
#: ready.
ReadinessFunction = Callable[[Any, Request], Awaitable[Report | bool | None]]
#: Seconds, or a function of the settings giving them (``connect_timeout`` and the like).
Timeout = float | Callable[[Any], float]
F = TypeVar("F", bound=ReadinessFunction)


class ReadinessCheck:
    """A registered check: its name (the ``<name>:responseTime`` entry), function, timeout."""

    __slots__ = ("function", "name", "timeout")

    def __init__(self, name: str, function: ReadinessFunction, timeout: Timeout) -> None:
        self.name: Final = name
        self.function: Final = function
        self.timeout: Final = timeout

    def __repr__(self) -> str:
        return (
            f"ReadinessCheck(name={self.name!r}, function={self.function!r}, "
            f"timeout={self.timeout!r})"
        )

    def seconds(self, settings: Any) -> float:
        return self.timeout(settings) if callable(self.timeout) else self.timeout

    def applies_to(self, settings: Any) -> bool:
        model = _model_of(self.function)
        return model is None or isinstance(settings, model)


_checks: dict[str, ReadinessCheck] = {}


def readiness_check(name: str, *, timeout: Timeout) -> Callable[[F], F]:
    """Register the decorated function as the readiness check ``name`` (``redis``), bounded by
    ``timeout`` seconds. Registering a name again replaces the check."""

    def register(function: F) -> F:
        _checks[name] = ReadinessCheck(name, function, timeout)
        return function

    return register


async def run_readiness_checks(settings: Any, request: Request) -> dict[str, Report]:
    """Every registered check that applies to ``settings``, run concurrently, by name; the ones
    that returned ``None`` are left out."""
    checks = [check for check in _checks.values() if check.applies_to(settings)]
    reports = await asyncio.gather(*(_run(check, settings, request) for check in checks))
    return {
        check.name: report
        for check, report in zip(checks, reports, strict=True)
        if report is not None
    }


async def _run(check: ReadinessCheck, settings: Any, request: Request) -> Report | None:
    limit = check.seconds(settings)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(limit):
            outcome = await check.function(settings, request)
    except TimeoutError:
        failure: str | None = f"no answer within {limit:g} s"
    except Exception as exc:  # never its message: it may hold a host or a password
        failure = f"connection failed ({type(_cause(exc)).__name__})"
    else:
        if outcome is None or isinstance(outcome, Report):
            return outcome
        failure = None if outcome else "not ready"
    latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return Report(HealthCheck(failure is None, latency_ms, failure))


def _cause(exc: BaseException) -> BaseException:
    """The driver's own exception inside a wrapper (SQLAlchemy's ``.orig``), else ``exc``."""
    original = getattr(exc, "orig", None)
    if isinstance(original, BaseException):
        return original.__cause__ or original
    return exc


_models: dict[Callable[..., Any], type | None] = {}


def _model_of(function: Callable[..., Any]) -> type | None:
    """The settings model the first parameter is annotated with; ``None`` for any model.
    Resolved on first use, when every name the annotation uses is defined."""
    if function not in _models:
        _models[function] = None
        parameters = list(inspect.signature(function).parameters)
        try:
            hint = typing.get_type_hints(function).get(parameters[0]) if parameters else None
        except Exception:  # an annotation that does not resolve: any model
            hint = None
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            _models[function] = hint
    return _models[function]
