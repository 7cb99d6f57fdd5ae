"""Regenerate every generated document: ``python docs/generate.py`` (``--check``: write nothing,
exit 1 and name the stale documents).

The documents, and where each one's content comes from:

- whole files, each what one command printed (:data:`FILES`): the settings reference
  and the JSON Schema of ``settings.toml``;
- regions of Markdown pages (:data:`PAGES`), between marker lines that name their commands::

      <!-- generated: python -m settings check --deploy -->
      ```console
      ...
      ```
      <!-- end -->

  A region holding a ```` ```console ```` block is a transcript: for each command, ``$ COMMAND``,
  what it printed (stderr and stdout as a terminal shows them) and ``[exit status N]`` (left
  out after a command that printed nothing and succeeded). Several ``generated:`` lines make a
  transcript of several commands, run one after the other. Any other region is what its one
  command printed, verbatim (the checks table); that command, like a whole file's, must succeed.

Every command runs in bash, in a fresh directory holding a copy of the repository's
``settings.toml`` and ``pyproject.toml`` (so the model is the reference application's), with a
fixed environment: none of the loader's variables, ``COLUMNS=80``, the repository on
``PYTHONPATH``. The directory's real path is printed as ``/srv/app``, the name the pages give it.

Two things still depend on that real path: its length sets the width of aligned columns, and
its digest is part of the fingerprint ``show`` prints. So a transcript is compared with the
committed one with runs of blanks as two blanks and any fingerprint as equal, and a committed
transcript that compares equal is kept as it is: running this twice changes nothing.

This script lives in the repository, not in the wheel; ``tests/test_generated_documents.py``
runs :func:`stale` and names this command when anything differs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMAND = "python docs/generate.py"

#: Files that are wholly one command's output.
FILES = {
    "docs/reference/settings.md": "python -m settings reference",
    "settings.schema.json": "python -m settings schema",
}
#: Where generated regions may be: the README and every page of docs/.
PAGES = ("README.md", "docs/**/*.md")
#: Copied into the directory the commands run in.
COPIED = ("settings.toml", "pyproject.toml")
DOCS_DIRECTORY = "/srv/app"

REGION = re.compile(
    r"^(?P<markers>(?:<!-- generated: [^\n]+ -->\n)+)(?P<body>.*?)^<!-- end -->$",
    re.MULTILINE | re.DOTALL,
)
_MARKER = re.compile(r"<!-- generated: (.+) -->")
_CONSOLE = "```console\n"


@dataclass(frozen=True)
class Run:
    """One command's output (stderr and stdout interleaved) and exit status."""

    command: str
    output: str
    status: int


def environment() -> dict[str, str]:
    """The fixed environment of every command: this interpreter's ``python`` first on PATH."""
    return {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.defpath]),
        "PYTHONPATH": str(REPO),  # the model pyproject.toml names: app.config:AppSettings
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",  # stderr and stdout interleaved as a terminal shows them
        "PYTHONDONTWRITEBYTECODE": "1",
        "COLUMNS": "80",  # argparse wraps its usage lines to the terminal's width
        "LC_ALL": "C.UTF-8",
    }


def run(commands: Sequence[str]) -> list[Run]:
    """Run ``commands`` one after the other in a fresh copy of the repository's settings."""
    with tempfile.TemporaryDirectory(prefix="settings-docs-") as temporary:
        directory = Path(temporary, "app")
        directory.mkdir()
        for name in COPIED:
            shutil.copy(REPO / name, directory / name)
        real = str(directory.resolve())
        runs = []
        for command in commands:
            result = subprocess.run(
                ["bash", "-c", command],
                cwd=directory,
                env=environment(),
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                timeout=120,
                check=False,
            )
            runs.append(
                Run(command, result.stdout.replace(real, DOCS_DIRECTORY), result.returncode)
            )
        return runs


def transcript(runs: Sequence[Run]) -> str:
    """The ``console`` block showing ``runs``."""
    lines = [_CONSOLE]
    for each in runs:
        lines.append(f"$ {each.command}\n{each.output}")
        if each.output and not each.output.endswith("\n"):
            lines.append("\n")
        if each.output or each.status:
            lines.append(f"[exit status {each.status}]\n")
    return "".join([*lines, "```\n"])


def comparable(text: str) -> list[str]:
    """A transcript's lines as compared: runs of blanks as two, a fingerprint as any."""
    return [
        re.sub(
            r"fingerprint [0-9a-f]{12}\b", "fingerprint <hex>", re.sub(r"(?<=\S) {2,}", "  ", line)
        )
        for line in text.rstrip().splitlines()
    ]


def output(command: str) -> str:
    """What ``command`` printed, which must succeed: a whole file, or a verbatim region."""
    (result,) = run([command])
    if result.status:
        raise RuntimeError(f"{command} exited {result.status}:\n{result.output}")
    return result.output


def region(commands: Sequence[str], committed: str) -> str:
    """A region's new body: a transcript if it holds one, else the first command's output."""
    if not committed.startswith(_CONSOLE):
        return output(commands[0])
    new = transcript(run(commands))
    return committed if comparable(new) == comparable(committed) else new


def pages() -> list[str]:
    """The Markdown pages :data:`PAGES` names, relative to the repository, but for the
    :data:`FILES`, which are generated whole."""
    found = [
        str(path.relative_to(REPO)) for pattern in PAGES for path in sorted(REPO.glob(pattern))
    ]
    return [path for path in found if path not in FILES]


def regenerate() -> dict[str, str]:
    """Every generated document's path (relative to the repository) and its regenerated text.
    The regions are independent, so they run side by side."""
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        whole = {path: pool.submit(output, command) for path, command in FILES.items()}
        texts = {path: (REPO / path).read_text(encoding="utf-8") for path in pages()}
        regions = {
            path: [
                (match, pool.submit(region, _MARKER.findall(match["markers"]), match["body"]))
                for match in REGION.finditer(text)
            ]
            for path, text in texts.items()
        }
        documents = {path: future.result() for path, future in whole.items()}
        for path, text in texts.items():
            parts, position = [], 0
            for match, body in regions[path]:
                parts += [text[position : match.start("body")], body.result()]
                position = match.end("body")
            documents[path] = "".join([*parts, text[position:]])
    return documents


def stale(documents: dict[str, str] | None = None) -> list[str]:
    """The documents whose committed text differs from their regenerated text."""
    documents = regenerate() if documents is None else documents
    return [
        path
        for path, text in documents.items()
        if not (REPO / path).is_file() or (REPO / path).read_text(encoding="utf-8") != text
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerate (or with ``--check`` only compare) every generated document."""
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    documents = regenerate()
    differing = stale(documents)
    for path in differing:
        if args.check:
            print(f"stale: {path}")
        else:
            (REPO / path).write_text(documents[path], encoding="utf-8")
            print(f"regenerated: {path}")
    if args.check and differing:
        print(f"run: {COMMAND}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
