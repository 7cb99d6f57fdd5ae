"""Checks of the settings, in the style of Django's system checks.

A check is a small function ``(settings) -> list[Problem]`` that returns its findings, built
from module-level constants with stable ids, so a test reads ``assert check_llm_key(settings) ==
[E001]``. It is registered with :func:`register`, declaring the ids it can report::

    from settings.checks import Error, Problem, register

    E001 = Error("llm.api_key", "is empty", id="llm.E001", hint="set LLM_API_KEY")

    @register(id=E001.id, deploy=True)
    def check_llm_key(settings: AppSettings) -> list[Problem]:
        return [] if settings.llm.api_key.get_secret_value() else [E001]

- ``@register`` runs on every load; ``deploy=True`` only where the deployment rules run
  (production, and ``python -m settings check --deploy``); ``connect=True`` only when a server
  may be asked (``check --connect``).
- A check applies to the model its first parameter is annotated with, and to that model's
  subclasses; unannotated, it applies to every model.
- A check that raises, or reports an id it did not declare, is reported as an error naming it,
  its exception's text masked: it never stops the load or the command line.
- ``silenced_checks`` (ids, Django's ``SILENCED_SYSTEM_CHECKS``) drops those findings; an id no
  check declares is ``settings.W003``.

The core's own checks (``settings.`` ids, exported here) register themselves the same way, and
so do the batteries' (``security.``, ``database.``: :mod:`settings.contrib`).
:func:`rules_table` renders what the registered checks can report as Markdown
(docs/reference/checks.md).
"""

from settings._errors import Problem
from settings.checks._builtin import W001, W002, W003, W004, W005
from settings.checks._registry import Error, Warning, register, registered, rules_table

__all__ = [
    "W001",
    "W002",
    "W003",
    "W004",
    "W005",
    "Error",
    "Problem",
    "Warning",
    "register",
    "registered",
    "rules_table",
]
