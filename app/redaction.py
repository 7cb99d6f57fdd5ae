"""Keep secrets out of every text about an error that leaves the process.

Driver messages can carry a DSN, and a traceback can quote anything, so the application's logs
pass through :func:`settings.redact` with the settings' secrets first (the framework's one mask).
"""

from __future__ import annotations

import re

from settings import BaseSettings, redact

_BACKGROUND = re.compile(r"\s*\(Background on this error at: \S+\)")


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception inside a SQLAlchemy one, else ``exc`` itself."""
    original = getattr(exc, "orig", None)
    if isinstance(original, BaseException):
        # SQLAlchemy's asyncpg adapter chains the asyncpg exception, whose class says most.
        return original.__cause__ or original
    return exc


def describe_error(exc: BaseException, *secrets: BaseSettings | str | None) -> str:
    """``ClassName: message`` of the driver's own exception when there is one, with every URL
    password and every secret given masked (settings: all of theirs; text: itself)."""
    cause = driver_error(exc)
    message = _BACKGROUND.sub("", str(cause)) or "no detail"
    return redact(f"{type(cause).__name__}: {message}", *secrets)
