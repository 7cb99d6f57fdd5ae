"""The package's structural figures (issue 19): size, the modules one load touches, import cycles.

    python -m benchmarks.figures            # the figures, with the touched modules and cycles
    python -m benchmarks.figures --json     # the same, as one JSON object

- **size**: ``.py`` modules directly in ``settings/`` (top level) and packages (folders with an
  ``__init__.py``) anywhere under it; the lines of every ``.py`` file under ``settings/``.
- **touched by one clean load**: a fresh interpreter, in a temporary directory holding a
  minimal ``settings.toml`` (``[default]`` with a ``secret_key``, ``[development]``), imports
  ``settings`` and calls ``settings.load_settings(root=tmp, environ={})``; the ``settings.*``
  modules then in ``sys.modules`` are counted (and the same after ``import settings`` alone).
  A second load then runs under ``sys.setprofile``: the framework's functions it calls, and
  the modules they are in (issue 19's review counted what a load runs: 111 functions in 22
  modules).
  The child's own environment is emptied too, but for ``PYTHONPATH`` (and ``PATH`` and
  ``PYTHONDONTWRITEBYTECODE``), so nothing outside the two files can steer what it imports.
- **import cycles**: a static walk of every module's module-level imports (those inside
  functions and under ``if TYPE_CHECKING:`` are left out: neither runs at import). An edge
  ``a -> b`` means ``a`` names ``b`` in an import; ``from pkg import name`` counts
  ``pkg.name`` when that is a module, else ``pkg``. Python also runs a module's parent
  packages before it, but that implicit edge is left out, as cycle checkers (pylint's
  ``cyclic-import``, import-linter) leave it out: a package's ``__init__`` importing its own
  children would otherwise be a cycle with each of them. Each strongly connected group of more
  than one module is a cycle.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = "settings"

#: The minimal project of the "touched by one clean load" figure.
MINIMAL_TOML = '[default]\nsecret_key = "figures-only-key"\n\n[development]\n'

#: What the fresh interpreter runs; prints the ``settings.*`` modules, one per line, after
#: ``import settings`` and after one load, then the ``module:function`` of each framework
#: function a second load runs; the three separated by a line ``--``.
_PROBE = """
import sys
def names():
    return sorted(m for m in sys.modules if m == 'settings' or m.startswith('settings.'))
import settings
print('\\n'.join(names()))
print('--')
settings.load_settings(root=sys.argv[1], environ={})
print('\\n'.join(names()))
print('--')
ran = set()
def watch(frame, event, arg):
    module = frame.f_globals.get('__name__', '')
    if event == 'call' and (module == 'settings' or module.startswith('settings.')):
        ran.add(module + ':' + frame.f_code.co_qualname)
