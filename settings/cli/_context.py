"""What every command receives: the parsed options, the environment and the output streams."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final, TextIO

from settings.sources._discovery import find_model
from settings.sources._environments import Environments, environments_of


class UsageError(Exception):
    """The command line asks for something that cannot exist (exit status 2)."""


class Context:
    """One command's inputs and outputs. ``out`` takes results, ``err`` takes problems."""

    __slots__ = ("env", "environ", "err", "format", "model", "out", "root")

    def __init__(
        self,
        env: str | None,
        root: Path,
        environ: Mapping[str, str],
        model: str | None,
        format: str,
        out: TextIO,
        err: TextIO,
    ) -> None:
        self.env: Final = env
        self.root: Final = root
        self.environ: Final = environ
        self.model: Final = model
        self.format: Final = format
        self.out: Final = out
        self.err: Final = err

    def __repr__(self) -> str:  # not ``environ``: the variables hold secrets
        return (
            f"Context(env={self.env!r}, root={self.root!r}, model={self.model!r}, "
            f"format={self.format!r}, out={self.out!r}, err={self.err!r})"
        )

    def with_env(self, env: str | None) -> Context:
        """This context, for the environment ``env`` (``--env``)."""
        return Context(env, self.root, self.environ, self.model, self.format, self.out, self.err)

    @property
    def environment(self) -> str:
        """The environment's name as asked for: ``--env``, else the switch variable, else the
        default environment (``ENV_FOR_DYNACONF`` and ``development`` unless the application
        names its own). Raises ``ImproperlyConfigured`` when they cannot be had."""
        if self.env is not None:
            return self.env.strip().lower()
        environments = self.environments()
        return self.environ.get(environments.switcher, environments.default).strip().lower()

    def environments(self) -> Environments:
        """How the application names its environments: its model's ``model_config``, else
        ``[tool.settings]`` in the ``pyproject.toml`` beside ``settings.toml``."""
        return environments_of(find_model(self.model, self.environ, self.root), self.root)

    def print(self, text: str = "") -> None:
        """Write a line of results to stdout."""
        print(text, file=self.out)

    def complain(self, text: str) -> None:
        """Write a report of problems to stderr."""
        print(text, file=self.err)
