"""``python -m settings``: inspect, explain, check and compare the settings.

Commands: ``show``, ``explain KEY``, ``check [--deploy] [--all-envs]``, ``diff ENV_A [ENV_B]``
(or ``diff --against saved.json``), ``schema``, ``reference``.
Each reads the files in the working directory (``--root DIR`` elsewhere), the process
environment, and the environment named by ``--env`` (else the switch variable, else the
default environment: ``ENV_FOR_DYNACONF`` and development unless the application names its own
in ``[tool.settings]`` or its model's ``model_config``). Results go to stdout, problems to
stderr. Secrets are never printed.

Exit status:
    0  all good: warnings alone, and differences found by ``diff``, are still 0
    1  errors found in the configuration (including an unknown environment or a missing
       settings.toml); the report is on stderr
    2  wrong usage: an unknown command, option or key (argparse's convention)

``show``, ``explain`` and ``diff`` describe a configuration without judging it by the
deployment rules; ``check`` gives that verdict (always in a deployment environment, production
unless ``deploy_environments`` says otherwise, or with ``--deploy``). ``check --all-envs``, the
check for CI, loads every environment of ``settings.toml`` and applies the deployment rules only
with ``--deploy``: production's secrets are not in the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from settings._errors import ImproperlyConfigured
from settings.cli._context import Context, UsageError

__all__ = ["main"]

PROG = "python -m settings"
EPILOG = """\
exit status:
  0  all good (warnings alone, and differences found by diff, are still 0)
  1  errors found in the configuration; the report is on stderr
  2  wrong usage

