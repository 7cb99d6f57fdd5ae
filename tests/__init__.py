"""The test suite (a package, so that tests/app does not shadow the app package)."""
