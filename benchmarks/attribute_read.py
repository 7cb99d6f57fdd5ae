"""Attribute read: ``settings.database.host`` on the object handlers get, against references.

- ours: the :class:`settings.Settings` that ``load_settings`` returns (what ``SettingsDep``
  hands to a handler), production with its required variables;
- a frozen Pydantic model of the same shape, built directly (the floor);
- Dynaconf's ``LazySettings`` over the same file (every read goes through ``__getattr__``);
- ours, ``database.url``: a ``cached_property``, so a repeated read is an attribute read.

Times are per read, including ``timeit``'s loop overhead (shown as its own row).
"""

from __future__ import annotations

import os
import timeit
from typing import Any

from benchmarks.common import PRODUCTION_ENVIRON, settings_dir
from benchmarks.measure import Section, Target, interleave

TITLE = "attribute read"


def run(rounds: int, sample_seconds: float, warmup: int = 1) -> Section:
    from dynaconf import Dynaconf

    from benchmarks.naive import Database, NaiveSettings
    from settings import load_settings

    section = Section(TITLE)
    with settings_dir() as root:
        ours = load_settings("production", root=root, environ=PRODUCTION_ENVIRON)
        lazy = Dynaconf(  # merge_enabled: else [production.database] hides database.host
            settings_files=[os.fspath(root / "settings.toml")],
            environments=True,
            env="production",
            merge_enabled=True,
        )
        lazy.database.host  # noqa: B018 - Dynaconf loads its files on first read
    plain = NaiveSettings(secret_key="x" * 40, database=Database(host=ours.database.host))
    first_url = ours.database.url
    section.notes.append(
        "database.url computed once (same object on every read): "
        f"{'yes' if ours.database.url is first_url else 'NO'}"
    )
    statements = {
        "ours: settings.database.host": ("s.database.host", ours),
        "frozen Pydantic model: .database.host": ("s.database.host", plain),
        "Dynaconf LazySettings: .database.host": ("s.database.host", lazy),
        "ours: settings.database.url (repeated)": ("s.database.url", ours),
        "loop overhead (statement `s`)": ("s", ours),
    }
    variants = []
    for name, (statement, target) in statements.items():
        timer = timeit.Timer(statement, globals={"s": target})
        number = _calibrate(timer, sample_seconds)
        variants.append((section.add(name, "ns/read"), _sampler(timer, number)))
    interleave(variants, rounds, warmup)
    section.targets += [
        Target("ours / frozen Pydantic", "ours: settings.database.host",
               "frozen Pydantic model: .database.host", "<=", 1.5),
        Target("Dynaconf / ours (times faster)", "Dynaconf LazySettings: .database.host",
               "ours: settings.database.host", ">=", 20),
        Target("database.url / database.host", "ours: settings.database.url (repeated)",
               "ours: settings.database.host", "<=", 1.5),
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
