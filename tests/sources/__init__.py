"""Tests of settings/sources/."""
