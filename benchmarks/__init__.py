"""Benchmarks of the settings framework: ``python -m benchmarks`` (see benchmarks/README.md)."""
