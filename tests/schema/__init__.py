"""Tests of settings/schema/."""
