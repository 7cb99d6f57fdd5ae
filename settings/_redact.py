"""What is secret, and how a secret is kept out of text: the one place every output asks.

**What is secret** is decided by type, never by a list of names: every ``SecretStr`` and
``SecretBytes`` (at any depth, inside lists and dicts too), and the password of every URL, typed
(Pydantic's ``AnyUrl`` family and DSNs, SQLAlchemy's ``URL``) or written in a string. A query
value named like a credential (``?password=``, ``?secret=``, ``?token=``) counts as a URL's
password. :func:`is_secret` answers for a dotted key of a model, :func:`secret_values` collects
the secrets a settings object holds, :func:`known_secrets` adds every value a layer gave a
secret key (so a copy of one is masked wherever it shows).

**How it is masked**: always by :data:`MASK`. :func:`mask_url` masks one URL,
:func:`mask_text` every secret (raw or percent-encoded) and every URL password in free text (a
driver's message, a traceback, a check's message), :func:`shown` any value before it is printed,
:func:`repr_safe` a value inside a ``repr()``. URLs are taken apart by one parser,
:func:`split_url`, which ``DATABASE_URL``'s reader uses too.

A value equal to a secret is a secret wherever it appears: a token in a file can copy one into
an ordinary setting (``username = "@format {this.database.password}"``). Inside longer text only
copies of :data:`MIN_MASKED` characters or more are masked: a password ``1`` would otherwise mask
every digit 1.

:func:`redact` is the one public helper: ``redact(text, settings)`` for an application's own
log lines.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from functools import cache, lru_cache
from typing import Any, Final, get_args, get_origin
from urllib.parse import quote, quote_plus, unquote

from pydantic import BaseModel, Secret, SecretBytes, SecretStr
from pydantic_core import MultiHostUrl, Url

from settings._provenance import Sources

MASK = "**********"


def _url_types() -> tuple[type, ...]:
    """Pydantic's URL types: its core's, and (2.10+) the ``AnyUrl`` and DSN classes wrapping
    them, once a model has imported them. Not imported here: ``pydantic.networks`` costs about
    20 ms at import, and a value can only be one of its types after someone imported it."""
    networks = sys.modules.get("pydantic.networks")
    wrappers = (getattr(networks, "_BaseUrl", None), getattr(networks, "_BaseMultiHostUrl", None))
    return (Url, MultiHostUrl, *(kind for kind in wrappers if isinstance(kind, type)))


# ---------------------------------------------------------------------------------------------
# What is secret


#: What Pydantic masks itself, the values a secret's type holds: ``SecretStr``, ``SecretBytes``
#: and the generic ``Secret[T]`` (``Secret[int]``).
SECRET_TYPES = (SecretStr, SecretBytes, Secret)


def holds_secret(annotation: Any) -> bool:
    """Whether a value of this type is or contains a secret (:data:`SECRET_TYPES`)."""
    if isinstance(annotation, type) and issubclass(annotation, SECRET_TYPES):
        return True
    origin = get_origin(annotation)
    if isinstance(origin, type) and issubclass(origin, Secret):  # Secret[int]
        return True
    return any(holds_secret(arg) for arg in get_args(annotation))


def _section(annotation: Any) -> type[BaseModel] | None:
    """The model a field's annotation holds, at any depth: itself, or inside ``Optional``,
    ``Annotated`` and containers (``dict[str, list[Section]] | None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _section(arg)
        if found is not None:
            return found
    return None


@cache
def secret_keys(model: type[BaseModel], prefix: str = "") -> frozenset[str]:
    """The dotted keys whose type holds a secret (``SecretStr``, ``list[SecretBytes]`` ...).

    Inside a ``dict[str, Section]`` the entry's name is ``*`` (``replicas.*.password``); a
    ``list[Section]`` whose items hold a secret is a secret as a whole: its items have no keys.
    """
    found: set[str] = set()
    for name, info in model.model_fields.items():
        dotted = prefix + name
        nested = _section(info.annotation)
        if nested is None:
            if holds_secret(info.annotation):
                found.add(dotted)
            continue
        containers = _containers(info.annotation)
        if not containers:
            found |= secret_keys(nested, dotted + ".")
        elif secret_keys(nested):
            # Each dict is a level of names (``*``); items of a list have no keys, so from the
            # first list on, the whole value is the secret.
            levels = containers.index(list) if list in containers else len(containers)
            named = dotted + ".*" * levels
            found |= {named} if list in containers else secret_keys(nested, named + ".")
    return frozenset(found)


def _containers(annotation: Any) -> list[type]:
    """The containers around the model an annotation holds, outermost first, each as ``dict``
    or ``list`` (a tuple or a set is a ``list``), ``Optional`` and ``Annotated`` seen through:
    ``[dict, list]`` for ``dict[str, list[Section]] | None``."""
    origin = get_origin(annotation)
    if origin in (dict, list, tuple, set, frozenset):
        inner = get_args(annotation)[1:] if origin is dict else get_args(annotation)
        kind: type = dict if origin is dict else list
        for arg in inner:
            if _section(arg) is not None:
                return [kind, *_containers(arg)]
        return [kind]
    for arg in get_args(annotation):
        if _section(arg) is not None:
            return _containers(arg)
    return []


@cache
def _patterns(model: type[BaseModel]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(key.split(".")) for key in secret_keys(model) if "*" in key)


def is_secret(model: type[BaseModel], key: str) -> bool:
    """Whether the value at dotted ``key`` (or inside it: ``tokens.github``) is a secret."""
    secrets = secret_keys(model)
    patterns = _patterns(model)
    while key:
        if key in secrets:
            return True
        if patterns:
            parts = key.split(".")
            for pattern in patterns:
                if len(pattern) == len(parts) and all(
                    p in ("*", part) for p, part in zip(pattern, parts, strict=True)
                ):
                    return True
        key = key.rpartition(".")[0]
    return False


def secret_values(value: Any) -> set[str]:
    """Every secret held by ``value`` (a settings object, a section, any value inside one)."""
    found: set[str] = set()
    _collect(value, found)
    return {secret for secret in found if secret}


def known_secrets(model: type[BaseModel], sources: Sources | None, *objects: Any) -> frozenset[str]:
    """Every secret of a load: those the ``objects`` hold, and each value any layer gave a
    secret key (winning or not), so that a copy of one is masked wherever it shows."""
    found: set[str] = set()
    for item in objects:
        found |= secret_values(item)
    if sources is not None:
        for key, assignments in sources.history.items():
            if is_secret(model, key):
                found |= secret_values([_as_secret(a.value) for a in assignments])
    return frozenset(found)


def _as_secret(value: Any) -> Any:
    """A raw value given to a secret key, as the secret it becomes (a number as the text it
    shows as: ``secret_key = 7319...`` in a file)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        return SecretStr(value)
    if isinstance(value, list | tuple):
        return [_as_secret(item) for item in value]
    if isinstance(value, Mapping):
        return {k: _as_secret(v) for k, v in value.items()}
    return value


def _collect_computed(model: BaseModel, name: str, found: set[str]) -> None:
    """The secrets inside a computed value (the password of a URL it composes), if it can be
    computed: a property that raises is the model's problem, reported where it is read."""
    try:
        value = getattr(model, name)
    except Exception:
        return
    _collect(value, found)


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, SecretStr):
        found.add(value.get_secret_value())
    elif isinstance(value, SecretBytes):
        raw = value.get_secret_value()
        found.update({raw.decode("utf-8", "replace"), repr(raw)[2:-1]})
    elif isinstance(value, Secret):  # Secret[int]: what it holds, as text shows it
        _collect(_as_secret(value.get_secret_value()), found)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            _collect(getattr(value, name), found)
        for name in type(value).model_computed_fields:  # a URL composed from a plain password
            _collect_computed(value, name, found)
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _collect(item, found)
    elif isinstance(value, _url_types()):
        _collect(str(value), found)
    elif isinstance(value, str):
        for match in _URL.finditer(value):
            parts = split_url(match.group(0))
            if parts is not None and parts.password:
                found.add(unquote(parts.password))
                found.add(parts.password)
    elif _is_sqlalchemy_url(value):
        found.add(value.password or "")


