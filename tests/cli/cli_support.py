"""Moved to :mod:`tests.support.cli`; kept only while ``test_cli_schema.py`` imports it here."""

from tests.support.cli import PRODUCTION, SETTINGS_TOML, Result, Run

__all__ = ["PRODUCTION", "SETTINGS_TOML", "Result", "Run"]
