"""Tests of settings/checks/."""
