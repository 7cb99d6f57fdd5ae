"""``python -m benchmarks``: run every benchmark, print the table, optionally write results.

python -m benchmarks                 # full run, about 3 minutes on 2 cores
python -m benchmarks --quick         # fewer, shorter rounds, under a minute
python -m benchmarks --smoke         # one tiny round of each: proves it runs, times nothing
python -m benchmarks --only cold,attribute --markdown benchmarks/results.md
python -m benchmarks --only merge --markdown benchmarks/results-merge.md
python -m benchmarks --only metrics --markdown benchmarks/results-metrics.md
python -m benchmarks --only database --markdown benchmarks/results-database.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # python benchmarks/run.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import (
    app_start,
    attribute_read,
    cold_start,
    db_request,
    instructions,
    merge_cost,
    metrics_cost,
    request_path,
)
from benchmarks.common import REPO
from benchmarks.measure import Section, render, verdicts


@dataclass(frozen=True)
class Plan:
    """How long each benchmark runs."""

    rounds: int  # interleaved rounds of the in-process and process benchmarks
    read_seconds: float  # per attribute-read sample
    load_rounds: int  # rounds of the request-path load
    load_seconds: float  # per request-path sample
    asgi_requests: int  # per in-process request-path sample
    served: int = 5  # request-path variants served by uvicorn (constant first, then ours)
    warmup: int = 1
    counted: int = 300  # requests counted under callgrind, after a third as many of warm-up


PLANS = {
    "full": Plan(rounds=20, read_seconds=0.1, load_rounds=24, load_seconds=1.0, asgi_requests=3000),
    "quick": Plan(
        rounds=5, read_seconds=0.03, load_rounds=8, load_seconds=0.5, asgi_requests=1000, counted=60
    ),
    "smoke": Plan(
        rounds=1,
        read_seconds=0.001,
        load_rounds=1,
        load_seconds=0.1,
        asgi_requests=20,
        served=2,
        warmup=0,
        counted=3,
    ),
}
ANALYSIS = "\n## Analysis"
DESCRIPTION = "Benchmarks of the settings framework; prints a table of ratios and targets."
BENCHMARKS = ("attribute", "cold", "request", "start", "merge", "metrics", "database")
#: Run only when named in ``--only``: ``instructions`` needs valgrind and about 15 minutes.
OPT_IN = ("instructions",)
PACKAGES = (
    "pydantic",
    "pydantic-core",
    "dynaconf",
    "pydantic-settings",
    "fastapi",
    "starlette",
    "uvicorn",
    "httptools",
    "uvloop",
    "sqlalchemy",
    "asyncpg",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=DESCRIPTION)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    mode.add_argument("--smoke", action="store_true", help="one tiny round of each")
    parser.add_argument(
        "--only",
        default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {', '.join(BENCHMARKS + OPT_IN)} (default: all but "
        f"{', '.join(OPT_IN)})",
    )
    parser.add_argument("--markdown", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := set(chosen) - set(BENCHMARKS + OPT_IN):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]

    sections: list[Section] = []
    skipped: list[str] = []
    for name in BENCHMARKS + OPT_IN:
        if name not in chosen:
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        if name == "attribute":
            sections.extend(attribute_read.run(plan.rounds, plan.read_seconds, plan.warmup))
        elif name == "cold":
            sections.extend(cold_start.run(plan.rounds, plan.warmup))
        elif name == "merge":
            sections.append(merge_cost.run(plan.rounds, plan.warmup))
        elif not app_start.available():
            skipped.append(f"{name}: app/main.py not found")
        elif name == "instructions" and not instructions.available():
            skipped.append(f"{name}: valgrind and callgrind_control not found")
        elif name == "instructions":
            sections.extend(instructions.run(max(1, plan.counted // 3), plan.counted))
        elif name == "request":
            sections.extend(
                request_path.run(
                    plan.load_rounds,
                    plan.load_seconds,
                    plan.warmup,
                    plan.asgi_requests,
                    plan.served,
                )
            )
        elif name == "metrics":
            sections.append(metrics_cost.run(plan.load_rounds, plan.load_seconds, plan.warmup))
        elif name == "database":
            sections.extend(
                db_request.run(plan.load_rounds, plan.load_seconds, plan.warmup, plan.asgi_requests)
            )
        else:
            sections.append(app_start.run(plan.rounds, plan.warmup))

    table = render(sections)
    results = verdicts(sections)
    summary = f"{sum(results)} of {len(results)} targets and checks pass"
    summary += "".join(f"\nskipped {reason}" for reason in skipped)
    noted = machine()
    print(f"\n{noted}\n\n{table}\n\n{summary}")
    if args.markdown:
        mode_name = "smoke" if args.smoke else "quick" if args.quick else "full"
        command = "python -m benchmarks" + (f" --{mode_name}" if mode_name != "full" else "")
        command += f" --only {','.join(chosen)}" if set(chosen) != set(BENCHMARKS) else ""
        write_markdown(args.markdown, f"Command: `{command}`\n\n{noted}\n\n{table}\n\n{summary}")
    return 0


def write_markdown(path: Path, measured: str) -> None:
    """Write the results; a hand-written ``## Analysis`` section already in the file is kept."""
    kept = ""
    if path.exists():
        text = path.read_text()
        if (start := text.find(ANALYSIS)) >= 0:
            kept = "\n" + text[start:]
    path.write_text(f"# Benchmark results\n\n{measured}\n{kept}")


def machine() -> str:
    """The machine and software the numbers belong to."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return "\n".join(
        [
            f"- date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
            f"- machine: {usable} usable CPUs (nproc), {cpu}, {platform.platform()}",
            f"- load average when the table was printed (1, 5, 15 min): {load}",
            f"- Python {platform.python_version()} ({platform.python_implementation()})",
            f"- {versions}",
            f"- commit: {_commit()}",
        ]
    )


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def _commit() -> str:
    """HEAD, and whether the measured code (settings/, app/) differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--", "settings", "app"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} with uncommitted changes in settings/ or app/" if changed.strip() else head


if __name__ == "__main__":
    raise SystemExit(main())
