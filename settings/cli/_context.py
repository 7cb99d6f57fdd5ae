"""What every command receives: the parsed options, the environment and the output streams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from settings.sources import DEFAULT_ENV, ENV_VARIABLE


class UsageError(Exception):
    """The command line asks for something that cannot exist (exit status 2)."""


@dataclass(frozen=True)
class Context:
    """One command's inputs and outputs. ``out`` takes results, ``err`` takes problems."""

    env: str | None
    root: Path
    environ: Mapping[str, str]
    model: str | None
    format: str
    out: TextIO
    err: TextIO

    @property
    def environment(self) -> str:
        """The environment's name as asked for (``--env``, else ``ENV_FOR_DYNACONF``)."""
        name = self.env if self.env is not None else self.environ.get(ENV_VARIABLE, DEFAULT_ENV)
        return name.strip().lower()

    def print(self, text: str = "") -> None:
        """Write a line of results to stdout."""
        print(text, file=self.out)

    def complain(self, text: str) -> None:
        """Write a report of problems to stderr."""
        print(text, file=self.err)
