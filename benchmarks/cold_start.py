"""Cold start: a new Python process that loads and validates the production settings.

Each variant is ``python -c CODE`` run in a directory holding only ``settings.toml``, with the
``APP_`` variables production needs. Measured: process start to exit, wall clock (the targets),
and the child's user + system CPU time, which other work on a shared machine disturbs less.

Three sections, each interleaved on its own:

- the repository's ``settings.toml`` with the reference application's model (found, as the
  command line finds it, through ``[tool.settings] model`` in the copied ``pyproject.toml``);
- the same file with one ``@format`` token (:data:`benchmarks.common.TOKEN_LINE`): ours then
  imports Dynaconf to evaluate it, so its margin over naive Dynaconf is smallest there;
- a generated application model of 50 more fields in 5 sections (:mod:`benchmarks.big_model`),
  against references of the same shape;
- the first section's ``load_settings`` and references again, the repository's code (ours, the
  application's model, the references' modules) compiled at every start, the libraries read
  from bytecode: an editable install run under ``PYTHONDONTWRITEBYTECODE=1``.

Every other section reads all code from bytecode, as a process of an installed package does
(:func:`benchmarks.common.child_environ`).
Which of the two conditions a process is in changes ours by the compile time of the package
(see ``results.md``, "Cold start as a user's process sees it").
"""

from __future__ import annotations

import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

from benchmarks import big_model
from benchmarks.common import (
    PRODUCTION_ENVIRON,
    REPO,
    REPOSITORY_PACKAGES,
    TOKEN_ENVIRON,
    TOKEN_LINE,
    TOKEN_VALUE,
    app_model_dir,
    child_environ,
    settings_dir,
    source_copy,
    source_environ,
    token_settings_dir,
)
from benchmarks.measure import Check, Section, Series, Target, interleave

TITLE = "cold start"
TITLE_TOKEN = "cold start, one @format token"
TITLE_APP_MODEL = "cold start, 50-field app model"
TITLE_SOURCE = "cold start, repository code without bytecode"
OURS = "ours: load_settings('production')"
OURS_CLI = "ours: python -m settings check"
DYNACONF = "Dynaconf + Pydantic, naive"
PYDANTIC_SETTINGS = "pydantic-settings (TOML + env)"
CPU = "CPU: "

VARIANTS = {
    "python -c pass (interpreter)": ["-c", "pass"],
    OURS: ["-c", "from settings import load_settings; load_settings('production')"],
    DYNACONF: ["-c", "from benchmarks.naive import load_dynaconf; load_dynaconf('production')"],
    PYDANTIC_SETTINGS: ["-c", "from benchmarks.naive_pydantic_settings import load; load()"],
    "tomllib + Pydantic alone": [
        "-c",
        "from benchmarks.naive import load_tomllib; load_tomllib('production')",
    ],
    "import dynaconf alone": ["-c", "import dynaconf"],
}

#: Modules that must not load on the settings path: the web stack, the engine, the drivers.
FORBIDDEN = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy.engine",
    "sqlalchemy.ext.asyncio",
    "asyncpg",
    "aiosqlite",
    "psycopg",
    "psycopg2",
    "sqlite3",
)

_REPORT_MODULES = """
import atexit, sys
def _report():
    names = sorted(m for m in sys.modules if m.split('.')[0] in {roots!r} or m in {names!r})
    bad = [m for m in names if m in {names!r}]
    dyn = 'dynaconf' in sys.modules
    print('BENCH-MODULES', ','.join(bad) or '-', 'dynaconf' if dyn else '-', file=sys.stderr)
atexit.register(_report)
"""


def cli_available() -> bool:
    """Whether ``python -m settings`` exists (``settings/__main__.py``)."""
    return (REPO / "settings" / "__main__.py").is_file()


def run(rounds: int, warmup: int = 1) -> list[Section]:
    """The base run, then the same with one ``@format`` token, then with a 50-field model, then
    the base run's load and references without bytecode for the repository's code."""
    return [
        run_base(rounds, warmup),
        run_token(rounds, warmup),
        run_app_model(rounds, warmup),
        run_source(rounds, warmup),
    ]


def run_base(rounds: int, warmup: int = 1) -> Section:
    section = Section(TITLE)
    variants = dict(VARIANTS)
    if not _has_pydantic_settings(section):
        del variants[PYDANTIC_SETTINGS]
    with settings_dir() as root:
        _measure(section, variants, root, rounds, warmup)
    _order_rows(section)
    _targets(section, strict=True)
    return section


