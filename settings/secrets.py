"""What is secret, and how a secret is kept out of text: one definition for every output.

Reports, the command line, logs and HTTP responses all ask :func:`is_secret` whether a key's
value may be shown, and pass free text through :func:`hide_url_password` (a password inside any
``scheme://user:password@host``) or :func:`redact` (known secret values, raw or percent-encoded).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "**********"

#: The settings whose values are secrets (``SecretStr`` fields).
SECRET_KEYS = frozenset({"secret_key", "database.password"})

_SECRET_WORDS = ("password", "secret", "token")
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:)\S*@")
_SECRET_QUERY = re.compile(r"([?&][^=&\s]*(?:password|secret|token)[^=&\s]*=)[^&\s]*", re.I)


def is_secret(key: str) -> bool:
    """Whether the value at dotted ``key`` must never be shown (also ``options.password``)."""
    name = key.rpartition(".")[2].lower()
    return key in SECRET_KEYS or any(word in name for word in _SECRET_WORDS)


def hide_url_password(text: str, mask: str = MASK) -> str:
    """``text`` with the password of every ``scheme://user:password@`` in it, and every
    secret-named query value, replaced by ``mask``."""
    text = _URL_PASSWORD.sub(lambda match: f"{match.group(1)}{mask}@", text)
    return _SECRET_QUERY.sub(lambda match: f"{match.group(1)}{mask}", text)


def secret_forms(secret: str) -> set[str]:
    """``secret`` as it can appear in text: raw, and percent-encoded the ways URLs spell it."""
    # urllib's quote() keeps '/', SQLAlchemy's URL keeps ' ' and '+'.
    return {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret),
            quote(secret, safe=" +")}


def redact(text: str, secrets: Iterable[str], mask: str = MASK) -> str:
    """``text`` with each (non-empty) secret, raw or percent-encoded, replaced by ``mask``."""
    for secret in secrets:
        if secret:
            for form in secret_forms(secret):
                text = text.replace(form, mask)
    return text
