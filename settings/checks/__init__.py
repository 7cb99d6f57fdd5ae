"""Checks of the settings, in the style of Django's system checks: the public interface.

    registry.py   register, Error, Warning, which checks apply to a model, rules_table
    run.py        check_settings / run_checks: every check that applies, never raising
    builtin.py    the built-in rules, registered like any check (imported here)


A check is a small function ``(settings) -> list[Problem]`` that returns its findings, built
from module-level constants with stable ids, so a test reads ``assert check_debug(settings) ==
[E001]``. It is registered with :func:`register`: ``@register`` runs it on every load,
``@register(deploy=True)`` only where the deployment rules run (production, and ``python -m
settings check --deploy``)::

    from settings.checks import Error, register

    E001 = Error("llm.api_key", "is empty", id="llm.E001", hint="set LLM_API_KEY")

    @register(deploy=True)
    def check_llm_key(settings: AppSettings) -> list[Problem]:
        return [] if settings.llm.api_key.get_secret_value() else [E001]

- A check applies to the model its first parameter is annotated with, and to that model's
  subclasses; unannotated, or annotated ``Settings``, it applies to every model.
- A check that raises is reported as an error naming it, its exception's text masked: it never
  stops the load or the command line.
- ``silenced_checks`` (ids, Django's ``SILENCED_SYSTEM_CHECKS``) drops those findings;
  :func:`check_settings` says how many it dropped; an id no check knows is ``settings.W003``.

The built-in rules (:mod:`.builtin`) register themselves the same way. Ids:
``security.`` for what makes a deployment unsafe, ``settings.`` for how the settings were
assembled (files, variables, this configuration). :func:`rules_table` renders the registry as
the Markdown table of docs/checks.md.
"""

from settings._errors import Problem
from settings.checks import _builtin  # noqa: F401 - registers the built-in checks
from settings.checks._builtin import (
    E001,
    E002,
    E003,
    E004,
    E005,
    E006,
    E007,
    E008,
    E009,
    E010,
    E011,
    W001,
    W002,
    W003,
    W004,
)
from settings.checks._registry import (
    Check,
    CheckFunction,
    Error,
    Warning,
    register,
    registered,
    rules_table,
)
from settings.checks._run import CheckResult, check_settings, run_checks

__all__ = [
    "E001",
    "E002",
    "E003",
    "E004",
    "E005",
    "E006",
    "E007",
    "E008",
    "E009",
    "E010",
    "E011",
    "W001",
    "W002",
    "W003",
    "W004",
    "Check",
    "CheckFunction",
    "CheckResult",
    "Error",
    "Problem",
    "Warning",
    "check_settings",
    "register",
    "registered",
    "rules_table",
    "run_checks",
]
