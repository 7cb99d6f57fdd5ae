"""Tests of settings/contrib/database/."""
