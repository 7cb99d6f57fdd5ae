"""``check [--deploy] [--all-envs]``: validate like the app's start; ``--deploy`` adds the
deployment rules.

The findings (id, severity, key, origin, and the one-line fix) go to stderr as the same report
the app prints when it refuses to start; stdout gets a one-line summary (with how many findings
``silenced_checks`` silenced), or with ``--format json`` every finding. Exit 1 on any error, 0
with warnings only.

``--all-envs`` checks every environment ``settings.toml`` defines, each as its own load, and
reports a problem found in several of them once, naming them. It is the check for CI, on the
files as committed: production's secrets live in the deployment, not in the repository, so
the deployment rules apply only with ``--deploy`` (then to every environment), the
``deploy_environments`` included. The switch variable is ignored.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Final

from settings._errors import ImproperlyConfigured, Problem
from settings._load import deployment_rules_apply, verdict
from settings._validate import UNSET
from settings.cli._context import Context
from settings.cli._loading import build_for
from settings.cli._render import counts, problem_data, report, report_by_environment, to_json
from settings.sources._toml import SETTINGS_FILE, environment_names, read_files


class Checked:
    """One environment's verdict: its name, whether the deployment rules ran, the problems,
    and how many findings ``silenced_checks`` silenced."""

    __slots__ = ("environment", "problems", "rules", "silenced")

    def __init__(
        self, environment: str | None, rules: bool, problems: list[Problem], silenced: int = 0
    ) -> None:
        # None: not known (the model, or how it names them, is broken)
        self.environment: Final = environment
        self.rules: Final = rules
        self.problems: Final = problems
        self.silenced: Final = silenced

    def __repr__(self) -> str:
        return (
            f"Checked(environment={self.environment!r}, rules={self.rules!r}, "
            f"problems={self.problems!r}, silenced={self.silenced!r})"
        )


def run(context: Context, *, deploy: bool, connect: bool = False) -> int:
    """Print the findings; exit 1 if any is an error. ``connect``: also run the checks that
    ask a server (the database's connection budget)."""
    result = checked(context, deploy=deploy or None, connect=connect)
    if result.problems:
        context.complain(report(result.problems))
    if context.format == "json":
        context.print(to_json(_result(result)))
    else:
        context.print(_summary(result))
    return 1 if any(problem.is_error for problem in result.problems) else 0


def run_all(context: Context, *, deploy: bool) -> int:
    """Check every environment; each problem is reported once; exit 1 if any has an error.

    Raises ``ImproperlyConfigured`` when there is no environment to check (``settings.toml``
    missing, unreadable, or without an environment table).
    """
    names = known_environments(context)
    found = [checked(context.with_env(name), deploy=deploy) for name in names]
    if not deploy:
        found = [
            Checked(one.environment, one.rules, _deployed(one.problems), one.silenced)
            for one in found
        ]
    affected: dict[Problem, list[str]] = {}
    for name, one in zip(names, found, strict=True):
        for problem in dict.fromkeys(one.problems):  # listed once per environment too
            affected.setdefault(problem, []).append(name)
    if affected:
        errors_first = sorted(affected.items(), key=lambda item: not item[0].is_error)
        context.complain(report_by_environment(dict(errors_first)))
    if context.format == "json":
        context.print(
            to_json(
                {
                    "environments": {
                        name: _result(one) for name, one in zip(names, found, strict=True)
                    },
                    "ok": not any(problem.is_error for problem in affected),
                }
            )
        )
    else:
        for one in found:
            context.print(_summary(one))
    return 1 if any(problem.is_error for problem in affected) else 0


def _deployed(problems: list[Problem]) -> list[Problem]:
    """A required value that nothing sets where ``check --all-envs`` runs (CI, a laptop) is
    the deployment's to set (``FIRST_SUPERUSER_PASSWORD`` from the orchestrator): a warning
    here, still an error for ``--deploy`` and for every start."""
    return [
        dataclasses.replace(problem, severity="warning", message=_UNSET_HERE)
        if problem.message == UNSET and problem.origin is None
        else problem
        for problem in problems
    ]


_UNSET_HERE = "is required and not set here; the deployment must set it (check --deploy: error)"


def known_environments(context: Context) -> list[str]:
    """The environments ``settings.toml`` defines; raises ``ImproperlyConfigured`` if none."""
    names = environment_names(read_files(context.root)[SETTINGS_FILE])
    if not names:
        message = "defines no environment table; there is no environment to check"
        raise ImproperlyConfigured([Problem("environment", message, SETTINGS_FILE)])
    return names


def checked(context: Context, *, deploy: bool | None, connect: bool = False) -> Checked:
    """One environment's verdict; ``deploy=None``: the deployment rules run where a start runs
    them (``deploy_environments``)."""
    try:
        built = build_for(context)
    except ImproperlyConfigured as exc:
        return Checked(*_asked(context, deploy), exc.problems)
    environment, environments = built.sources.environment, built.loaded.environments
    if deploy is None:
        deploy = deployment_rules_apply(environment, environments.deploy)
    judged = verdict(built, deploy=deploy, connect=connect)
    return Checked(environment, deploy, judged.problems, judged.silenced)


def _asked(context: Context, deploy: bool | None) -> tuple[str | None, bool]:
    """The environment asked for, and whether its deployment rules would run, for a load that
    failed; ``None`` when even how the environments are named cannot be read (the model does
    not import, say) and ``--env`` did not say."""
    try:
        name, environments = context.environment, context.environments()
    except ImproperlyConfigured:  # its problem is the one the load reports
        return (None if context.env is None else context.env.strip().lower()), bool(deploy)
    return name, deployment_rules_apply(name, environments.deploy) if deploy is None else deploy


def _result(result: Checked) -> dict[str, Any]:
    return {
        "environment": result.environment,
        "deployment_rules": result.rules,
        "ok": not any(problem.is_error for problem in result.problems),
        "problems": [problem_data(problem) for problem in result.problems],
        "silenced": result.silenced,
    }


def _summary(result: Checked) -> str:
    """``FAILED: production with deployment rules: 1 error, 0 warnings`` (``, 2 silenced``)."""
    status = "FAILED" if any(problem.is_error for problem in result.problems) else "OK"
    scope = " with deployment rules" if result.rules else ""
    quiet = f", {result.silenced} silenced" if result.silenced else ""
    if result.environment is None:
        named = "(environment not known)"
    else:  # blank: the switch variable set but empty
        named = result.environment or "(no environment named)"
    return f"{status}: {named}{scope}: {counts(result.problems)}{quiet}"
