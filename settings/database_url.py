"""``DATABASE_URL`` taken apart into the fields of :class:`settings.DatabaseConfig`.

Parsed here, without SQLAlchemy, so that loading settings imports no engine machinery. A
password may hold any character: the last ``@`` ends the user information, and percent-escapes
are decoded once.
"""

from __future__ import annotations

from urllib.parse import unquote

from settings.fields import POSTGRES, SQLITE

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


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``****``; text that is no URL is not shown."""
    scheme, sep, rest = url.partition("://")
    if not sep or not scheme or any(not (c.isalnum() or c in "+-.") for c in scheme):
        return "<not a URL, not shown>"
    userinfo, at, hostpart = rest.rpartition("@")
    if at and ":" in userinfo:
        userinfo = userinfo.partition(":")[0] + ":****"
    hostpart, question, query = hostpart.partition("?")
    return f"{scheme}://{userinfo}{at}{hostpart}{question}{_mask_query(query)}"


def _mask_query(query: str) -> str:
    """``password=`` values masked, however the name is escaped (``pass%77ord``)."""
    pairs = []
    for pair in query.split("&"):
        name, equals, _ = pair.partition("=")
        is_password = unquote(name).strip().lower() == "password"
        pairs.append(f"{name}=****" if equals and is_password else pair)
    return "&".join(pairs)


def parse_database_url(url: str) -> dict[str, str]:
    """The dotted ``database.*`` keys that ``url`` sets, as text. Raises ``ValueError``."""
    scheme, sep, rest = url.strip().partition("://")
    driver = SCHEMES.get(scheme.lower())
    if not sep or driver is None:
        known = ", ".join(f"{name}://" for name in SCHEMES)
        raise ValueError(f"{mask_url(url)} has an unsupported scheme; use one of {known}")
    if driver == SQLITE:
        return _sqlite(rest, url)
    userinfo, at, hostpart = rest.rpartition("@")
    values = {"database.driver": POSTGRES}
    if at:
        username, colon, password = userinfo.partition(":")
        if username:
            values["database.username"] = unquote(username)
        if colon:
            values["database.password"] = unquote(password)
    hostpart, _, query = hostpart.partition("?")
    netloc, _, path = hostpart.partition("/")
    host, port = _split_host_port(netloc, url)
    if host:
        values["database.host"] = unquote(host)
    if port:
        values["database.port"] = port
    if unquote(path):
        values["database.database"] = unquote(path)
    for pair in filter(None, query.split("&")):
        name, _, value = (unquote(part) for part in pair.partition("="))
        values[QUERY_FIELDS.get(name, f"database.options.{name}")] = value
    return values


def _split_host_port(netloc: str, url: str) -> tuple[str, str]:
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
