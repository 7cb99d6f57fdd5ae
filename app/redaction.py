"""Keep secrets out of every text about an error that leaves the process.

Driver messages can carry a DSN, and a traceback can quote anything, so logs and debug responses
pass through :func:`redact` with the settings' secrets first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from settings import Settings, secret_values
from settings import redact as redact_secrets

#: SQLAlchemy's own mask in ``str(url)``, so every URL in a log looks the same.
MASK = "***"
_BACKGROUND = re.compile(r"\s*\(Background on this error at: \S+\)")


def secrets_of(settings: Settings | None) -> list[str]:
    """Every secret value of ``settings`` (found by type, any model), for :func:`redact`."""
    return [] if settings is None else sorted(secret_values(settings))


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret, raw or percent-encoded as in a URL, replaced by ``***``."""
    return redact_secrets(text, secrets, mask=MASK)


def driver_error(exc: BaseException) -> BaseException:
    """The driver's own exception inside a SQLAlchemy one, else ``exc`` itself."""
    original = getattr(exc, "orig", None)
    if isinstance(original, BaseException):
        # SQLAlchemy's asyncpg adapter chains the asyncpg exception, whose class says most.
        return original.__cause__ or original
    return exc


def describe_error(exc: BaseException, secrets: Iterable[str]) -> str:
    """``ClassName: message`` of the driver's own exception when there is one, redacted."""
    cause = driver_error(exc)
    message = _BACKGROUND.sub("", str(cause)) or "no detail"
    return redact(f"{type(cause).__name__}: {message}", secrets)
