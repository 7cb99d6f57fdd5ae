"""The database section: where the database is, its pool, and its URLs composed from the parts.

``DATABASE_URL`` (declared on the ``database`` field of :class:`settings.Settings`) sets the whole
section, as :meth:`DatabaseConfig.from_variable` reads it (:mod:`._url`). A relative SQLite path
is relative to the settings directory, which the load passes as the validation context's
``root``.
"""

from __future__ import annotations

import math
import re
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal
from urllib.parse import quote, quote_plus

from pydantic import Field, SecretStr, ValidationInfo, field_validator

from settings._redact import MASK, shown
from settings.schema import EnvVar, Section
from settings.schema._types import PlainText, WholeNumber, check_host_text, check_hostname

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

POSTGRES = "postgresql+asyncpg"
SQLITE = "sqlite+aiosqlite"
#: The drivers of ``sync_url``: the same targets for a sync program (Alembic, a script).
POSTGRES_SYNC = "postgresql+psycopg"
SQLITE_SYNC = "sqlite"
#: URL query options (libpq's names) the connection honours; anything else is refused at load,
#: since it would fail every connection. The files become an SSL context, ``application_name``
#: and ``options=-c name=value`` become startup parameters (see
#: :mod:`settings.contrib.database._driver`).
SSL_FILE_OPTIONS = ("sslrootcert", "sslcert", "sslkey")
DRIVER_OPTIONS = (
    "sslmode",
    "ssl",
    *SSL_FILE_OPTIONS,
    "application_name",
    "target_session_attrs",
    "options",
)
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
#: The modes that make TLS mandatory, the only ones certificate files make sense with.
SSL_REQUIRED = ("require", "verify-ca", "verify-full")
TARGET_SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")
_SERVER_OPTION = re.compile(r"(?:-c\s*|--)([A-Za-z_][A-Za-z0-9_.]*)=((?:\\.|\S)*)")


def parse_server_options(options: str) -> dict[str, str]:
    """libpq's ``options`` (``-c search_path=app -c statement_timeout=5s``) as startup
    parameters; a backslash escapes a space in a value. Raises ``ValueError``."""
    parameters: dict[str, str] = {}
    position, text = 0, options.strip()
    while position < len(text):
        match = _SERVER_OPTION.match(text, position)
        if match is None:
            raise ValueError(
                "options must be a list of -c name=value (PostgreSQL's startup options), "
                f"not {text[position:]!r}"
            )
        parameters[match.group(1)] = re.sub(r"\\(.)", r"\1", match.group(2))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return parameters


def split_hosts(host: str) -> list[tuple[str, int | None]]:
    """``a,b:5433`` -> ``[("a", None), ("b", 5433)]``: libpq's multi-host list."""
    hosts = []
    for item in host.split(","):
        name, port = item.strip(), None
        if name.startswith("["):
            name, _, rest = name[1:].partition("]")
            port_text = rest.removeprefix(":")
        elif name.count(":") == 1:
            name, _, port_text = name.partition(":")
        else:
            port_text = ""
        if port_text:
            if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
                raise ValueError(f"has a port that is not 1-65535 in {item.strip()!r}")
            port = int(port_text)
        hosts.append((name, port))
    return hosts


class PoolConfig(Section):
    """Connection pool, sized per environment."""

    size: WholeNumber = Field(
        default=5, ge=1, le=1000, description="Connections kept open in the pool."
    )
    max_overflow: WholeNumber = Field(
        default=10, ge=0, le=1000, description="Extra connections under load."
    )
    timeout: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds a request waits for a free connection."
    )
    recycle: WholeNumber = Field(
        default=1800, ge=-1, description="Seconds after which a connection is replaced; -1 never."
    )
    pre_ping: bool = Field(default=True, description="Test each connection before handing it out.")


