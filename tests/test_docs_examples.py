"""Every example of the documentation runs: the fenced blocks of ``docs/**/*.md`` and README.md.

A page's blocks run in order, in one fresh directory, as a reader following the page would run
them: a copy of the reference project (``settings.toml``, ``pyproject.toml`` and ``app/``), or
an empty directory when the page says ``<!-- examples: empty -->`` (the tutorial starts from
nothing). What each block does, by its language:

- ``python``: with ``title="path.py"`` the block is that file, written into the directory and
  imported (a ``test_*.py`` file is run by pytest instead); without a title, a block that
  defines ``test_`` functions is run by pytest, any other by ``python``.
- ``toml`` and ``dotenv``: with a title the block is that file, written; every block must parse
  (``tomllib``; python-dotenv, the parser the loader uses).
- ``sh``, ``bash``, ``shell``: run by bash (``-e``) in the directory; it must succeed.
- ``yaml``: loads (every document); ``json``: loads.
- ``console``: a transcript, ``$ command`` then what it printed, in docs/generate.py's format
  (``[exit status N]`` after a failure). Inside a generated region (``<!-- generated: ... -->``)
  it is docs/generate.py's, compared by tests/test_generated_documents.py and not run twice
  here; anywhere else each command runs in the page's directory, with docs/generate.py's fixed
  environment, and the transcript must compare equal (docs/generate.py's comparison: the
  directory shown as ``/srv/app``, runs of blanks as two, any fingerprint).

Any other block whose first line is ``$ command`` is shown output that nothing checks: it must
be a ``console`` block, or marked.
A block that cannot run here (a Kubernetes manifest, a server that runs until stopped, a package
installation) is marked by the line before it, ``<!-- not-run: the reason -->``, and then only
parsed: Python compiles, TOML and ``.env`` parse, YAML and JSON load, a shell script passes
``bash -n``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from dotenv.main import parse_stream

from tests.support.environ import REPO, clean_environ

PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
#: What a page's directory starts as: the reference project.
PROJECT = ("settings.toml", "pyproject.toml", "app")
EMPTY = "<!-- examples: empty -->"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})(?P<info>[^`]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]+)"')
_NOT_RUN = re.compile(r"^ *<!-- not-run: (?P<reason>.+) -->$")
_TEST = re.compile(r"^(async )?def test_", re.MULTILINE)
LANGUAGES = {
    "python": "python",
    "py": "python",
    "toml": "toml",
    "dotenv": "dotenv",
    "sh": "shell",
    "bash": "shell",
    "shell": "shell",
    "yaml": "yaml",
    "yml": "yaml",
    "json": "json",
    "console": "console",
}


def _generate() -> ModuleType:
    """docs/generate.py, whose transcripts and comparison the console blocks share."""
    spec = importlib.util.spec_from_file_location("docs_generate", REPO / "docs" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclass looks itself up there
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


generate = _generate()


@dataclass(frozen=True)
class Block:
    """One fenced block of a page."""

    page: Path
    line: int  # of the opening fence, 1-based
    language: str  # a key of LANGUAGES' values, or "" for a block nothing checks
    title: str | None
    text: str
    not_run: str | None  # the reason, when marked
    generated: bool  # inside a <!-- generated: ... --> region

    @property
    def where(self) -> str:
        page = self.page.relative_to(REPO) if self.page.is_relative_to(REPO) else self.page.name
        return f"{page}:{self.line}"


def blocks(page: Path) -> Iterator[Block]:
    """The fenced blocks of ``page``, in order (indented ones, inside list items, too)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    generated = False
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("<!-- generated: "):
            generated = True
        elif line == "<!-- end -->":
            generated = False
        opening = _FENCE.match(line)
        if opening is None:
            index += 1
            continue
        indent, fence, info = opening["indent"], opening["fence"], opening["info"].strip()
        end = index + 1
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        body = [
            each[len(indent) :] if each.startswith(indent) else each
            for each in lines[index + 1 : end]
        ]
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marked = _NOT_RUN.match(before)
        title = _TITLE.search(info)
        word = info.split(maxsplit=1)[0] if info else ""
        yield Block(
            page=page,
            line=index + 1,
            language=LANGUAGES.get(word.lower(), ""),
            title=title["title"] if title else None,
            text="\n".join(body) + "\n" if body else "",
            not_run=marked["reason"] if marked else None,
            generated=generated,
        )
        index = end + 1


def seed(page: Path, directory: Path) -> None:
    """Lay out the directory a page's blocks run in."""
    if EMPTY in page.read_text(encoding="utf-8"):
        return
    for name in PROJECT:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, directory / name)


