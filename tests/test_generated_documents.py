"""The generated documents are current: what ``python docs/generate.py`` would write is committed.

The one test that fails when the reference model, a command's output or the checks change: the
settings reference, the JSON Schema, the command output in docs/reference/cli.md and the checks
table are regenerated in memory (every command run, as the script does) and compared with the files.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    """docs/generate.py, a script of the repository (not a module of the wheel)."""
    spec = importlib.util.spec_from_file_location("docs_generate", REPO / "docs" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_every_generated_document_is_current(generate: ModuleType) -> None:
    stale = generate.stale()

    assert not stale, f"stale: {', '.join(stale)}; run: {generate.COMMAND}"


def test_the_generated_regions_are_the_pages_blocks_of_command_output(generate: ModuleType) -> None:
    """Every console block of docs/reference/cli.md is generated, and the checks table is kept
    once."""
    cli = (REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")

    regions = generate.REGION.findall(cli)

    assert len(regions) == cli.count("```console\n") > 0
    checks = (REPO / "docs" / "reference" / "checks.md").read_text(encoding="utf-8")
    assert "| id | severity |" in checks
    assert "| id | severity |" not in readme


def test_a_stale_transcript_is_rewritten_with_each_command_s_output_and_status(
    generate: ModuleType,
) -> None:
    committed = "```console\n$ true\n$ echo hi; exit 3\nold output\n```\n"

    body = generate.region(["true", "echo hi; exit 3"], committed)

    assert body == "```console\n$ true\n$ echo hi; exit 3\nhi\n[exit status 3]\n```\n"


def test_a_transcript_differing_only_in_column_widths_and_fingerprint_is_kept(
    generate: ModuleType,
) -> None:
    """The directory's real path sets both; rewriting for them would change the page on every
    run."""
    command = "echo 'key    value   # fingerprint 0123456789ab'"
    output = "key  value  # fingerprint ffffffffffff\n[exit status 0]\n"
    committed = f"```console\n$ {command}\n{output}```\n"

    assert generate.region([command], committed) == committed
    assert generate.region([command], committed.replace("value", "other")) != committed