sys.setprofile(watch)
settings.load_settings(root=sys.argv[1], environ={})
sys.setprofile(None)
print('\\n'.join(sorted(ran)))
"""


@dataclass(frozen=True)
class Figures:
    top_level_modules: int
    packages: int
    lines: int
    imported: list[str]
    touched: list[str]
    ran: list[str]
    cycles: list[list[str]]


def measure(package: Path = REPO / PACKAGE) -> Figures:
    """Every figure of ``package`` (a directory holding an importable package)."""
    imported, touched, ran = touched_modules(package.parent)
    return Figures(
        top_level_modules=sum(1 for path in package.glob("*.py")),
        packages=sum(1 for _ in package.rglob("__init__.py")),
        lines=sum(len(path.read_text().splitlines()) for path in package.rglob("*.py")),
        imported=imported,
        touched=touched,
        ran=ran,
        cycles=import_cycles(package),
    )


def touched_modules(path_entry: Path = REPO) -> tuple[list[str], list[str], list[str]]:
    """The ``settings`` modules after ``import settings``, and after one clean load, in a
    fresh interpreter whose ``sys.path`` starts with ``path_entry``; and the framework's
    functions (``module:qualified name``) a second clean load runs there."""
    with tempfile.TemporaryDirectory(prefix="figures-") as name:
        Path(name, "settings.toml").write_text(MINIMAL_TOML)
        completed = subprocess.run(
            [sys.executable, "-c", _PROBE, name],
            cwd=name,
            env={
                "PYTHONPATH": str(path_entry),
                "PATH": os.environ.get("PATH", ""),
                **{k: v for k, v in os.environ.items() if k == "PYTHONDONTWRITEBYTECODE"},
            },
            capture_output=True,
            text=True,
            check=False,
        )
    if completed.returncode != 0:
        raise RuntimeError(f"the clean load failed:\n{completed.stderr}")
    imported, loaded, ran = completed.stdout.split("--\n")
    return imported.split(), loaded.split(), ran.split()


def import_cycles(package: Path) -> list[list[str]]:
    """The import cycles among ``package``'s modules (module-level imports only), each as
    its sorted module names; sorted."""
    graph = import_graph(package)
    groups = [sorted(group) for group in _strongly_connected(graph) if len(group) > 1]
    return sorted(groups)


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module name -> the package's modules it imports at module level, each module's packages
    included: importing ``a.b.c`` runs ``a/b/__init__.py`` first, unless ``a.b`` is a package
    of the importing module itself (Python has begun it already)."""
    modules = dict(_modules(package))
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        own = {".".join(name.split(".")[:end]) for end in range(1, name.count(".") + 2)}
        targets = set()
        for names in _imported(ast.parse(path.read_text()), name, is_package):
            found = next((t for t in names if t in modules), None)
            if found is None:
                continue
            parts = found.split(".")
            chain = {".".join(parts[:end]) for end in range(1, len(parts) + 1)}
            targets |= {target for target in chain if target in modules and target not in own}
        graph[name] = targets
    return graph


def _modules(package: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _imported(tree: ast.Module, module: str, is_package: bool) -> Iterator[tuple[str, ...]]:
    """What a module's top-level statements import, each as candidates in order of preference
    (``from x import y``: ``x.y`` if that is a module, else ``x``)."""
    for node in _module_level(tree.body):
        if isinstance(node, ast.Import):
            yield from ((alias.name,) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            yield from ((f"{base}.{alias.name}", base) for alias in node.names)


def _module_level(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import: into ``if``/``try``/``with`` blocks, not into functions,
    classes' methods or ``if TYPE_CHECKING:``."""
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _module_level(node.body)
            yield from _module_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_level(block)
            for handler in node.handlers:
                yield from _module_level(handler.body)
        elif isinstance(node, ast.With | ast.ClassDef):
            yield from _module_level(node.body)
        else:
            yield node


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            following = next(edges, None)
            if following is not None:
                if following not in index:
                    index[following] = low[following] = len(index)
                    stack.append(following)
                    on_stack.add(following)
                    work.append((following, iter(sorted(graph[following]))))
                elif following in on_stack:
                    low[node] = min(low[node], index[following])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.add(member)
                    if member == node:
                        break
                groups.append(group)
    return groups


def report(figures: Figures) -> str:
    """The figures as text, with the issue's targets beside those it sets."""
    lines = [
        f"settings/: {figures.top_level_modules} modules at the top level (target <= 12), "
        f"{figures.packages} packages, {figures.lines:,} lines of Python (target <= 5,000)",
        f"import settings: {len(figures.imported)} settings modules",
        f"one clean load_settings(): {len(figures.touched)} settings modules (target <= 12)",
        *(f"  {name}" for name in figures.touched),
        f"a second clean load_settings() runs {len(figures.ran)} of the framework's functions "
        f"in {len({name.partition(':')[0] for name in figures.ran})} modules (issue 19's "
        "review counted 111 in 22)",
        f"import cycles: {len(figures.cycles)} (target 0)",
        *(f"  {' <-> '.join(cycle)}" for cycle in figures.cycles),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.figures", description=__doc__)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    arguments = parser.parse_args(argv)
    figures = measure()
    print(json.dumps(asdict(figures), indent=2) if arguments.json else report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
