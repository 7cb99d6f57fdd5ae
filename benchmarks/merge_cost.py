"""Merge cost: one load of files holding 5k and 10k keys, to show the cost grows linearly.

Each variant is :func:`settings.build.build` (files read, ``dynaconf_merge`` marks and merge
tokens turned into markers and checked, layers merged with their history, values validated)
in-process, on a directory written for it:

- ``settings.toml`` ``[default]`` sets half the keys, ``[production]`` three eighths (a third of
  them set again, the rest new), ``.secrets.toml`` ``[production]`` the last eighth, some of them
  set again: tables merge key by key over three layers, ``keys`` values in all;
- every layer also extends ``allowed_hosts`` with ``@merge``, so each one's markers are checked
  against the layers below it (the loader used to merge all the layers below again for each);
- ``[production.database]`` replaces one table with ``dynaconf_merge = false``.

The keys live in ``database.options`` (a table of free keys), which validation then refuses as
unsupported driver options: one problem, after every key went through the whole load.
Measured: wall clock (the target) and CPU time of this process, which other work on a shared
machine disturbs less; the garbage of the previous load is collected before each one. Target:
twice the keys take at most 2.5 times as long (linear, with room for noise).
"""

from __future__ import annotations

import gc
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.common import PRODUCTION_ENVIRON
from benchmarks.measure import Section, Series, Target, interleave

TITLE = "merge cost"
SIZES = (5_000, 10_000)


CPU = "CPU: "


def label(keys: int) -> str:
    return f"ours: build('production'), {keys:,} keys in 3 layers"


def run(rounds: int, warmup: int = 1) -> Section:
    from settings._load import build

    section = Section(TITLE)
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as name:
        variants: list[tuple[list[Series], Callable[[], tuple[float, float]]]] = []
        for keys in SIZES:
            root = Path(name) / str(keys)
            write_files(root, keys)
            built = build("production", root, PRODUCTION_ENVIRON)
            merged = sum(key.startswith("database.options.") for key in built.values)
            section.notes.append(f"{keys:,} keys: {merged:,} merged into database.options")
            series = [section.add(label(keys), "ms"), section.add(CPU + label(keys), "ms")]
            variants.append((series, _timer(build, root)))
        interleave(variants, rounds, warmup)
        section.series = {  # wall-clock rows first, then the CPU rows
            name: section.series[name]
            for name in sorted(section.series, key=lambda name: name.startswith(CPU))
        }
    small, large = (label(keys) for keys in SIZES)
    ratio = f"{SIZES[1]:,} keys / {SIZES[0]:,} keys"
    section.targets.append(Target(ratio, large, small, "<=", 2.5))
    section.targets.append(Target(f"{ratio}, CPU time", CPU + large, CPU + small, None))
    return section


def _timer(build: Callable[..., object], root: Path) -> Callable[[], tuple[float, float]]:
    def sample() -> tuple[float, float]:
        """Wall and CPU milliseconds of one load; the garbage of the last one collected first."""
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        build("production", root, PRODUCTION_ENVIRON)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000

    return sample


def write_files(root: Path, keys: int) -> None:
    """The three layers described in the module's docstring, ``keys`` keys in all."""
    root.mkdir(parents=True)
    half, eighth = keys // 2, keys // 8
    default = [f'k{i} = "default-{i}"' for i in range(half)]
    production = [f'k{i} = "production-{i}"' for i in range(half - eighth, half + 2 * eighth)]
    secrets = [f'k{i} = "secret-{i}"' for i in range(0, 2 * keys, 16)][:eighth]
    (root / "settings.toml").write_text(
        "\n".join(
            [
                "[default]",
                'allowed_hosts = ["localhost"]',
                "[default.database.pool]",
                "size = 3",
                "[default.database.options]",
                *default,
                "[development]",
                "[production]",
                'allowed_hosts = "@merge [\\"api.example.com\\"]"',
                "[production.database.pool]",
                "dynaconf_merge = false",
                "max_overflow = 2",
                "[production.database.options]",
                *production,
                "",
            ]
        )
    )
    (root / ".secrets.toml").write_text(
        "\n".join(
            [
                "[production]",
                'allowed_hosts = "@merge [\\"www.example.com\\"]"',
                "[production.database.options]",
                *secrets,
                "",
            ]
        )
    )
