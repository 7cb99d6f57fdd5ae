"""Tests of settings/contrib/."""
