"""docs/explanation/architecture.md's "How a value travels" is the code's layout: the modules in
the order a value passes through them, and no module imports one that comes later (the order is
the design; an import against it is a cycle waiting to happen or a layer in the wrong place)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.support.environ import REPO

PACKAGE = REPO / "settings"


def travel_order() -> list[str]:
    """The modules the page's section names, in its order (a folder listed whole is the
    package's ``__init__``)."""
    text = (REPO / "docs" / "explanation" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("## How a value travels") :]
    section = section[: section.index("\n## ", 1)]
    order: list[str] = []
    for path in re.findall(r"`(settings/[\w/]+(?:\.py)?)`", section):
        name = path.removesuffix(".py").removesuffix("/").replace("/", ".")
        if name not in order:
            order.append(name)
    return order


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The ``settings`` modules ``path`` imports, at module level or inside functions; not
    those under ``if TYPE_CHECKING:``, which name a type and run nothing."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "settings"}


def position(order: list[str], module: str) -> int | None:
    """Where ``module`` is in the order: itself, or the package listed that holds it."""
    while module:
        if module in order:
            return order.index(module)
        module = module.rpartition(".")[0]
    return None


def test_every_module_of_the_package_is_in_the_travel_order() -> None:
    order = travel_order()
    modules = {module_name(path) for path in PACKAGE.rglob("*.py")}
    missing = sorted(m for m in modules if m != "settings" and position(order, m) is None)
    page = "docs/explanation/architecture.md's 'How a value travels'"
    assert not missing, f"{page} does not place: {missing}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda path: module_name(path))
def test_no_module_imports_one_that_comes_later(path: Path) -> None:
    order = travel_order()
    here = position(order, module_name(path))
    if here is None:  # the package's __init__: the public interface re-exports everything
        return
    later = sorted(
        name
        for name in imported(path)
        if (there := position(order, name)) is not None and there > here
    )
    assert not later, f"{module_name(path)} imports {later}, which come later in the order"