Run 'python -m settings COMMAND --help' for a command's options."""
Handler = Callable[[argparse.Namespace, Context], int]


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    """Run one command; return the exit status. ``environ`` defaults to ``os.environ``."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or wrong usage (2): argparse has printed why
        return exit_.code if isinstance(exit_.code, int) else 2
    context = Context(
        env=args.env,
        root=args.root if args.root is not None else Path.cwd(),
        environ=os.environ if environ is None else environ,
        model=args.model,
        format=getattr(args, "format", "text"),
        out=sys.stdout,
        err=sys.stderr,
    )
    handler: Handler = args.handler
    try:
        return handler(args, context)
    except UsageError as exc:
        args.command_parser.print_usage(sys.stderr)
        print(f"{args.command_parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    except ImproperlyConfigured as exc:
        print(exc.report(), file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The parser: one sub-command each, all sharing ``--env`` and ``--root``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Inspect, explain, check and compare the settings. Secrets never printed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--env",
        metavar="E",
        help="environment (default: $ENV_FOR_DYNACONF, else development; or the "
        "env_switcher and default_env of [tool.settings])",
    )
    common.add_argument(
        "--root",
        metavar="DIR",
        type=Path,
        help="directory holding settings.toml (default: the working directory)",
    )
    common.add_argument(
        "--model",
        metavar="pkg.mod:Class",
        help="the settings model (default: $SETTINGS_MODEL, else [tool.settings] "
        "model in pyproject.toml beside settings.toml, else settings.Settings)",
    )

    def command(name: str, handler: Handler, help_: str, *formats: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_, description=help_)
        if formats:
            sub.add_argument(
                "--format",
                choices=formats,
                default=formats[0],
                help=f"output format (default: {formats[0]})",
            )
        sub.set_defaults(handler=handler, command_parser=sub)
        return sub

    command("show", _command_show, "the effective settings, secrets masked", "text", "json", "toml")
    sub = command(
        "explain",
        _command_explain,
        "every layer that set KEY, in order, and which one won",
        "text",
        "json",
    )
    sub.add_argument("key", metavar="KEY", help="a dotted key: database.port")
    sub = command("check", _command_check, "validate; exit 1 on any error", "text", "json")
    sub.add_argument(
        "--deploy",
        action="store_true",
        help="also apply the deployment rules (always on in production, or in the "
        "deploy_environments of [tool.settings]; with --all-envs, to every environment)",
    )
    sub.add_argument(
        "--connect",
        action="store_true",
        help="also connect to the database and compare the connection budget "
        "(server.replicas x server.workers x (pool.size + pool.max_overflow)) with "
        "what the server allows; too high is an error",
    )
    sub.add_argument(
        "--all-envs",
        action="store_true",
        help="check every environment settings.toml defines, each problem "
        "reported once with the environments it affects; the check for CI. The "
        "deployment rules apply only with --deploy, production included: its "
        "secrets are not in the repository. The switch variable (ENV_FOR_DYNACONF) "
        "is ignored and "
        "variables apply to every environment: to check a deployment, run "
        "'check --env E' there.",
    )
    sub = command(
        "diff",
        _command_diff,
        "keys whose values differ between two environments, or "
        "between one and the schema defaults. The environments are --env, if given, "
        "then ENV_A and ENV_B; with none, the current one. With --against, the current "
        "settings and a file saved by show --format json.",
        "text",
        "json",
    )
    sub.add_argument("env_a", metavar="ENV_A", nargs="?")
    sub.add_argument("env_b", metavar="ENV_B", nargs="?")
    sub.add_argument(
        "--against",
        metavar="SAVED.json",
        type=Path,
        help="compare the current settings (--env, else the active environment) "
        "with a file saved by 'show --format json'; secrets masked in it that are "
        "set on both sides are listed as unknown",
    )
    command(
        "schema",
        _command_schema,
        "JSON Schema of settings.toml, for editors (the same for every "
        "environment: --env is accepted and changes nothing)",
    )
    command(
        "reference",
        _command_reference,
        "every setting of the model as Markdown: key, type, "
        "default, variables, secret or not, description (--env is accepted and changes "
        "nothing)",
    )
    return parser


# Each command imports its module when it runs: a cold ``check`` pays for check alone.


def _command_show(args: argparse.Namespace, context: Context) -> int:
    from settings.cli import _show as show

    return show.run(context)


def _command_explain(args: argparse.Namespace, context: Context) -> int:
    from settings.cli import _explain as explain

    return explain.run(context, args.key)


def _command_check(args: argparse.Namespace, context: Context) -> int:
    from settings.cli import _check as check

    if not args.all_envs:
        return check.run(context, deploy=args.deploy, connect=args.connect)
    if args.connect:
        raise UsageError("--connect checks one deployment's server; leave out --all-envs")
    if args.env is not None:
        raise UsageError("--all-envs checks every environment; leave out --env")
    return check.run_all(context, deploy=args.deploy)


def _command_diff(args: argparse.Namespace, context: Context) -> int:
    from settings.cli import _diff as diff

    if args.against is not None:
        if args.env_a is not None or args.env_b is not None:
            raise UsageError(
                "--against compares the current settings; name the environment "
                "with --env, not ENV_A"
            )
        return diff.run_against(context, args.against)
    named = [name for name in (args.env, args.env_a, args.env_b) if name is not None]
    if len(named) > 2:
        raise UsageError("compare at most two environments (--env counts as one)")
    names = named or [context.environment]
    return diff.run(context, names[0], names[1] if len(names) == 2 else None)


def _command_schema(args: argparse.Namespace, context: Context) -> int:
    from settings.cli._render import to_json
    from settings.cli._toml_schema import settings_toml_schema
    from settings.sources._discovery import find_model

    model = find_model(context.model, context.environ, context.root)
    context.print(to_json(settings_toml_schema(model)))
    return 0


def _command_reference(args: argparse.Namespace, context: Context) -> int:
    from settings.cli._reference import reference
    from settings.sources._discovery import find_model

    model = find_model(context.model, context.environ, context.root)
    name = f"{model.__module__}:{model.__qualname__}"
    context.print(reference(model, name, context.environments()).rstrip("\n"))
    return 0
