"""What is secret, and how a secret is kept out of text: one definition for every output.

Reports, the command line, logs and HTTP responses all ask :func:`is_secret` whether a key's
value may be shown, and pass free text through :func:`hide_url_password` (a password inside any
``scheme://user:password@host``) or :func:`redact` (known secret values, raw or percent-encoded).
:func:`secret_values` finds every secret a settings object holds, by type, and
:func:`mask_secrets` masks them all in a text nobody vetted (a failed check's exception).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, unquote

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


_URL_WITH_PASSWORD = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:(\S*)@")


def secret_values(value: Any) -> set[str]:
    """Every secret held anywhere in ``value`` (settings, a section, a list, a dict ...): each
    ``SecretStr`` and ``SecretBytes``, and the password of each URL, typed (Pydantic's
    ``AnyUrl`` family, SQLAlchemy's ``URL``) or written in a string. Decided by type, so a
    secret field an application adds is found with no list to update."""
    found: set[str] = set()
    _collect(value, found)
    return {secret for secret in found if secret}


def mask_secrets(text: str, holder: Any, mask: str = MASK) -> str:
    """``text`` with every secret of ``holder`` (see :func:`secret_values`) and the password of
    every URL in it replaced by ``mask``: for text nobody vetted, such as an exception's."""
    longest_first = sorted(secret_values(holder), key=len, reverse=True)
    return hide_url_password(redact(text, longest_first, mask), mask)


def _collect(value: Any, found: set[str]) -> None:
    from pydantic import BaseModel, SecretBytes, SecretStr

    if isinstance(value, SecretStr):
        found.add(value.get_secret_value())
    elif isinstance(value, SecretBytes):
        raw = value.get_secret_value()
        found.update({raw.decode("utf-8", "replace"), repr(raw)[2:-1]})
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect(getattr(value, name, None), found)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found)
    elif isinstance(value, str):
        for password in _URL_WITH_PASSWORD.findall(value):
            found.update({password, unquote(password)})
    elif _is_url(value):
        _collect_url(value, found)


def _is_url(value: Any) -> bool:
    """A URL object of Pydantic (``pydantic_core.Url``, ``MultiHostUrl``, ``AnyUrl`` ...) or
    SQLAlchemy (``URL``), told by where its type comes from, not by importing either."""
    module = type(value).__module__.partition(".")[0]
    return module in ("pydantic", "pydantic_core", "sqlalchemy") and (
        hasattr(value, "password") or hasattr(value, "hosts")
    )


def _collect_url(url: Any, found: set[str]) -> None:
    passwords = [getattr(url, "password", None)]
    hosts = getattr(url, "hosts", None)
    if callable(hosts):  # MultiHostUrl: one password per host
        passwords += [host.get("password") for host in hosts()]
    for password in passwords:
        if isinstance(password, str) and password:
            found.update({password, unquote(password)})
    _collect(str(url), found)