def run_source(rounds: int, warmup: int = 1) -> Section:
    """Ours and the two references as in :func:`run_base`, the repository's packages imported
    from a copy without bytecode and none written (the libraries keep theirs)."""
    section = Section(TITLE_SOURCE)
    variants = {name: VARIANTS[name] for name in (OURS, DYNACONF, PYDANTIC_SETTINGS)}
    if not _has_pydantic_settings(section):
        del variants[PYDANTIC_SETTINGS]
    with settings_dir() as root, source_copy() as source:
        write_flat_toml(root, "production")
        environ = source_environ(source, PRODUCTION_ENVIRON)
        timed: list[tuple[list[Series], Callable[[], tuple[float, float]]]] = [
            ([section.add(name, "ms"), section.add(CPU + name, "ms")], _timer(a, root, environ))
            for name, a in variants.items()
        ]
        interleave(timed, rounds, warmup)
    section.notes.append(
        f"{', '.join(REPOSITORY_PACKAGES)} imported from a copy without __pycache__, "
        "PYTHONDONTWRITEBYTECODE=1; libraries from bytecode"
    )
    _order_rows(section)
    _targets(section, strict=True)
    return section


def run_token(rounds: int, warmup: int = 1) -> Section:
    """Ours and naive Dynaconf read a ``settings.toml`` holding one ``@format`` token (ours
    then imports Dynaconf to evaluate it). pydantic-settings has no tokens: not measured."""
    section = Section(TITLE_TOKEN)
    variants = {OURS: VARIANTS[OURS], DYNACONF: VARIANTS[DYNACONF]}
    with token_settings_dir() as root:
        section.checks.append(
            Check(
                f"the token gives {TOKEN_VALUE!r} in ours and in Dynaconf", _token_evaluated(root)
            )
        )
        _measure(section, variants, root, rounds, warmup, TOKEN_ENVIRON)
    section.notes.append(f"the token, in [production.database]: {TOKEN_LINE}")
    _order_rows(section)
    _targets(section)
    return section


def run_app_model(rounds: int, warmup: int = 1) -> Section:
    """Ours with the generated 50-field application model, against references of its shape."""
    section = Section(TITLE_APP_MODEL)
    variants = {
        OURS: VARIANTS[OURS],
        DYNACONF: [
            "-c",
            "from benchmarks.naive import load_dynaconf; from benchapp.naive import "
            "NaiveBench; load_dynaconf('production', model=NaiveBench)",
        ],
        PYDANTIC_SETTINGS: [
            "-c",
            "from benchmarks.naive_pydantic_settings import load; "
            "from benchapp.naive_ps import PydanticBench; load(PydanticBench)",
        ],
        "tomllib + Pydantic alone": [
            "-c",
            "from benchmarks.naive import load_tomllib; from benchapp.naive import "
            "NaiveBench; load_tomllib('production', model=NaiveBench)",
        ],
    }
    if not _has_pydantic_settings(section):
        del variants[PYDANTIC_SETTINGS]
    with app_model_dir() as root:
        _measure(section, variants, root, rounds, warmup)
    section.notes.append(f"model: {big_model.size()}")
    _order_rows(section)
    _targets(section)
    return section


def _has_pydantic_settings(section: Section) -> bool:
    if importlib.util.find_spec("pydantic_settings") is not None:
        return True
    section.notes.append("pydantic-settings: not measured (pip install -e '.[bench]')")
    return False


def _measure(
    section: Section,
    variants: dict[str, list[str]],
    root: Path,
    rounds: int,
    warmup: int,
    variables: dict[str, str] = PRODUCTION_ENVIRON,
) -> None:
    """Ours (and our CLI, when present) and ``variants``, interleaved, in ``root``, with
    ``variables`` in the children's environment."""
    variants = dict(variants)
    if cli_available():
        variants[OURS_CLI] = ["-m", "settings", "check", "--env", "production"]
    else:
        section.notes.append("python -m settings check: not measured (settings/__main__.py absent)")
    environ = child_environ(variables)
    write_flat_toml(root, "production")
    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    model = pyproject.get("tool", {}).get("settings", {}).get("model", "settings:Settings")
    section.notes.append(f"ours loads {model} (pyproject.toml [tool.settings] model)")
    for name in (OURS, OURS_CLI):
        if name in variants:
            bad, detail = _imports(variants[name], root, environ)
            label = f"{name} imports no web stack, SQLAlchemy engine or DB driver"
            section.checks.append(Check(label, not bad))
            section.notes.append(f"{name}: {detail}")
    timed: list[tuple[list[Series], Callable[[], tuple[float, float]]]] = [
        ([section.add(name, "ms"), section.add(CPU + name, "ms")], _timer(argv, root, environ))
        for name, argv in variants.items()
    ]
    interleave(timed, rounds, warmup)


#: Issue 5's limits, ours over each reference; issue 19's for ``import settings`` plus one
#: ``load_settings()`` (a user's process), where ``strict``.
LIMITS = {DYNACONF: 1.0, PYDANTIC_SETTINGS: 1.1}
STRICT_LIMITS = {DYNACONF: 0.85, PYDANTIC_SETTINGS: 0.95}


