"""The value types of the schema: lists from text, whole numbers, hostnames, plain text.

Text from environment variables reaches the schema as ``str``; these types convert it by the
field's meaning, never by guessing (``"5433"`` is a port, ``"2024"`` stays a database name).
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import json
import re
import types
import unicodedata
from pathlib import PurePath
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, SecretBytes, SecretStr

_HOSTNAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
#: A bracketed IPv6 address first in comma-separated text (``[::1],localhost``): not JSON.
_IPV6_FIRST = re.compile(r"\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\]\s*(?:,|$)")
_DIGITS = re.compile(r"\s*[+-]?[0-9]+\s*")


#: Unicode categories refused in text: controls (NUL, CR, LF, ESC, DEL, C1), format characters
#: (bidirectional overrides, zero-width), line and paragraph separators, lone surrogates.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def refuse_control_characters(text: str) -> str:
    """``text`` if it holds no control character; else ``ValueError`` saying which and where.

    A NUL in a database name given to asyncpg adds a startup parameter
    (``db\0application_name\0x``); CR LF in a CORS header name splits the response header.
    """
    for position, char in enumerate(text, 1):
        if unicodedata.category(char) in _CONTROL_CATEGORIES:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise ValueError(f"must not contain control characters ({name} at position {position})")
    return text


#: Text that reaches a driver or a header: any characters but control characters.
PlainText = Annotated[str, AfterValidator(refuse_control_characters)]


def parse_list(value: Any) -> Any:
    """A list of text from a JSON array of strings or comma-separated text (:func:`split_items`)."""
    if not isinstance(value, str):
        return value
    items = split_items(value)
    if not all(isinstance(item, str) for item in items):
        raise ValueError("must be a JSON array of strings")
    return items


def split_items(text: str) -> list[Any]:
    """A JSON array or comma-separated text as a list; blanks around text items trimmed and
    empty ones dropped. ``ValueError`` says why not, never quoting the text.

    Text that starts with ``[`` is JSON, unless a bracketed IPv6 address starts a
    comma-separated list (``[::1],localhost``): that is not misread as a broken array.
    """
    text = text.strip()
    if text.startswith("{"):  # a JSON object is no list, nor an item of one
        raise ValueError("must be a JSON array or comma-separated items, not a JSON object")
    if text.startswith("[") and not _IPV6_FIRST.match(text):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            detail = f"{exc.msg} at column {exc.colno}"
            raise ValueError(f"is not a valid JSON array ({detail})") from None
        except RecursionError:  # "[[[[..." nested deeper than the interpreter's stack
            raise ValueError("is not a valid JSON array (nested too deeply)") from None
        if not isinstance(items, list):
            raise ValueError("must be a JSON array")
    else:
        items = text.split(",")
    return [
        item.strip() if isinstance(item, str) else item
        for item in items
        if not isinstance(item, str) or item.strip()
    ]


StrList = Annotated[list[PlainText], BeforeValidator(parse_list)]


def _whole_number(value: Any) -> Any:
    """Pydantic's lax mode takes ``1e3``, ``"5432.0"`` and ``true`` as integers; a port or a
    count is written in digits."""
    if isinstance(value, bool | float):
        raise ValueError(f"must be a whole number, not a {type(value).__name__}")
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number, written in digits")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


def check_host_text(host: str) -> None:
    if not host:
        raise ValueError("must not be empty")
    if len(host) > 253:
        raise ValueError(f"is {len(host)} characters long; at most 253 are allowed")
    if any(ch.isspace() or not ch.isprintable() for ch in host):
        raise ValueError("must not contain whitespace or control characters")


def check_hostname(host: str) -> str:
    """``host`` if it is a hostname or an IP address (normalised); else ``ValueError``."""
    check_host_text(host)
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    if all(_HOSTNAME.match(label) for label in host.rstrip(".").split(".")):
        return host
    raise ValueError("is neither a hostname, an IP address nor a socket directory")


#: Types whose values are text, taken byte for byte: blanks around them may be meant.
_TEXT_TYPES = (str, bytes, SecretStr, SecretBytes, PurePath)


def strip_blanks(model: type[BaseModel], data: Any) -> Any:
    """``data`` for ``model`` with blanks stripped around every text value given to a field
    that is not text (a number, a boolean, a choice, a URL): ``"5432 "`` and ``"True "`` are
    read as ``5432`` and ``True``, whichever layer they came from. Text fields keep theirs."""
    if not isinstance(data, dict):
        return data
    fields = _fields_not_text(model)
    return {
        key: value.strip() if isinstance(value, str) and key in fields else value
        for key, value in data.items()
    }


@functools.cache
def _fields_not_text(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(
        name for name, info in model.model_fields.items() if not _is_text(info.annotation)
    )


def _is_text(annotation: Any) -> bool:
    """Whether a field's type takes text as it is: ``str``, ``SecretStr``, a path ..., also
    inside ``Annotated`` or a union (``str | None``). An enum of strings is a choice, not text."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _is_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(_is_text(arg) for arg in get_args(annotation))
    return (
        isinstance(annotation, type)
        and issubclass(annotation, _TEXT_TYPES)
        and not issubclass(annotation, enum.Enum)
    )
