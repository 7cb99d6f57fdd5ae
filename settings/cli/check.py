"""``check [--deploy]``: validate like the app's start; ``--deploy`` adds the deployment rules.

The findings (id, severity, key, origin, and the one-line fix) go to stderr as the same report
the app prints when it refuses to start; stdout gets a one-line summary, or with ``--format
json`` every finding. Exit 1 on any error, 0 with warnings only.
"""

from __future__ import annotations

from settings.build import PRODUCTION, build, verdict
from settings.cli.context import Context
from settings.cli.render import counts, problem_data, report, to_json
from settings.errors import ImproperlyConfigured, Problem


def run(context: Context, *, deploy: bool) -> int:
    """Print the findings; exit 1 if any is an error."""
    problems = findings(context, deploy=deploy)
    rules = deploy or context.environment == PRODUCTION
    if problems:
        context.complain(report(problems))
    errors = sum(problem.is_error for problem in problems)
    if context.format == "json":
        context.print(to_json({
            "environment": context.environment,
            "deployment_rules": rules,
            "ok": errors == 0,
            "problems": [problem_data(problem) for problem in problems],
        }))
    else:
        verdict = "FAILED" if errors else "OK"
        scope = " with deployment rules" if rules else ""
        context.print(f"{verdict}: {context.environment}{scope}: {counts(problems)}")
    return 1 if errors else 0


def findings(context: Context, *, deploy: bool) -> list[Problem]:
    """What a start would report (production runs the deployment rules), and the warnings."""
    try:
        built = build(context.env, context.root, context.environ)
    except ImproperlyConfigured as exc:
        return exc.problems
    return verdict(built, deploy=deploy)