def _targets(section: Section, *, strict: bool = False) -> None:
    for reference in (DYNACONF, PYDANTIC_SETTINGS):
        for ours in (OURS, OURS_CLI):
            if ours in section.series and reference in section.series:
                label = f"{ours} / {reference}"
                limits = STRICT_LIMITS if strict and ours == OURS else LIMITS
                section.targets.append(Target(label, ours, reference, "<=", limits[reference]))
                section.targets.append(
                    Target(f"{label}, CPU time", CPU + ours, CPU + reference, None)
                )


def _token_evaluated(root: Path) -> bool:
    """Whether ours and naive Dynaconf both evaluate the token, to the same value."""
    from benchmarks.naive import load_dynaconf
    from settings import load_settings

    ours = load_settings("production", root=root, environ=TOKEN_ENVIRON)
    with mock.patch.dict(os.environ, TOKEN_ENVIRON):
        naive = load_dynaconf("production", root)
    return ours.database.username == naive.database.username == TOKEN_VALUE


def _order_rows(section: Section) -> None:
    """Wall-clock rows first, then the CPU rows, each in the variants' order."""
    names = list(section.series)
    order = [n for n in names if not n.startswith(CPU)] + [n for n in names if n.startswith(CPU)]
    section.series = {name: section.series[name] for name in order}


def _timer(
    argv: list[str], root: Path, environ: dict[str, str]
) -> Callable[[], tuple[float, float]]:
    command = [sys.executable, *argv]

    def sample() -> tuple[float, float]:
        """Wall and CPU milliseconds of one run."""
        before = _children_cpu()
        start = time.perf_counter()
        completed = subprocess.run(command, cwd=root, env=environ, capture_output=True)
        elapsed = (time.perf_counter() - start) * 1000
        if completed.returncode != 0:
            stderr = completed.stderr.decode(errors="replace")
            raise RuntimeError(f"{' '.join(argv)} failed ({completed.returncode}):\n{stderr}")
        return elapsed, (_children_cpu() - before) * 1000

    return sample


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _imports(argv: list[str], root: Path, environ: dict[str, str]) -> tuple[bool, str]:
    """Whether the variant imported any of :data:`FORBIDDEN`, and what it imported."""
    hook = _REPORT_MODULES.format(
        roots=tuple({m.split(".")[0] for m in FORBIDDEN}), names=FORBIDDEN
    )
    if argv[0] == "-c":
        command = ["-c", hook + argv[1]]
    else:  # -m module args...: run the module under the hook
        module, *args = argv[1:]
        command = [
            "-c",
            hook + f"import runpy; sys.argv = {[module, *args]!r}; "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)",
        ]
    completed = subprocess.run(
        [sys.executable, *command], cwd=root, env=environ, capture_output=True, text=True
    )
    line = next((ln for ln in completed.stderr.splitlines() if ln.startswith("BENCH-MODULES")), "")
    if not line:
        return True, f"could not inspect sys.modules (exit {completed.returncode})"
    _, bad, dynaconf = line.split()
    verdict = "none imported" if bad == "-" else f"IMPORTED {bad}"
    loaded = (
        "imported (to evaluate the files' @tokens)"
        if dynaconf != "-"
        else "not imported (no @tokens in the files)"
    )
    return bad != "-", f"web stack / SQLAlchemy engine / DB drivers: {verdict}; Dynaconf {loaded}"


def write_flat_toml(root: Path, env: str) -> None:
    """``root/<env>.toml``: ``settings.toml``'s ``[default]`` merged with ``[env]``, no tables
    of environments, for pydantic-settings. Read back and compared, so it cannot drift."""
    from benchmarks.naive import deep_update

    merged: dict[str, Any] = {}
    document = tomllib.loads((root / "settings.toml").read_text())
    deep_update(merged, document["default"])
    deep_update(merged, document[env])
    lines: list[str] = []
    _emit(merged, "", lines)
    text = "\n".join(lines) + "\n"
    if tomllib.loads(text) != merged:
        raise RuntimeError(f"could not write {env}.toml equal to settings.toml's {env}")
    (root / f"{env}.toml").write_text(text)


def _emit(table: dict[str, Any], name: str, lines: list[str]) -> None:
    """TOML for plain data: JSON's strings, numbers, booleans and arrays are valid TOML."""
    if name:
        lines.append(f"[{name}]")
    scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
    lines += [f"{key} = {json.dumps(value)}" for key, value in scalars.items()]
    for key, value in table.items():
        if isinstance(value, dict):
            _emit(value, f"{name}.{key}" if name else key, lines)
