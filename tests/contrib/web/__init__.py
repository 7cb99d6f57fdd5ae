"""Tests of settings/contrib/web/."""
