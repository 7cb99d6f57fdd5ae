"""``python -m benchmarks --smoke`` runs every benchmark once, tiny, and prints the table; the
naive references keep the shape of the application's model, so their ratios stay fair.

Nothing here looks at a timing: timings live in ``benchmarks/results.md``, not in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TypeGuard

import pytest
from pydantic import BaseModel

REPO = Path(__file__).resolve().parent.parent


def test_the_benchmark_command_runs_and_prints_its_table() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| benchmark | variant | unit | min | median | max | n |" in completed.stdout
    assert "| target | ratio" in completed.stdout
    assert "targets and checks pass" in completed.stdout


def test_the_naive_references_have_the_shape_of_the_application_model() -> None:
    from app.config import AppSettings
    from benchmarks.naive import NaiveSettings

    assert _shape(NaiveSettings) == _shape(AppSettings)
    pytest.importorskip("pydantic_settings")
    from benchmarks.naive_pydantic_settings import PydanticSettings

    assert _shape(PydanticSettings) == _shape(AppSettings)


def _shape(model: type[BaseModel]) -> dict[str, object]:
    """Field names, nested sections as their own shapes."""
    return {
        name: _shape(field.annotation) if _is_model(field.annotation) else None
        for name, field in model.model_fields.items()
    }


def _is_model(annotation: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


#: A program that does, for each line ``n`` it reads, ``n`` additions, then says ``done``.
_WORKER = """
import sys
for line in sys.stdin:
    total = 0
    for i in range(int(line)):
        total += i
    print("done", flush=True)
"""


def test_the_instruction_count_is_what_the_process_did_between_zero_and_dump(
    tmp_path: Path,
) -> None:
    """``benchmarks.instructions`` zeroes a server's counters after its warm-up and dumps them
    after the counted requests: twice the work between the two reads about twice the count,
    and what ran before the zero (here the interpreter's start) is not in it."""
    from benchmarks import instructions

    if not instructions.available():
        pytest.skip("valgrind and callgrind_control are not installed")
    out = tmp_path / "callgrind.out"
    command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable]
    with subprocess.Popen(
        [*command, "-c", _WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        assert process.stdin is not None and process.stdout is not None
        stdin, stdout = process.stdin, process.stdout
        control = instructions._Control(process, out)

        def counted(additions: int) -> float:
            control("--zero")
            stdin.write(f"{additions}\n")
            stdin.flush()
            assert stdout.readline() == "done\n"
            return control("--dump")

        stdin.write("1\n")  # the interpreter has started once this is answered
        stdin.flush()
        assert stdout.readline() == "done\n"
        idle, once, twice = counted(0), counted(200_000), counted(400_000)
        stdin.close()
        process.wait(timeout=120)

    assert 1.8 < twice / once < 2.2
    assert idle < once / 20  # reading a line and answering it; nothing of what ran before
