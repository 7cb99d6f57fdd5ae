"""Attribute read: ``settings.database.host`` on the object handlers get, against references.

- ours: the :class:`settings.Settings` that ``load_settings`` returns (what ``SettingsDep``
  hands to a handler), production with its required variables;
- a frozen Pydantic model of the same shape, built directly (the floor);
- Dynaconf's ``LazySettings`` over the same file (every read goes through ``__getattr__``);
- ours, ``database.url``: a ``cached_property``, so a repeated read is an attribute read.

Times are per read, including ``timeit``'s loop overhead (shown as its own row). A second
section does the same with the generated 50-field application model
(:mod:`benchmarks.big_model`), reading a field of one of its sections.
"""

from __future__ import annotations

import os
import timeit
from pathlib import Path
from typing import Any
from unittest import mock

from benchmarks import big_model
from benchmarks.common import BENCH_HOST, PRODUCTION_ENVIRON, app_model_dir, settings_dir
from benchmarks.measure import Check, Section, Target, interleave

TITLE = "attribute read"
TITLE_APP_MODEL = "attribute read, 50-field app model"
#: What the 50-field section reads: a field of the application's own sections.
APP_FIELD = "storage.label"


def run(rounds: int, sample_seconds: float, warmup: int = 1) -> list[Section]:
    """The reference application's model, then the generated 50-field one."""
    from benchmarks.naive import Database, NaiveSettings

    sections = []
    with settings_dir() as root:
        plain = NaiveSettings(secret_key="x" * 40, database=Database(host=BENCH_HOST))
        sections.append(_run(TITLE, root, plain, "database.host", rounds, sample_seconds, warmup))
    with app_model_dir() as root:
        big_model.importable(root)
        from benchapp.naive import NaiveBench  # type: ignore[import-not-found]  # generated

        plain = NaiveBench(secret_key="x" * 40, database=Database(host=BENCH_HOST))
        sections.append(
            _run(TITLE_APP_MODEL, root, plain, APP_FIELD, rounds, sample_seconds, warmup)
        )
    return sections


def _run(
    title: str,
    root: Path,
    plain: Any,
    attribute: str,
    rounds: int,
    sample_seconds: float,
    warmup: int,
) -> Section:
    """``attribute`` on ours (loaded from ``root``), on ``plain`` and on Dynaconf."""
    from dynaconf import Dynaconf

    from settings import load_settings

    section = Section(title)
    ours = load_settings("production", root=root, environ=PRODUCTION_ENVIRON)
    lazy = Dynaconf(  # merge_enabled: else [production.database] hides database.host
        settings_files=[os.fspath(root / "settings.toml")],
        environments=True,
        env="production",
        merge_enabled=True,
        envvar_prefix="APP",
    )
    with mock.patch.dict(os.environ, PRODUCTION_ENVIRON):
        lazy.database.host  # noqa: B018 - Dynaconf loads its files on first read
    values = {ours.database.host, plain.database.host, lazy.database.host}
    label = f"ours ({type(ours).__name__}), Pydantic and Dynaconf read the same database.host"
    section.checks.append(Check(label, values == {BENCH_HOST}))
    first_url = ours.database.url
    section.notes.append(
        "database.url computed once (same object on every read): "
        f"{'yes' if ours.database.url is first_url else 'NO'}"
    )
    ours_name, plain_name = f"ours: settings.{attribute}", f"frozen Pydantic model: .{attribute}"
    lazy_name = f"Dynaconf LazySettings: .{attribute}"
    host, url = "ours: settings.database.host", "ours: settings.database.url (repeated)"
    statements = {
        ours_name: (f"s.{attribute}", ours),
        plain_name: (f"s.{attribute}", plain),
        lazy_name: (f"s.{attribute}", lazy),
        host: ("s.database.host", ours),
        url: ("s.database.url", ours),
        "loop overhead (statement `s`)": ("s", ours),
    }
    variants = []
    for name, (statement, target) in statements.items():
        if name in section.series:  # ours: settings.database.host, already there
            continue
        timer = timeit.Timer(statement, globals={"s": target})
        number = _calibrate(timer, sample_seconds)
        variants.append((section.add(name, "ns/read"), _sampler(timer, number)))
    interleave(variants, rounds, warmup)
    section.targets += [
        Target("ours / frozen Pydantic", ours_name, plain_name, "<=", 1.5),
        Target("Dynaconf / ours (times faster)", lazy_name, ours_name, ">=", 20),
        Target("database.url / database.host", url, host, "<=", 1.5),
    ]
    return section


def _calibrate(timer: timeit.Timer, seconds: float) -> int:
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds / 5 or number >= 10**8:
            return max(1, int(number * seconds / max(elapsed, 1e-9)))
        number *= 10


def _sampler(timer: timeit.Timer, number: int) -> Any:
    def sample() -> float:
        return timer.timeit(number) / number * 1e9

    return sample
