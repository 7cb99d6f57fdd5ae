"""Where ``import settings`` plus one load spends its import time, and what pulls it in.

    python -m benchmarks.import_cost            # 7 runs; the minimum self time of each module

Runs ``python -X importtime``, everything read from bytecode
(:func:`benchmarks.common.child_environ`), on two pairs:

- the benchmarks' cold start: ``import settings`` and one ``load_settings('production')`` in a
  temporary copy of ``settings.toml`` and ``pyproject.toml`` (the reference application's
  model), against the plainest reference, ``tomllib`` + Pydantic
  (:func:`benchmarks.naive.load_tomllib`, a model of the same shape);
- a minimal project (``[default]`` with a ``secret_key``, ``[development]``, the base
  ``Settings``, no variables): ``import settings; settings.load_settings()``, against
  pydantic-settings reading the same file into a two-field model, as its documentation does.

``-X importtime`` slows every import, so read its numbers as proportions, not as the wall
time of a start.

It prints the framework's own modules by self time, then every module only ours imports,
grouped under the framework module that first imported it (its nearest ``settings.*`` or
``app.*`` ancestor in the import tree): that module is where a deferred import would save it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import PRODUCTION_ENVIRON, child_environ, settings_dir
from benchmarks.figures import MINIMAL_TOML

OURS = "import settings; settings.load_settings('production')"
REFERENCE = "from benchmarks.naive import load_tomllib; load_tomllib('production')"
OWN = ("settings", "app")


@dataclass(frozen=True)
class Imported:
    name: str
    self_us: int
    cumulative_us: int
    importer: str  # the nearest enclosing import that is the framework's, else ""


def profile(
    code: str, root: Path, runs: int, variables: dict[str, str] = PRODUCTION_ENVIRON
) -> dict[str, Imported]:
    """Every module ``code`` imports, with its minimum self time over ``runs`` runs."""
    environ = child_environ(variables)
    best: dict[str, Imported] = {}
    for _ in range(runs + 1):  # the first writes the bytecode
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            cwd=root,
            env=environ,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            raise RuntimeError(f"{code} failed:\n{completed.stderr[-3000:]}")
        for module in parse(completed.stderr):
            if module.name not in best or module.self_us < best[module.name].self_us:
                best[module.name] = module
    return best


def parse(stderr: str) -> list[Imported]:
    """``-X importtime`` lines; a module's importer is the next line less indented."""
    rows: list[tuple[int, str, int, int]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own_time, total_time, label = line.removeprefix("import time:").split("|")
        depth = (len(label) - len(label.lstrip())) // 2
        rows.append((depth, label.strip(), int(own_time), int(total_time)))
    parents: dict[int, str] = {}
    found: list[Imported] = []
    for index in range(len(rows) - 1, -1, -1):  # parents come after their children
        depth, name, self_us, cumulative_us = rows[index]
        parents[depth] = name
        chain = [parents[d] for d in range(depth - 1, -1, -1) if d in parents]
        importer = next((n for n in chain if n.split(".")[0] in OWN), "")
        found.append(Imported(name, self_us, cumulative_us, importer))
        for deeper in [d for d in parents if d > depth]:
            del parents[deeper]
    return found


def report(ours: dict[str, Imported], reference: dict[str, Imported]) -> str:
    own = sorted(
        (m for m in ours.values() if m.name.split(".")[0] in OWN), key=lambda m: -m.self_us
    )
    extra = [m for name, m in ours.items() if name not in reference and m not in own]
    by_importer: dict[str, list[Imported]] = defaultdict(list)
    for module in extra:
        by_importer[module.importer or "(outside the framework)"].append(module)
    groups = sorted(by_importer.items(), key=lambda item: -sum(m.self_us for m in item[1]))
    lines = [
        f"ours: {len(ours)} modules imported, reference (tomllib + Pydantic): {len(reference)}",
        f"the framework's own modules, self time: {sum(m.self_us for m in own) / 1000:.1f} ms",
        *(f"  {m.self_us / 1000:6.2f} ms  {m.name}" for m in own[:15]),
        f"modules only ours imports: {len(extra)}, self time "
        f"{sum(m.self_us for m in extra) / 1000:.1f} ms, by the framework module that pulls them:",
    ]
    for importer, modules in groups:
        modules.sort(key=lambda m: -m.self_us)
        total = sum(m.self_us for m in modules) / 1000
        named = ", ".join(f"{m.name} {m.self_us / 1000:.1f}" for m in modules[:6])
        more = f" and {len(modules) - 6} more" if len(modules) > 6 else ""
        lines.append(f"  {total:6.2f} ms  {importer}: {named}{more}")
    return "\n".join(lines)


MINIMAL_REFERENCE = """
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict, TomlConfigSettingsSource
class Minimal(BaseSettings):
    model_config = SettingsConfigDict(frozen=True, extra="ignore", toml_file="settings.toml")
    secret_key: SecretStr = SecretStr("")
    debug: bool = False
    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, **others):
        return init_settings, TomlConfigSettingsSource(settings_cls)
Minimal()
"""


def main() -> int:
    with settings_dir() as root:
        ours = profile(OURS, root, 7)
        reference = profile(REFERENCE, root, 7)
    print("## the benchmarks' cold start (reference application's model, production)")
    print(report(ours, reference))
    with tempfile.TemporaryDirectory(prefix="bench-minimal-") as name:
        Path(name, "settings.toml").write_text(MINIMAL_TOML)
        ours = profile("import settings; settings.load_settings()", Path(name), 7, {})
        reference = profile(MINIMAL_REFERENCE, Path(name), 7, {})
    print("\n## a minimal project (base Settings, development), against minimal pydantic-settings")
    print(report(ours, reference).replace("tomllib + Pydantic", "pydantic-settings"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
