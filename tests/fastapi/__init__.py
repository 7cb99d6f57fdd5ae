"""Tests of settings/fastapi/."""