class DatabaseConfig(Section):
    """Where the database is. ``url`` (asyncpg) and ``sync_url`` (psycopg) are composed from
    the parts, every character escaped."""

    #: ``DB_HOST`` ... set the field named ``database``; another (``replica``) is set by
    #: ``APP_REPLICA__...``, files and its own ``EnvVar``.
    variables_field: ClassVar[str | None] = "database"

    driver: Literal["postgresql+asyncpg", "sqlite+aiosqlite"] = Field(
        default="postgresql+asyncpg", description="postgresql+asyncpg, or sqlite+aiosqlite."
    )
    host: Annotated[str | None, EnvVar("DB_HOST")] = Field(
        default="localhost", description="Hostname, IP address or socket directory (PostgreSQL)."
    )
    port: Annotated[WholeNumber | None, EnvVar("DB_PORT")] = Field(
        default=5432, ge=1, le=65535, description="TCP port (PostgreSQL)."
    )
    username: Annotated[PlainText | None, EnvVar("DB_USERNAME")] = Field(
        default="postgres", description="Role to connect as (PostgreSQL)."
    )
    password: Annotated[SecretStr, EnvVar("DB_PASSWORD")] = Field(
        default=SecretStr(""), description="Password of that role."
    )
    database: Annotated[PlainText, EnvVar("DB_DATABASE")] = Field(
        default="app",
        min_length=1,
        description="Database name; for SQLite the file's path, relative to settings.toml.",
    )
    options: dict[PlainText, PlainText] = Field(
        default={},
        description="Driver options from the URL query (sslmode is translated for asyncpg).",
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, le=300, description="Seconds to wait for a connection or a health check."
    )
    command_timeout: float = Field(
        default=30.0, gt=0, le=86400, description="Seconds a single statement may run (PostgreSQL)."
    )
    pool: PoolConfig = Field(default_factory=PoolConfig)
    pgbouncer: bool = Field(
        default=False, description="Connect through PgBouncer in transaction pooling mode."
    )

    @classmethod
    def variable_keys(cls) -> frozenset[str]:
        """What ``DATABASE_URL`` may set, as its reader (:mod:`._url`) says: the driver, the
        URL's parts, the query's libpq parameters and the driver options."""
        from settings.contrib.database._url import QUERY_FIELDS, URL_PARTS

        keys = {*URL_PARTS, *QUERY_FIELDS.values(), "database.driver", "database.options"}
        return frozenset(key.removeprefix("database.") for key in keys)

    @classmethod
    def from_variable(cls, text: str) -> dict[str, str]:
        """``DATABASE_URL`` taken apart (:func:`._url.parse_database_url`)."""
        from settings.contrib.database._url import parse_database_url

        return {
            key.removeprefix("database."): value for key, value in parse_database_url(text).items()
        }

    @field_validator("database")
    @classmethod
    def _sqlite_path(cls, database: str, info: ValidationInfo) -> str:
        """A relative SQLite path is relative to the settings directory (the load's ``root``),
        not the working directory."""
        root = info.context.get("root") if isinstance(info.context, dict) else None
        if info.data.get("driver") != SQLITE or root is None:
            return database
        if database == ":memory:" or Path(database).is_absolute():
            return database
        return str(Path(root).resolve() / database)

    @field_validator("host")
    @classmethod
    def _check_host(cls, host: str | None) -> str | None:
        if host is None:
            return None
        if host.startswith("/"):
            check_host_text(host)
            return host  # a Unix socket directory
        if "," in host:  # libpq's multi-host list: a,b or a:5432,b:5433
            check_host_text(host)
            for name, _ in split_hosts(host):
                check_hostname(name)
            return host
        return check_hostname(host)

    @field_validator("options")
    @classmethod
    def _translate_sslmode(cls, options: dict[str, str]) -> dict[str, str]:
        unsupported = sorted(set(options) - set(DRIVER_OPTIONS))
        if unsupported:
            raise ValueError(
                f"unsupported option {', '.join(unsupported)}; supported: "
                f"{', '.join(DRIVER_OPTIONS)} (connect_timeout is database.connect_timeout)"
            )
        options = dict(options)
        mode = options.pop("sslmode", None)
        if mode is not None:
            if "ssl" in options and options["ssl"] != mode:
                raise ValueError("sets both sslmode and ssl to different values")
            options["ssl"] = mode
        if "ssl" in options and options["ssl"] not in SSL_MODES:
            raise ValueError(f"ssl must be one of {', '.join(SSL_MODES)}")
        files = [name for name in SSL_FILE_OPTIONS if options.get(name)]
        if files and options.get("ssl") not in SSL_REQUIRED:
            raise ValueError(
                f"{', '.join(files)} need sslmode {', '.join(SSL_REQUIRED)}, which make TLS "
                "mandatory"
            )
        if bool(options.get("sslcert")) != bool(options.get("sslkey")):
            raise ValueError("sslcert and sslkey go together: give both or neither")
        attrs = options.get("target_session_attrs")
        if attrs is not None and attrs not in TARGET_SESSION_ATTRS:
            raise ValueError(
                f"target_session_attrs must be one of {', '.join(TARGET_SESSION_ATTRS)}"
            )
        if "options" in options:
            parse_server_options(options["options"])
        return options

    @property
    def is_sqlite(self) -> bool:
        return self.driver == SQLITE

    @cached_property
    def url(self) -> URL:
        """The SQLAlchemy URL; its ``str()`` hides the password. Composed once, on first use."""
        from sqlalchemy.engine import URL

        if self.is_sqlite:
            return URL.create(SQLITE, database=self.database)
        host, port, query = self.host, self.port, dict[str, str | tuple[str, ...]](self.options)
        if host is not None and host.startswith("/"):
            # libpq's ?host= form: as the URL's host, a socket directory renders as a path
            # (postgresql+asyncpg:///run/postgresql/app) that no parser reads back.
            query["host"] = host
            host = None
        elif host is not None and "," in host:
            # SQLAlchemy's multi-host form: ?host=a:5432&host=b:5433, a port for each.
            query["host"] = tuple(
                f"[{name}]:{p or port or 5432}" if ":" in name else f"{name}:{p or port or 5432}"
                for name, p in split_hosts(host)
            )
            host, port = None, None
        return URL.create(
            POSTGRES,
            username=self.username,
            password=self.password.get_secret_value() or None,
            host=host,
            port=port,
            database=self.database,
            query=query,
        )

    @cached_property
    def sync_url(self) -> URL:
        """``url``'s target for a sync program (Alembic, a script): psycopg with libpq's option
        names (asyncpg's ``ssl`` is ``sslmode`` again, ``connect_timeout`` is in whole seconds),
        or pysqlite. Its ``str()`` hides the password. Composed once, on first use."""
        if self.is_sqlite:
            return self.url.set(drivername=SQLITE_SYNC)
        query = {("sslmode" if name == "ssl" else name): v for name, v in self.url.query.items()}
        query["connect_timeout"] = str(math.ceil(self.connect_timeout))
        return self.url.set(drivername=POSTGRES_SYNC, query=query)

    def shown_extras(self, secrets: frozenset[str]) -> dict[str, Any]:
        """``url`` and ``sync_url`` as ``show`` prints them: the password, any secret option
        and any copy of a secret (a username a token copied from the password) masked. Without
        SQLAlchemy (the ``database`` extra) there is no URL to show."""
        try:
            import sqlalchemy  # noqa: F401 - the url is SQLAlchemy's: the database extra
        except ImportError:
            return {}  # the core alone: the parts are shown, the URL is not composed
        return {
            "url": _shown_url(self.url, secrets),
            "sync_url": _shown_url(self.sync_url, secrets),
        }


def _shown_url(url: URL, secrets: frozenset[str]) -> str:
    """``url`` rendered with its password and any secret in its query masked."""
    query = {
        name: shown(value, secrets) if isinstance(value, str) else value
        for name, value in url.query.items()
    }
    text = url.set(query=query).render_as_string(hide_password=True)
    text = text.replace(":***@", f":{MASK}@", 1).replace("%2A" * len(MASK), MASK)
    socket = query.get("host")
    if isinstance(socket, str) and socket.startswith("/"):  # written as libpq reads it
        text = text.replace(f"host={quote_plus(socket)}", f"host={quote(socket)}", 1)
    return str(shown(text, secrets))
