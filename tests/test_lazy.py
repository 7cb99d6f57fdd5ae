"""settings/_lazy.py: Django's lazy ``settings`` object, for code that reads settings at import."""

from __future__ import annotations

import subprocess
import sys

import pytest

from settings import ImproperlyConfigured, Settings, lazy, override_settings
from settings import settings as lazy_settings
from tests.support.environ import REPO

#: A module that reads settings at import time, the way full-stack-fastapi-template's does.
READS_AT_IMPORT = """
import sys
from settings import settings
from settings._process import process_settings
print("loaded before use:", process_settings.peek() is not None)
print("debug:", settings.debug)
"""


def test_importing_it_reads_nothing_and_the_first_access_loads(tmp_path) -> None:
    (tmp_path / "settings.toml").write_text(
        '[default]\nsecret_key = "k"\n[development]\ndebug = true\n'
    )

    result = subprocess.run(
        [sys.executable, "-c", READS_AT_IMPORT],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
    )

    assert result.stdout.splitlines() == ["loaded before use: False", "debug: True"], result.stderr


@pytest.mark.usefixtures("process_environment")
def test_without_settings_toml_only_the_first_access_fails(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = lazy(Settings)  # creating it reads nothing: no error yet

    with pytest.raises(ImproperlyConfigured, match=r"settings\.toml is required"):
        _ = config.debug


@pytest.mark.usefixtures("process_environment")
def test_it_follows_override_settings(project, monkeypatch) -> None:
    monkeypatch.chdir(project.root)

    before = lazy_settings.database.port
    with override_settings(database={"port": 6543}):
        inside = lazy_settings.database.port
    after = lazy_settings.database.port

    assert (before, inside, after) == (5432, 6543, 5432)


@pytest.mark.usefixtures("process_environment")
@pytest.mark.usefixtures("process_environment")
def test_assignment_is_a_validated_override_that_del_undoes(project, monkeypatch) -> None:
    """As Django's ``settings.X = ...``: what ``unittest.mock.patch`` does on enter and exit."""
    monkeypatch.chdir(project.root)

    lazy_settings.log_level = "debug"  # type: ignore[misc]
    try:
        assert lazy_settings.log_level == "debug"
        with pytest.raises(ImproperlyConfigured, match="log_level"):
            lazy_settings.log_level = "loud"  # type: ignore[misc]
    finally:
        del lazy_settings.log_level
    assert lazy_settings.log_level == "info"
    with pytest.raises(AttributeError, match="was not assigned"):
        del lazy_settings.log_level


def test_its_repr_loads_nothing(project, monkeypatch) -> None:
    monkeypatch.chdir(project.root)

    assert repr(lazy(Settings)) == "<LazySettings of Settings>"


@pytest.mark.usefixtures("process_environment")
def test_a_model_the_process_does_not_hold_is_named(project, monkeypatch) -> None:
    class Other(Settings):
        extra: str = "x"

    monkeypatch.chdir(project.root)

    with pytest.raises(ImproperlyConfigured, match="are a Settings, not a Other"):
        _ = lazy(Other).extra
