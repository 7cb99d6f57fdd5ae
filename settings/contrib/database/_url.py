"""``DATABASE_URL`` taken apart into the fields of :class:`settings.DatabaseConfig`.

Parsed here, without SQLAlchemy, so that loading settings imports no engine machinery.
Percent-escapes are decoded once.

The user information ends at the last ``@`` before the query (the first ``?``): a password may
hold a raw ``@``, ``:`` or ``/`` (``postgresql://u:p@ss/w@h/db``), and a query value may hold an
``@`` (``?password=p@ss``, which never counts as user information). A raw ``?`` or ``#`` in a
password must be percent-encoded, as ``%3F`` and ``%23``: a ``?`` starts the query, and URL
readers (``urllib``, browsers) end the URL at a ``#``. Either is an error saying so, which shows
no part of the password.

A URL never has a silent winner: a query key given twice (``?sslmode=require&sslmode=disable``),
or naming a part the URL already has (``postgresql://u:pw1@h/db?password=pw2``), is an error
unless both give the same value.
"""

from __future__ import annotations

from urllib.parse import unquote

from settings._redact import mask_url, split_url
from settings.contrib.database._config import POSTGRES, SQLITE

SCHEMES = {
    "postgresql": POSTGRES,
    "postgres": POSTGRES,
    "postgresql+asyncpg": POSTGRES,
    "sqlite": SQLITE,
    "sqlite+aiosqlite": SQLITE,
}

#: libpq connection parameters a URL may give in its query instead of its other parts.
QUERY_FIELDS = {
    "host": "database.host",  # postgresql:///db?host=/var/run/postgresql
    "port": "database.port",
    "user": "database.username",
    "password": "database.password",
    "dbname": "database.database",
    "connect_timeout": "database.connect_timeout",  # libpq's, in seconds
}
#: Where in the URL a field is given, when not in the query.
URL_PARTS = {
    "database.username": "the user information",
    "database.password": "the user information",
    "database.host": "the host",
    "database.port": "the port",
    "database.database": "the path",
}


ENCODE = "percent-encode a '?' in the password as %3F and a '#' as %23"


def parse_database_url(url: str) -> dict[str, str]:
    """The dotted ``database.*`` keys that ``url`` sets, as text. Raises ``ValueError``."""
    parts = split_url(url.strip())
    driver = SCHEMES.get(parts.scheme.lower()) if parts is not None else None
    if parts is None or driver is None:
        known = ", ".join(f"{name}://" for name in SCHEMES)
        raise ValueError(f"{mask_url(url)} has an unsupported scheme; use one of {known}")
    if parts.ambiguous:
        raise ValueError(
            f"{mask_url(url)} seems to hold a raw '?' in its user information; {ENCODE}"
        )
    rest = url.strip().partition("://")[2]
    if driver == SQLITE:
        return _sqlite(rest, url)
    if "#" in rest:
        raise ValueError(f"{mask_url(url)} holds a raw '#', where URLs end; {ENCODE}")
    userinfo, hostpart, query = parts.userinfo, parts.hostpart, parts.query or ""
    values = {"database.driver": POSTGRES}
    if userinfo is not None:
        username, colon, password = userinfo.partition(":")
        if username:
            values["database.username"] = unquote(username)
        if colon:
            values["database.password"] = unquote(password)
    netloc, _, path = hostpart.partition("/")
    host, port = _split_host_port(netloc, url)
    if host:
        values["database.host"] = unquote(host)
    if port:
        values["database.port"] = port
    if unquote(path):
        values["database.database"] = unquote(path)
    places = {key: URL_PARTS[key] for key in values if key in URL_PARTS}
    for pair in filter(None, query.split("&")):
        name, _, value = (unquote(part) for part in pair.partition("="))
        key, place = QUERY_FIELDS.get(name, f"database.options.{name}"), f"?{name}="
        if values.get(key, value) != value:
            raise _given_twice(key, places[key], place)
        values[key] = value
        places.setdefault(key, place)
    return values


def _given_twice(key: str, first: str, second: str) -> ValueError:
    """Names the places, never the values: either may be a password."""
    where = f"{first} appears twice" if first == second else f"in {first} and in {second}"
    return ValueError(f"sets {key} twice, to different values ({where}); give it once")


def _split_host_port(netloc: str, url: str) -> tuple[str, str]:
    if "," in netloc:  # libpq's multi-host list (a:5432,b:5433): the host field keeps it whole
        return netloc, ""
    if netloc.startswith("["):
        host, bracket, after = netloc[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            raise ValueError(f"{mask_url(url)} has a malformed IPv6 host")
        return host, after[1:]
    host, _, port = netloc.partition(":")
    return host, port


def _sqlite(rest: str, url: str) -> dict[str, str]:
    if rest.partition("/")[0].partition("?")[0]:
        message = "a SQLite URL takes no host, user or password"
        raise ValueError(f"{mask_url(url)}: {message}; write sqlite:///relative.db")
    path = unquote(rest.partition("?")[0])
    if path.startswith("/"):
        path = path[1:]  # sqlite:///relative.db, sqlite:////absolute.db
    return {"database.driver": SQLITE, "database.database": path or ":memory:"}
