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
