"""What is secret, and how a secret is kept out of text: one definition for every output.

A secret is known by its type, never by a list of names: every ``SecretStr`` and ``SecretBytes``
(at any depth, inside lists and dicts too), and the password of every URL, typed (Pydantic's
``AnyUrl`` family and DSNs, SQLAlchemy's ``URL``) or written in a string. :func:`secret_values`
collects them from a settings object; :func:`shown` turns any value into one safe to print;
:func:`redact` takes known secret values out of free text (a driver's message, a traceback), and
:func:`hide_url_password` the password of every ``scheme://user:password@`` in it;
:func:`mask_secrets` does both for every secret a settings object holds (a failed check's text).

A value equal to a secret is a secret wherever it appears: a token in a file can copy one into
an ordinary setting (``username = "@format {this.database.password}"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, SecretBytes, SecretStr, networks
from pydantic_core import MultiHostUrl, Url

MASK = "**********"

#: Pydantic's URL types: its core's, and (2.10+) the ``AnyUrl`` and DSN classes wrapping them.
URL_TYPES: tuple[type, ...] = tuple(
    kind
    for kind in (
        Url,
        MultiHostUrl,
        getattr(networks, "_BaseUrl", None),
        getattr(networks, "_BaseMultiHostUrl", None),
    )
    if isinstance(kind, type)
)

_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:)\S*@")
_URL_PASSWORD_VALUE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/?#@]*:(\S*)@")
_SECRET_QUERY = re.compile(r"([?&][^=&\s]*(?:password|secret|token)[^=&\s]*=)[^&\s]*", re.I)


def hide_url_password(text: str, mask: str = MASK) -> str:
    """``text`` with the password of every ``scheme://user:password@`` in it, and every
    secret-named query value, replaced by ``mask``."""
    text = _URL_PASSWORD.sub(lambda match: f"{match.group(1)}{mask}@", text)
    return _SECRET_QUERY.sub(lambda match: f"{match.group(1)}{mask}", text)


def secret_forms(secret: str) -> set[str]:
    """``secret`` as it can appear in text: raw, and percent-encoded the ways URLs spell it."""
    # urllib's quote() keeps '/', SQLAlchemy's URL keeps ' ' and '+'.
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        quote(secret, safe=" +"),
    }


def redact(text: str, secrets: Iterable[str], mask: str = MASK) -> str:
    """``text`` with each (non-empty) secret, raw or percent-encoded, replaced by ``mask``,
    and the password of any URL in it hidden."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        for form in secret_forms(secret):
            text = text.replace(form, mask)
    return hide_url_password(text, mask)


def secret_values(value: Any) -> set[str]:
    """Every secret held by ``value`` (a settings object, a section, any value inside one)."""
    found: set[str] = set()
    _collect(value, found)
    return {secret for secret in found if secret}


def mask_secrets(text: str, holder: Any, mask: str = MASK) -> str:
    """``text`` with every secret of ``holder`` (see :func:`secret_values`) and the password of
    every URL in it replaced by ``mask``: for text nobody vetted, such as an exception's."""
    return redact(text, secret_values(holder), mask)


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, SecretStr):
        found.add(value.get_secret_value())
    elif isinstance(value, SecretBytes):
        raw = value.get_secret_value()
        found.update({raw.decode("utf-8", "replace"), repr(raw)[2:-1]})
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect(getattr(value, name), found)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found)
    elif isinstance(value, URL_TYPES):
        _collect(str(value), found)
    elif isinstance(value, str):
        found.update(match.group(1) for match in _URL_PASSWORD_VALUE.finditer(value))
    elif _is_sqlalchemy_url(value):
        found.add(value.password or "")


def _is_sqlalchemy_url(value: Any) -> bool:
    return type(value).__name__ == "URL" and type(value).__module__.startswith("sqlalchemy")


def shown(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` as it may be printed: secrets masked (an empty one stays empty: that reveals
    nothing), URLs without their password, any text equal to a secret in ``secrets`` masked."""
    secrets = frozenset(s for s in secrets if s)
    return _shown(value, secrets)


def _shown(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, SecretStr | SecretBytes):
        return MASK if value.get_secret_value() else ""
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {name: _shown(item, secrets) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(item, secrets) for item in value]
    if isinstance(value, URL_TYPES) or _is_sqlalchemy_url(value):
        value = _url_text(value)
    if isinstance(value, str):
        # Inside longer text only secrets of 4+ characters are replaced: a password "1"
        # would otherwise mask every digit 1 of the output.
        return MASK if value in secrets else redact(value, (s for s in secrets if len(s) > 3))
    return value


def _url_text(url: Any) -> str:
    if _is_sqlalchemy_url(url):
        return str(url.render_as_string(hide_password=True)).replace(":***@", f":{MASK}@", 1)
    return str(url)


class _Shown:
    """A value in ``repr()`` written as given (a URL with its password masked)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def repr_safe(value: Any, secrets: frozenset[str] = frozenset()) -> Any:
    """``value`` for a ``repr()``: URLs (typed or in text) with their password masked, and text
    equal to one of ``secrets`` (a copy of a secret) masked."""
    if isinstance(value, URL_TYPES):
        text = str(value)
        hidden = hide_url_password(text)
        return value if hidden == text else _Shown(f"{type(value).__name__}({hidden!r})")
    if isinstance(value, str):
        hidden = _shown(value, secrets)  # as printed elsewhere: copies inside text too
        return value if hidden == value else _Shown(repr(hidden))
    if isinstance(value, list):
        return [repr_safe(item, secrets) for item in value]
    if isinstance(value, tuple):
        return tuple(repr_safe(item, secrets) for item in value)
    if isinstance(value, dict):
        return {key: repr_safe(item, secrets) for key, item in value.items()}
    return value
