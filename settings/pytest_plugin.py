"""Placeholder replaced by the pytest plugin (issue 4)."""
