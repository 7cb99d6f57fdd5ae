"""Which environment is loaded: ``load_settings(env=...)``, else ``ENV_FOR_DYNACONF``, else
development. Case-insensitive; an unknown name is an error listing the known ones, never a
silent fall-back to ``[default]``."""

from __future__ import annotations

from collections.abc import Mapping

from settings._errors import ImproperlyConfigured, Problem

ENV_VARIABLE = "ENV_FOR_DYNACONF"
DEFAULT_ENV = "development"


def select_environment(
    env: str | None, environ: Mapping[str, str], known: list[str]
) -> tuple[str, str]:
    """The environment's name, lower case, and where the choice came from."""
    if env is not None:
        chosen, origin = env, "the env argument (--env)"
    elif ENV_VARIABLE in environ:
        origin_of = getattr(environ, "origin", lambda name: f"env {name}")  # .env or real
        chosen, origin = environ[ENV_VARIABLE], origin_of(ENV_VARIABLE)
    else:
        chosen, origin = DEFAULT_ENV, "default environment"
    name = chosen.strip().lower()
    if name not in known:
        listed = ", ".join(known) or "none: settings.toml has no environment table"
        import difflib  # only for a misspelling: a clean load never needs it

        close = difflib.get_close_matches(name, known, n=1)
        guess = f"; did you mean {close[0]}?" if close else ""
        message = f"unknown environment {chosen!r}{guess}; known environments: {listed}"
        raise ImproperlyConfigured([Problem("environment", message, origin)])
    return name, origin
