"""docs/cli.md is true: every command of its ``console`` blocks is run, and its output compared.

Data-driven: each fenced ``console`` block of the page is one test. In a block, a line starting
with ``$ `` is a command (run by bash, ``VAR=value`` prefixes included) and the lines up to the
next command are its expected output, stderr and stdout as a terminal shows them, ending with
``[exit status N]`` when the page states it. The commands of a block run one after the other in
a fresh directory holding a copy of the shipped ``settings.toml`` (and ``pyproject.toml``), with
none of the loader's variables set; the page calls that directory ``DOCS_DIRECTORY``.

Columns are aligned by the length of the values, and the directory's real path is not as long
as ``DOCS_DIRECTORY``, so runs of blanks inside a line compare as two blanks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.app.test_uvicorn import clean_environ

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "cli.md"
DOCS_DIRECTORY = "/srv/app"
_FENCE = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
_EXIT = re.compile(r"\[exit status (\d+)\]")


@dataclass(frozen=True)
class Example:
    """One documented command, its output, and its exit status if the page gives it."""

    command: str
    output: list[str]
    status: int | None


def examples(block: str) -> list[Example]:
    found: list[Example] = []
    for chunk in re.split(r"^\$ ", block, flags=re.MULTILINE)[1:]:
        command, *output = chunk.rstrip("\n").split("\n")
        status = None
        if output and (match := _EXIT.fullmatch(output[-1])):
            status, output = int(match[1]), output[:-1]
        found.append(Example(command, output, status))
    return found


def blocks() -> list[pytest.ParameterSet]:
    text = PAGE.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        block = examples(match[1])
        found.append(pytest.param(block, id=f"line {line}: {block[0].command[:60]}"))
    return found


def comparable(lines: list[str]) -> list[str]:
    """Lines as compared: runs of blanks as two, and a fingerprint as any 12 hex digits (it
    digests the SQLite file's absolute path, which is the temporary directory's)."""
    return [
        re.sub(
            r"fingerprint [0-9a-f]{12}\b",
            "fingerprint <hex>",
            re.sub(r"(?<=\S) {2,}", "  ", line.rstrip()),
        )
        for line in lines
    ]


@pytest.mark.parametrize("block", blocks())
def test_the_documented_output_is_the_real_output(tmp_path: Path, block: list[Example]) -> None:
    directory = tmp_path / "app"
    directory.mkdir()
    for name in ("settings.toml", "pyproject.toml"):
        if (REPO / name).is_file():
            shutil.copy(REPO / name, directory / name)
    bin_dir = str(Path(sys.executable).parent)
    environ = clean_environ(
        PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        COLUMNS="80",  # argparse wraps its usage lines to the terminal's width
        PYTHONUNBUFFERED="1",  # stderr and stdout interleaved as a terminal shows them
        PYTHONPATH=str(REPO),  # the model pyproject.toml names: app.config:AppSettings
    )
    environ.pop("ENV_FOR_DYNACONF", None)
    for example in block:
        result = subprocess.run(
            ["bash", "-c", example.command],
            cwd=directory,
            env=environ,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=60,
        )
        output = result.stdout.replace(str(directory.resolve()), DOCS_DIRECTORY)

        assert comparable(output.splitlines()) == comparable(example.output), example.command
        if example.status is not None:
            assert result.returncode == example.status, example.command
