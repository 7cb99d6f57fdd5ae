"""The pytest plugin's entry point (``pytest11``): :mod:`settings.pytest_plugin`, unless the name
``settings`` is another module in the project under test.

A project may have its own ``settings.py`` (Django's habit) or ``settings/`` package. Importing
the framework's ``settings`` there would fail, or would put the framework in ``sys.modules`` in
place of the project's own module and break the project's tests. So this module, top-level and
named apart, finds out where ``settings`` comes from without importing it: when it is not the
framework installed beside this file, the plugin steps aside, and says why in pytest's report
header (a notice, not a warning: projects run with ``filterwarnings = error``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_FRAMEWORK = Path(__file__).resolve().parent / "settings" / "__init__.py"
_CONFIG_FILES = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def _shadowing_module() -> str | None:
    """Where the module named ``settings`` comes from when it is not the framework."""
    loaded = sys.modules.get("settings")
    if loaded is not None:
        origin = getattr(loaded, "__file__", None)
    else:
        try:
            spec = importlib.util.find_spec("settings")
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
    if origin is None or Path(origin).resolve() != _FRAMEWORK:
        return str(origin) if origin else "a module without a file"
    for directory in _project_directories():
        # Not on sys.path yet, but pytest's rootdir insertion would let the project's tests
        # import it, and find the framework in sys.modules instead.
        for candidate in (directory / "settings.py", directory / "settings" / "__init__.py"):
            if candidate.is_file() and candidate.resolve() != _FRAMEWORK:
                return str(candidate)
    return None


def _project_directories() -> list[Path]:
    """The working directory and its parents up to the project's root (the first holding a
    pytest configuration file), where the project's own top-level modules are."""
    directories = []
    for directory in (Path.cwd(), *Path.cwd().parents):
        directories.append(directory)
        if any((directory / name).is_file() for name in _CONFIG_FILES):
            return directories
    return directories[:1]


_SHADOWED_BY = _shadowing_module()

if _SHADOWED_BY is None:
    from settings.pytest_plugin import pytest_addoption, settings

    __all__ = ["pytest_addoption", "settings"]
else:
    __all__ = ["pytest_report_header"]

    def pytest_report_header() -> str:
        return (
            f"settings fixture: off, the name 'settings' is the project's own module "
            f"({_SHADOWED_BY}), not the settings framework (fastapi-layered-settings)"
        )
