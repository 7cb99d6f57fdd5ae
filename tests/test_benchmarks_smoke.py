"""``python -m benchmarks --smoke`` runs every benchmark once, tiny, and prints the table.

Nothing here looks at a timing: timings live in ``benchmarks/results.md``, not in tests.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_benchmark_command_runs_and_prints_its_table() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )

    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "| benchmark | variant | unit | min | median | max | n |" in completed.stdout
    assert "| target | ratio" in completed.stdout
    assert "targets and checks pass" in completed.stdout
