"""The repository, and the process environment a test's subprocess starts from.

A subprocess (a server, ``python -m settings``) inherits this process's environment; CI sets
``DATABASE_URL`` and a developer may have ``APP_`` variables, so every variable the loader reads
is removed first and the test's own are added.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from settings import Settings
from settings.sources import ENV_VARIABLE
from settings.sources._environ import deployment_variables

REPO = Path(__file__).resolve().parents[2]

DEPLOYMENT_VARIABLES = deployment_variables(Settings)

#: Variables the settings loader reads from the process environment (each also as ``<NAME>_FILE``).
LOADER_VARIABLES = (ENV_VARIABLE, *DEPLOYMENT_VARIABLES)


def clean_environ(extra: Mapping[str, str] | None = None, /, **more: str) -> dict[str, str]:
    """This process's environment without any variable the loader reads, plus ``extra`` and
    ``more``."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("APP_") and name.removesuffix("_FILE") not in LOADER_VARIABLES
    }
    return {**environ, **(extra or {}), **more}
