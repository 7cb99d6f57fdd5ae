"""A pytest plugin, registered by the package's ``pytest11`` entry point: the ``settings`` fixture.

In the spirit of pytest-django's: read the current settings through it, change them for the
rest of the test by assigning or by :meth:`SettingsFixture.override`; every change is validated
(an invalid one raises :class:`settings.ImproperlyConfigured`), is what ``get_settings()`` and a
running app's ``SettingsDep`` return, and is undone when the test ends, passed or failed::

    def test_pool(settings):
        settings.debug = False
        settings.override(database={"port": 5433})   # or database__port=5433
        assert get_settings().database.port == 5433
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from settings.api import get_settings
from settings.overrides import override_settings
from settings.schema import Settings


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
        return sorted({*super().__dir__(), *Settings.model_fields})

    def __repr__(self) -> str:
        return f"<settings fixture: {get_settings()!r}>"

    def override(self, **changes: Any) -> Settings:
        """Apply ``changes`` (``database={"port": 5433}`` or ``database__port=5433``) until the
        test ends; return the new settings."""
        change = override_settings(**changes)
        settings = change.enable()
        self._overrides.append(change)
        return settings

    def restore(self) -> None:
        """Undo every change, latest first."""
        overrides: list[override_settings] = self._overrides
        while overrides:
            overrides.pop().disable()


@pytest.fixture
def settings() -> Iterator[SettingsFixture]:
    """The settings, changeable for this test: ``settings.debug = False``."""
    fixture = SettingsFixture()
    try:
        yield fixture
    finally:
        fixture.restore()
