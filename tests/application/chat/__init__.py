"""A chat backend's settings and app, declared outside the framework's files (SPEC 9)."""
