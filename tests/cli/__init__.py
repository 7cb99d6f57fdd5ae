"""Tests of python -m settings."""
