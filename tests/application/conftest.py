"""The chat project's tests: its fixtures are in :mod:`tests.support.chat`."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "slow: slow but required (a wheel built and installed from the package index); "
        "-m 'not slow' leaves it out of a quick loop",
    )
