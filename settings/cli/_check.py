"""``check [--deploy] [--all-envs]``: validate like the app's start; ``--deploy`` adds the
deployment rules.

The findings (id, severity, key, origin, and the one-line fix) go to stderr as the same report
the app prints when it refuses to start; stdout gets a one-line summary (with how many findings
``silenced_checks`` silenced), or with ``--format json`` every finding. Exit 1 on any error, 0
with warnings only.

``--all-envs`` checks every environment ``settings.toml`` defines, each as its own load, and
reports a problem found in several of them once, naming them. It is the check for CI, on the
files as committed: production's secrets live in the deployment, not in the repository, so
the deployment rules apply only with ``--deploy`` (then to every environment).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from settings._errors import ImproperlyConfigured, Problem
from settings._load import deployment_rules_apply, verdict
from settings.cli._context import Context
from settings.cli._loading import build_for
from settings.cli._render import counts, problem_data, report, report_by_environment, to_json
from settings.sources._toml import SETTINGS_FILE, environment_names, read_files


def run(context: Context, *, deploy: bool, connect: bool = False) -> int:
    """Print the findings; exit 1 if any is an error. ``connect``: also run the checks that
    ask a server (the database's connection budget)."""
    problems, silenced = checked(context, deploy=deploy or None, connect=connect)
    rules = deploy or deployment_rules_apply(context.environment)
    if problems:
        context.complain(report(problems))
    if context.format == "json":
        context.print(to_json(_result(context.environment, rules, problems, silenced)))
    else:
        context.print(_summary(context.environment, rules, problems, silenced))
    return 1 if any(problem.is_error for problem in problems) else 0


def run_all(context: Context, *, deploy: bool) -> int:
    """Check every environment; each problem is reported once; exit 1 if any has an error.

    Raises ``ImproperlyConfigured`` when there is no environment to check (``settings.toml``
    missing, unreadable, or without an environment table).
    """
    found: dict[str, list[Problem]] = {}
    silenced: dict[str, int] = {}
    for name in known_environments(context):
        one = dataclasses.replace(context, env=name)
        found[name], silenced[name] = checked(one, deploy=deploy)
    affected: dict[Problem, list[str]] = {}
    for name, problems in found.items():
        for problem in dict.fromkeys(problems):  # a problem is listed once per environment too
            affected.setdefault(problem, []).append(name)
    if affected:
        errors_first = sorted(affected.items(), key=lambda item: not item[0].is_error)
        context.complain(report_by_environment(dict(errors_first)))
    if context.format == "json":
        context.print(
            to_json(
                {
                    "environments": {
                        name: _result(name, deploy, problems, silenced[name])
                        for name, problems in found.items()
                    },
                    "ok": not any(problem.is_error for problem in affected),
                }
            )
        )
    else:
        for name, problems in found.items():
            context.print(_summary(name, deploy, problems, silenced[name]))
    return 1 if any(problem.is_error for problem in affected) else 0


def known_environments(context: Context) -> list[str]:
    """The environments ``settings.toml`` defines; raises ``ImproperlyConfigured`` if none."""
    names = environment_names(read_files(context.root)[SETTINGS_FILE])
    if not names:
        message = "defines no environment table; there is no environment to check"
        raise ImproperlyConfigured([Problem("environment", message, SETTINGS_FILE)])
    return names


def findings(context: Context, *, deploy: bool | None, connect: bool = False) -> list[Problem]:
    """The problems and warnings of one environment; ``deploy=None``: what a start reports
    (production runs the deployment rules)."""
    return checked(context, deploy=deploy, connect=connect)[0]


def checked(
    context: Context, *, deploy: bool | None, connect: bool = False
) -> tuple[list[Problem], int]:
    """:func:`findings`, and how many findings ``silenced_checks`` silenced."""
    try:
        built = build_for(context)
    except ImproperlyConfigured as exc:
        return exc.problems, 0
    judged = verdict(built, deploy=deploy, connect=connect)
    return judged.problems, judged.silenced


def _result(
    environment: str, rules: bool, problems: list[Problem], silenced: int
) -> dict[str, Any]:
    return {
        "environment": environment,
        "deployment_rules": rules,
        "ok": not any(problem.is_error for problem in problems),
        "problems": [problem_data(problem) for problem in problems],
        "silenced": silenced,
    }


def _summary(environment: str, rules: bool, problems: list[Problem], silenced: int) -> str:
    """``FAILED: production with deployment rules: 1 error, 0 warnings`` (``, 2 silenced``)."""
    status = "FAILED" if any(problem.is_error for problem in problems) else "OK"
    scope = " with deployment rules" if rules else ""
    quiet = f", {silenced} silenced" if silenced else ""
    named = environment or "(no environment named)"  # ENV_FOR_DYNACONF set but empty
    return f"{status}: {named}{scope}: {counts(problems)}{quiet}"