def _is_sqlalchemy_url(value: Any) -> bool:
    return type(value).__name__ == "URL" and type(value).__module__.startswith("sqlalchemy")


# ---------------------------------------------------------------------------------------------
# URLs: one parser


#: A URL inside free text: from its scheme to the next blank.
_URL = re.compile(r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://\S*")
_QUERY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CREDENTIAL = re.compile(r"password|secret|token", re.IGNORECASE)


class UrlParts:
    """``scheme://userinfo@hostpart?query``, split where a person would read it.

    The user information ends at the last ``@`` before the query (the first ``?``): a password
    may hold a raw ``@``, ``:`` or ``/``, and a query value may hold an ``@`` (``?password=p@ss``).
    ``ambiguous`` is a raw ``?`` inside the user information (``u:p?ss@h``): the user information
    is then taken to end at the last ``@`` of all, so a mask hides too much rather than too little.
    """

    __slots__ = ("ambiguous", "hostpart", "query", "scheme", "userinfo")

    def __init__(
        self,
        scheme: str,
        userinfo: str | None,
        hostpart: str,
        query: str | None,
        ambiguous: bool = False,
    ) -> None:
        self.scheme: Final = scheme
        self.userinfo: Final = userinfo
        self.hostpart: Final = hostpart
        self.query: Final = query
        self.ambiguous: Final = ambiguous

    def __repr__(self) -> str:  # the user information and the query may hold a secret
        return f"UrlParts(scheme={self.scheme!r}, hostpart={self.hostpart!r})"

    @property
    def password(self) -> str | None:
        if self.userinfo is None or ":" not in self.userinfo:
            return None
        return self.userinfo.partition(":")[2]


def split_url(url: str) -> UrlParts | None:
    """The parts of ``url``, or ``None`` when it is not ``scheme://...``."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or not all(c.isalnum() or c in "+-." for c in scheme):
        return None
    head, question, query = rest.partition("?")
    if _raw_question_mark(head, query):  # the user information ends at the last @ of all
        userinfo, at, hostpart = rest.rpartition("@")
        return UrlParts(scheme, userinfo if at else None, hostpart, None, ambiguous=True)
    userinfo, at, hostpart = head.rpartition("@")
    return UrlParts(scheme, userinfo if at else None, hostpart, query if question else None)


def _raw_question_mark(head: str, query: str) -> bool:
    """Whether the first ``?`` is rather a raw one inside the user information (``u:p?ss@h/db``)
    than the start of a query whose values hold an ``@`` (``h/db?password=p@ss``)."""
    if "@" not in query:
        return False
    names = (unquote(pair.partition("=")[0]) for pair in query.split("&"))
    if not all(_QUERY_NAME.fullmatch(name) for name in names if name):
        return True  # ``?ss@h/db``: a query name never holds an ``@``
    netloc = head.partition("/")[0]
    if "@" in head or netloc.startswith("["):
        return False
    port = netloc.partition(":")[2]
    return ":" in netloc and not (port.isascii() and port.isdigit())  # ``u:p?password=x@h``


def _replace_passwords(url: str, replace: Callable[[str], str]) -> str:
    """``url`` with its password, and each credential-named query value, replaced."""
    parts = split_url(url)
    if parts is None:
        return url
    userinfo = parts.userinfo
    if userinfo is not None and parts.password is not None:
        userinfo = f"{userinfo.partition(':')[0]}:{replace(parts.password)}"
    text = f"{parts.scheme}://" + (f"{userinfo}@" if userinfo is not None else "")
    text += parts.hostpart
    if parts.query is not None:
        pairs = []
        for pair in parts.query.split("&"):
            name, equals, value = pair.partition("=")
            credential = equals and _CREDENTIAL.search(unquote(name))
            pairs.append(f"{name}={replace(value)}" if credential else pair)
        text += "?" + "&".join(pairs)
    return text


def replace_url_passwords(text: str, replace: Callable[[str], str]) -> str:
    """``text`` with the password of every URL in it replaced by ``replace(password)``."""
    return _URL.sub(lambda match: _replace_passwords(match.group(0), replace), text)


def mask_url(url: str) -> str:
    """One URL with its password masked; text that is no URL is not shown at all."""
    if split_url(url.strip()) is None:
        return "<not a URL, not shown>"
    return _replace_passwords(url.strip(), lambda _: MASK)


# ---------------------------------------------------------------------------------------------
# Masking


def secret_forms(secret: str) -> set[str]:
    """``secret`` as it can appear in text whole: raw; percent-encoded the ways URLs spell it;
    escaped as ``repr()`` and JSON write it inside quotes (an exception quoting it, Pydantic's
    ``input_value``); lower-cased, upper-cased or folded. A long one's ends are searched apart
    (:func:`_end_spans`)."""
    # urllib's quote() keeps '/', SQLAlchemy's URL keeps ' ' and '+'.
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        quote(secret),
        quote(secret, safe=" +"),
        repr(secret)[1:-1],  # quoted as repr() chooses
        secret.encode("unicode_escape").decode("ascii").replace("'", "\\'"),  # in '...'
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        # Case changes that change the length (``İ`` lower-cased, ``ß`` upper-cased, ``ﬁ``
        # folded), which a pattern's IGNORECASE does not match.
        secret.lower(),
        secret.upper(),
        secret.casefold(),
    }
    return forms


def shows_secret(text: str, secrets: Iterable[str]) -> bool:
    """Whether ``text`` holds, in any case, a form of one of ``secrets`` or an end of a long
    one (its first or last :data:`MIN_END` characters): for a value quoted only when it
    cannot hold a secret."""
    text = text.casefold()
    for secret in secrets:
        if any(form.casefold() in text for form in secret_forms(secret)):
            return True
        if _has_ends(secret) and (
            secret[:MIN_END].casefold() in text or secret[-MIN_END:].casefold() in text
        ):
            return True
    return False


#: The shortest end of a long secret masked on its own (:func:`_end_spans`).
MIN_END = 16


def _has_ends(secret: str) -> bool:
    """Whether a message may show ``secret`` shortened, each end apart (Pydantic does past 50
    characters: ``'Zq7...'`` + ``...`` + ``'...XYZ'``)."""
    return len(secret) >= 2 * MIN_END + 8


def _end_spans(text: str, secret: str) -> Iterable[tuple[int, int]]:
    """Where ``text`` shows a start or an end of ``secret`` of :data:`MIN_END` characters or
    more, in any case, each as long as it goes. Found from the :data:`MIN_END`-character
    anchors and grown one character at a time: linear in the secret's length, where a pattern
    of every start and every end would grow with its square (a 4 KB key: millions of
    characters to compile). Unlike a whole copy (:func:`_bounded`), an end is masked even where
    a letter continues it: what follows differs from the secret, so the mask spells nothing."""
    folded, lowered, size = _lower(secret), _lower(text), len(secret)
    # Copies do not overlap (as a pattern's matches do not): each search starts where the last
    # copy ended, and an end grows left no further than the last one, so each character of
    # ``text`` is looked at a bounded number of times, even in ``aaaa...`` for ``aaa...``.
    anchor = folded[:MIN_END]
    found = lowered.find(anchor)
    while found != -1:  # a start, grown to the right
        end = found + MIN_END
        while end - found < size and end < len(text) and lowered[end] == folded[end - found]:
            end += 1
        yield found, end
        found = lowered.find(anchor, end)
    anchor, floor = folded[-MIN_END:], 0
    found = lowered.find(anchor)
    while found != -1:  # an end, grown to the left
        start, end = found, found + MIN_END
        while (
            end - start < size and start > floor and lowered[start - 1] == folded[start - end - 1]
        ):
            start -= 1
        yield start, end
        floor = end
        found = lowered.find(anchor, end)


def _lower(text: str) -> str:
    """``text`` in lower case, character for character (a character whose lower case is
    longer, such as ``İ``, kept), so that positions stay those of ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


#: A copy of a secret shorter than this is not masked inside text: a password ``e`` would
#: mask a letter of every word, and so reveal itself. URL passwords are masked at any length.
MIN_MASKED = 4


def mask_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with each secret of :data:`MIN_MASKED` characters or more, raw or
    percent-encoded, in any case, and the password of every URL in it replaced by :data:`MASK`:
    for text nobody vetted, such as an exception's. Any case, because a validator may have
    folded it (``allowed_hosts`` and ``log_level`` are lower-cased before a message quotes
    them)."""
    kept = frozenset(s for s in secrets if len(s) >= MIN_MASKED)
    if kept:
        text = _secrets_pattern(kept).sub(MASK, text)
        text = _mask_ends(text, [secret for secret in kept if _has_ends(secret)])
    return replace_url_passwords(text, lambda _: MASK)


def _mask_ends(text: str, secrets: list[str]) -> str:
    """``text`` with each start and end of ``secrets`` (:func:`_end_spans`) masked."""
    spans = sorted(span for secret in secrets for span in _end_spans(text, secret))
    if not spans:
        return text
    parts: list[str] = []
    done = 0
    for start, end in spans:
        if parts and start <= done:  # overlaps or touches the last one masked: one mask
            if end > done:
                done = end
            continue
        parts += [text[done:start], MASK]
        done = end
    parts.append(text[done:])
    return "".join(parts)


@lru_cache(maxsize=32)
def _secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str]:
    """Every whole form of every secret, longest first, in any case; a form that begins or ends
    with a letter or a digit only where no letter or digit continues it. A password ``postgres``
    is not masked inside ``postgresql+asyncpg``: the mask would spell the rest of a known word
    around it (``**********ql+asyncpg``), and so the password."""
    forms = sorted({form for secret in secrets for form in secret_forms(secret)}, key=len)
    return re.compile("|".join(map(_bounded, reversed(forms))), re.IGNORECASE)


def _bounded(form: str) -> str:
    before = r"(?<![^\W_])" if form[:1].isalnum() else ""
    after = r"(?![^\W_])" if form[-1:].isalnum() else ""
    return before + re.escape(form) + after


def redact(text: str, *secrets: BaseModel | str | None) -> str:
    """``text`` with the password of every URL in it masked, and every secret given: a
    settings object or section stands for every secret it holds, a string for itself::

        logger.warning("Cache unavailable: %s", redact(str(exc), settings))
    """
    values: set[str] = set()
    for item in secrets:
        if isinstance(item, str):
            values.add(item)
        elif item is not None:
            values |= secret_values(item)
    return mask_text(text, values)


def mask_value(model: type[BaseModel], key: str, value: Any, secrets: frozenset[str]) -> Any:
    """``value`` of dotted ``key`` as it may be shown. An empty secret is shown empty: that
    reveals nothing."""
    if isinstance(value, Mapping):
        return {name: mask_value(model, f"{key}.{name}", v, secrets) for name, v in value.items()}
    if is_secret(model, key) and value not in (None, "", [], {}):
        if isinstance(value, SECRET_TYPES) and value.get_secret_value() in ("", b""):
            return ""
        return MASK
    return shown(value, secrets)


def shown(value: Any, secrets: Iterable[str] = ()) -> Any:
    """``value`` as it may be printed: secrets masked (an empty one stays empty), URLs without
    their password, any text equal to a secret in ``secrets`` masked."""
    return _shown(value, frozenset(s for s in secrets if s))


@lru_cache(maxsize=32)
def _folded(secrets: frozenset[str]) -> frozenset[str]:
    return frozenset(secret.casefold() for secret in secrets)


def _shown(value: Any, secrets: frozenset[str]) -> Any:
    if isinstance(value, SECRET_TYPES):
        return "" if value.get_secret_value() in ("", b"") else MASK
    if isinstance(value, BaseModel):
        value = {name: getattr(value, name) for name in type(value).model_fields}
    if isinstance(value, Mapping):
        return {name: _shown(item, secrets) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(item, secrets) for item in value]
    if isinstance(value, set | frozenset):  # shown as a list, in a stable order
        return sorted((_shown(item, secrets) for item in value), key=repr)
    if isinstance(value, _url_types()) or _is_sqlalchemy_url(value):
        value = _url_text(value)
    if isinstance(value, str):  # in any case: a validator may have folded a copy
        return MASK if value.casefold() in _folded(secrets) else mask_text(value, secrets)
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
    if isinstance(value, _url_types()):
        text = str(value)
        hidden = mask_text(text)
        return value if hidden == text else _Shown(f"{type(value).__name__}({hidden!r})")
    if isinstance(value, str):  # as printed elsewhere: copies inside text too, in any case
        hidden = _shown(value, secrets)
        return value if hidden == value else _Shown(repr(hidden))
    if isinstance(value, list):
        return [repr_safe(item, secrets) for item in value]
    if isinstance(value, tuple):
        return tuple(repr_safe(item, secrets) for item in value)
    if isinstance(value, dict):
        return {key: repr_safe(item, secrets) for key, item in value.items()}
    return value
