"""Tests of settings/merge/."""
