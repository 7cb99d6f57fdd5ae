"""How many worker processes serve this app: the number the connection budget multiplies by.

``uvicorn --workers 3`` sets no variable, so the settings alone cannot know it. What serves
this process is read from its command line, or its parent's (uvicorn's workers are started by
the supervisor with ``multiprocessing``'s spawn, whose command line names no server):

- ``uvicorn``: ``--workers N`` / ``--workers=N``, else ``UVICORN_WORKERS``, else
  ``WEB_CONCURRENCY``, else 1, as uvicorn decides; ``--reload`` is one process;
- ``gunicorn``: ``-w N`` / ``--workers N``, else ``GUNICORN_CMD_ARGS``'s, else
  ``WEB_CONCURRENCY``, else 1; with a configuration file (``-c``) it cannot be known.

Elsewhere (``uvicorn.run(...)`` from a script, a test client, ``python -m settings check``)
``server.workers`` counts when it was set (``WEB_CONCURRENCY`` or the files); when nothing says,
the count is unknown, and whoever uses it says so instead of assuming 1.
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from settings.contrib._settings import Settings


class Workers:
    """``count`` worker processes (``None``: cannot be known), and what says so."""

    __slots__ = ("count", "source")

    def __init__(self, count: int | None, source: str) -> None:
        self.count: Final = count
        self.source: Final = source

    def __repr__(self) -> str:
        return f"Workers(count={self.count!r}, source={self.source!r})"


def worker_count(
    settings: Settings,
    *,
    commands: Sequence[Sequence[str]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Workers:
    """The workers serving this process's app; ``commands`` (this process's command line, then
    its parent's) and ``environ`` default to the real ones."""
    environ = os.environ if environ is None else environ
    for argv in _process_commands() if commands is None else commands:
        found = from_command(argv, environ)
        if found is not None:
            return found
    assigned = settings.sources.history.get("server.workers") if settings.sources else None
    if assigned:
        return Workers(settings.server.workers, f"server.workers from {assigned[-1].origin}")
    return Workers(None, "no server command line found, server.workers not set")


def from_command(argv: Sequence[str], environ: Mapping[str, str]) -> Workers | None:
    """The workers a ``uvicorn`` or ``gunicorn`` command line starts; ``None`` for another
    command; a count of ``None`` when that command's count cannot be read."""
    server = _server_of(argv)
    if server is None:
        return None
    arguments = list(argv[argv.index(server[1]) + 1 :])
    if server[0] == "uvicorn":
        if "--reload" in arguments:
            return Workers(1, "uvicorn --reload")
        value = _option(arguments, ("--workers",))
        if value is not None:
            return _counted(value, "uvicorn --workers")
        for name in ("UVICORN_WORKERS", "WEB_CONCURRENCY"):
            if environ.get(name):
                return _counted(environ[name], f"uvicorn, {name}")
        return Workers(1, "uvicorn without --workers")
    value = _option(arguments, ("-w", "--workers"))
    if value is None and environ.get("GUNICORN_CMD_ARGS"):
        value = _option(shlex.split(environ["GUNICORN_CMD_ARGS"]), ("-w", "--workers"))
    if value is not None:
        return _counted(value, "gunicorn --workers")
    if _option(arguments, ("-c", "--config")) is not None or Path("gunicorn.conf.py").exists():
        return Workers(None, "gunicorn with a configuration file")
    if environ.get("WEB_CONCURRENCY"):
        return _counted(environ["WEB_CONCURRENCY"], "gunicorn, WEB_CONCURRENCY")
    return Workers(1, "gunicorn without --workers")


def _server_of(argv: Sequence[str]) -> tuple[str, str] | None:
    """``(server, the argument naming it)``: a ``uvicorn``/``gunicorn`` program, or ``-m``."""
    for index, argument in enumerate(argv[:3]):
        name = Path(argument).name
        if name in ("uvicorn", "gunicorn"):
            return name, argument
        if (
            argument == "-m"
            and index + 1 < len(argv)
            and argv[index + 1]
            in (
                "uvicorn",
                "gunicorn",
            )
        ):
            return argv[index + 1], argv[index + 1]
    return None


def _option(arguments: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value of the last of ``names`` (``--name V``, ``--name=V``, ``-wV``)."""
    value = None
    for index, argument in enumerate(arguments):
        for name in names:
            if argument == name and index + 1 < len(arguments):
                value = arguments[index + 1]
            elif argument.startswith(name + "=") and name.startswith("--"):
                value = argument.partition("=")[2]
            elif len(name) == 2 and argument.startswith(name) and len(argument) > 2:
                value = argument[2:]
    return value


def _counted(value: str, source: str) -> Workers:
    """``source`` is ``uvicorn --workers`` (shown with the value) or ``uvicorn, NAME``."""
    shown = f"{source} {value}" if source.endswith("--workers") else f"{source}={value}"
    try:
        count = int(value)
    except ValueError:
        return Workers(None, f"{shown} is not a number")
    return Workers(max(count, 1), shown)


def _process_commands() -> list[list[str]]:
    """This process's command line, then its parent's (Linux: ``/proc``)."""
    commands = [list(sys.orig_argv)]
    try:
        raw = Path(f"/proc/{os.getppid()}/cmdline").read_bytes()
    except OSError:
        return commands
    commands.append([part.decode(errors="replace") for part in raw.split(b"\0") if part])
    return commands