def run(command: list[str], directory: Path, block: Block, stdin: str | None = None) -> None:
    """Run ``command`` in ``directory``; it must succeed, or the block fails, named."""
    result = subprocess.run(
        command,
        cwd=directory,
        env=clean_environ(PYTHONPATH=str(directory), PYTHONDONTWRITEBYTECODE="1"),
        input=stdin,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"{block.where}: {' '.join(command)} exited {result.returncode}:\n{result.stdout}"
    )


def pytest_command(path: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        path,
    ]


def parse(block: Block) -> None:
    """What every block of its language must pass, run or not."""
    text = block.text
    if block.language == "python":
        compile(text, block.where, "exec")
    elif block.language == "toml":
        tomllib.loads(text)
    elif block.language == "dotenv":
        bad = [each.original.line for each in parse_stream(StringIO(text)) if each.error]
        assert not bad, f"{block.where}: lines python-dotenv cannot parse: {bad}"
    elif block.language == "yaml":
        list(yaml.safe_load_all(text))
    elif block.language == "json":
        json.loads(text)
    elif block.language == "shell":
        check = subprocess.run(["bash", "-n"], input=text, text=True, capture_output=True)
        assert check.returncode == 0, f"{block.where}: bash -n: {check.stderr}"


def execute(block: Block, directory: Path) -> None:
    """Run ``block`` in ``directory``, as the page's reader would."""
    if block.title is not None and block.language in {"python", "toml", "dotenv"}:
        target = directory / block.title
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.text, encoding="utf-8")
        if block.language != "python":
            return
        if target.name.startswith("test_"):
            run(pytest_command(block.title), directory, block)
        else:
            module = ".".join(Path(block.title).with_suffix("").parts)
            run([sys.executable, "-c", f"import {module}"], directory, block)
    elif block.language == "python" and _TEST.search(block.text):
        name = f"test_docs_example_{block.line}.py"
        (directory / name).write_text(block.text, encoding="utf-8")
        run(pytest_command(name), directory, block)
    elif block.language == "python":
        run([sys.executable, "-"], directory, block, stdin=block.text)
    elif block.language == "shell":
        run(["bash", "-e", "-o", "pipefail", "-c", block.text], directory, block)
    elif block.language == "console":
        replay(block, directory)


def replay(block: Block, directory: Path) -> None:
    """Run a transcript's commands in ``directory``; what they print must be what it shows."""
    commands = [line[2:] for line in block.text.splitlines() if line.startswith("$ ")]
    environ = {**generate.environment(), "PYTHONPATH": str(directory)}
    real = str(directory.resolve())
    runs = []
    for command in commands:
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=directory,
            env=environ,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=120,
            check=False,
        )
        output = result.stdout.replace(real, generate.DOCS_DIRECTORY)
        runs.append(generate.Run(command, output, result.returncode))
    shown = generate.transcript(runs)
    assert generate.comparable(shown) == generate.comparable(f"```console\n{block.text}```"), (
        f"{block.where}: the commands print, in {generate.DOCS_DIRECTORY}:\n{shown}"
    )


def unchecked_output(block: Block) -> bool:
    return block.language != "console" and block.text.startswith("$ ")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(REPO)))
def test_every_example_of_the_page_runs(page: Path, tmp_path: Path) -> None:
    directory = tmp_path / "project"
    directory.mkdir()
    seed(page, directory)
    for block in blocks(page):
        if block.generated:
            continue  # docs/generate.py's: tests/test_generated_documents.py compares it
        assert not (unchecked_output(block) and block.not_run is None), (
            f"{block.where}: shown output that nothing checks: make it a console block "
            "(or a generated one: <!-- generated: COMMAND -->), or mark it not-run"
        )
        parse(block)
        if block.not_run is None:
            execute(block, directory)


def test_the_runner_reads_titles_marks_and_generated_regions(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        '```python title="app/x.py"\nX = 1\n```\n\n'
        "<!-- not-run: a server -->\n\n"
        "   ```sh\n   uvicorn app.main:app\n   ```\n\n"
        "<!-- generated: true -->\n```console\n$ true\n```\n<!-- end -->\n",
        encoding="utf-8",
    )

    found = list(blocks(page))

    assert [(b.language, b.title, b.not_run, b.generated) for b in found] == [
        ("python", "app/x.py", None, False),
        ("shell", None, "a server", False),
        ("console", None, None, True),
    ]
    assert found[1].text == "uvicorn app.main:app\n"


def test_a_failing_example_fails_naming_its_page_and_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```sh\npython -m settings check --env nowhere\n```\n", encoding="utf-8")
    (block,) = blocks(page)
    shutil.copy(REPO / "settings.toml", tmp_path / "settings.toml")

    with pytest.raises(AssertionError, match=r"(?s)page\.md:1: .* exited 1"):
        execute(block, tmp_path)
