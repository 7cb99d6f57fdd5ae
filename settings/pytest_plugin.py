"""A pytest plugin, registered by the package's ``pytest11`` entry point: the ``settings`` fixture.

In the spirit of pytest-django's: read the current settings through it, change them for the
rest of the test by assigning or by :meth:`SettingsFixture.override`; every change is validated
(an invalid one raises :class:`settings.ImproperlyConfigured`), is what ``get_settings()`` and a
running app's settings dependency return, and is undone when the test ends, passed or failed::

    def test_pool(settings):
        settings.debug = False
        settings.override(database={"port": 5433})   # or database__port=5433
        assert get_settings().database.port == 5433

The fixture loads the environment the ``settings_env`` ini option names (default ``testing``),
with the project's model, from the working directory; for the test it is the process's settings.
It names the environment itself, so the switch variable (``ENV_FOR_DYNACONF``, or the
application's ``env_switcher``) does not change it: a shell left in production cannot reach the
tests. The rest of the application's naming holds: ``testing`` gets the deployment rules only if
``deploy_environments`` lists it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from settings._errors import ImproperlyConfigured
from settings._load import load_settings
from settings._process import get_settings, override_settings, process_settings
from settings.schema import BaseSettings

SETTINGS_ENV_OPTION = "settings_env"
DEFAULT_TEST_ENV = "testing"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SETTINGS_ENV_OPTION,
        "environment the settings fixture loads (default: testing)",
        default=DEFAULT_TEST_ENV,
    )


@cache
def _environment_settings(env: str, root: Path) -> BaseSettings:
    """One load per environment and directory for the whole session: settings are frozen.
    An environment settings.toml does not define is reported as the ini option's."""
    try:
        return load_settings(env, root=root)
    except ImproperlyConfigured as exc:
        problems = [
            dataclasses.replace(
                problem,
                origin=f"the {SETTINGS_ENV_OPTION} ini option of pytest",
                hint=f"add a [{env}] table to settings.toml, or set {SETTINGS_ENV_OPTION} "
                "to one it has",
            )
            if problem.key == "environment"
            else problem
            for problem in exc.problems
        ]
        raise ImproperlyConfigured(problems) from None


class SettingsFixture:
    """Reads go to the current settings; assignments and :meth:`override` push a change."""

    def __init__(self) -> None:
        object.__setattr__(self, "_overrides", [])

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy, pickle and introspection probes are not settings
            raise AttributeError(name)
        return getattr(get_settings(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.override(**{name: value})

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"settings cannot be deleted; assign {name} a value instead")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *type(get_settings()).model_fields})

    def __repr__(self) -> str:
        return f"<settings fixture: {get_settings()!r}>"

    def override(self, **changes: Any) -> BaseSettings:
        """Apply ``changes`` (``database={"port": 5433}`` or ``database__port=5433``) until the
        test ends; return the new settings."""
        change = override_settings(**changes)
        settings = change.enable()
        self._overrides.append(change)
        assert settings is not None  # the fixture always has process settings
        return settings

    def restore(self) -> None:
        """Undo every change, latest first."""
        overrides: list[override_settings] = self._overrides
        while overrides:
            overrides.pop().disable()


@pytest.fixture
def settings(request: pytest.FixtureRequest) -> Iterator[SettingsFixture]:
    """The settings of the ``settings_env`` environment, changeable for this test:
    ``settings.debug = False``."""
    env = str(request.config.getini(SETTINGS_ENV_OPTION)) or DEFAULT_TEST_ENV
    previous = process_settings.peek()
    process_settings.install(_environment_settings(env, Path.cwd()))
    fixture = SettingsFixture()
    try:
        yield fixture
    finally:
        fixture.restore()
        process_settings.install(previous)
