"""What the settings mean: one frozen, typed Pydantic model and its sections.

The schema sees plain values only; where they came from is the loader's business. Text from
environment variables reaches these models as ``str`` and is converted by each field's type
(``"5433"`` becomes the port ``5433``, a database named ``"2024"`` stays a string). Lists accept
a JSON array or comma-separated text.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from settings._redact import repr_safe, secret_values
from settings.schema._types import (
    DRIVER_OPTIONS,
    POSTGRES,
    SQLITE,
    SSL_FILE_OPTIONS,
    SSL_MODES,
    SSL_REQUIRED,
    TARGET_SESSION_ATTRS,
    PlainText,
    StrList,
    WholeNumber,
    check_host_text,
    check_hostname,
    check_origin,
    host_pattern,
    parse_server_options,
    split_hosts,
    strip_blanks,
)

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from settings._provenance import Sources


@dataclass(frozen=True)
class EnvVar:
    """Field metadata declaring a deployment variable without prefix (and ``NAME_FILE``)::

    api_key: Annotated[SecretStr, EnvVar("LLM_API_KEY")] = SecretStr("")
    """

    name: str


class Section(BaseModel):
    """A table of settings: frozen, unknown keys refused, secrets masked in ``repr``.

    ``SecretStr`` and ``SecretBytes`` mask themselves; the password of a URL (typed, or in a
    string) is masked here, so ``repr()`` and ``str()`` of any section show no secret.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _strip_blanks(cls, data: Any) -> Any:
        """One whitespace rule for every type: blanks around a value are ignored where they
        cannot mean anything (numbers, booleans, choices), and kept in text."""
        return strip_blanks(cls, data)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        secrets = _repr_secrets.get()
        if secrets is None:  # the outermost repr: its secrets mask their copies inside it
            secrets = frozenset(secret_values(self))
            token = _repr_secrets.set(secrets)
        else:
            token = None
        try:
            args = [(name, repr_safe(value, secrets)) for name, value in super().__repr_args__()]
            args = [
                (name, _Nested(value)) if isinstance(value, Section) else (name, value)
                for name, value in args
            ]
        finally:
            if token is not None:
                _repr_secrets.reset(token)
        yield from args


#: The secrets of the object whose ``repr()`` is being written, for the sections inside it.
_repr_secrets: ContextVar[frozenset[str] | None] = ContextVar("repr_secrets", default=None)


class _Nested:
    """A section inside a ``repr()``, written while its parent's secrets are still known."""

    def __init__(self, section: Section) -> None:
        secrets = _repr_secrets.get()
        self.text = repr(section) if secrets is None else _repr_within(section, secrets)

    def __repr__(self) -> str:
        return self.text


def _repr_within(section: Section, secrets: frozenset[str]) -> str:
    token = _repr_secrets.set(secrets | secret_values(section))
    try:
        return repr(section)
    finally:
        _repr_secrets.reset(token)


FrozenModel = Section


class PoolConfig(FrozenModel):
    """Connection pool, sized per environment."""

    size: WholeNumber = Field(5, ge=1, le=1000, description="Connections kept open in the pool.")
    max_overflow: WholeNumber = Field(
        10, ge=0, le=1000, description="Extra connections under load."
    )
    timeout: float = Field(
        30.0, gt=0, le=3600, description="Seconds a request waits for a free connection."
    )
    recycle: WholeNumber = Field(
        1800, ge=-1, description="Seconds after which a connection is replaced; -1 never."
    )
    pre_ping: bool = Field(True, description="Test each connection before handing it out.")


class DatabaseConfig(FrozenModel):
    """Where the database is. ``url`` is composed from the parts, every character escaped."""

    driver: Literal["postgresql+asyncpg", "sqlite+aiosqlite"] = Field(
        "postgresql+asyncpg", description="postgresql+asyncpg, or sqlite+aiosqlite."
    )
    host: Annotated[str | None, EnvVar("DB_HOST")] = Field(
        "localhost", description="Hostname, IP address or socket directory (PostgreSQL)."
    )
    port: Annotated[WholeNumber | None, EnvVar("DB_PORT")] = Field(
        5432, ge=1, le=65535, description="TCP port (PostgreSQL)."
    )
    username: Annotated[PlainText | None, EnvVar("DB_USERNAME")] = Field(
        "postgres", description="Role to connect as (PostgreSQL)."
    )
    password: Annotated[SecretStr, EnvVar("DB_PASSWORD")] = Field(
        SecretStr(""), description="Password of that role."
    )
    database: Annotated[PlainText, EnvVar("DB_DATABASE")] = Field(
        "app",
        min_length=1,
        description="Database name; for SQLite the file's path, relative to settings.toml.",
    )
    options: dict[PlainText, PlainText] = Field(
        default={},
        description="Driver options from the URL query (sslmode is translated for asyncpg).",
    )
    connect_timeout: float = Field(
        5.0, gt=0, le=300, description="Seconds to wait for a connection or a health check."
    )
    command_timeout: float = Field(
        30.0, gt=0, le=86400, description="Seconds a single statement may run (PostgreSQL)."
    )
    pool: PoolConfig = Field(default_factory=PoolConfig)
    pgbouncer: bool = Field(
        False, description="Connect through PgBouncer in transaction pooling mode."
    )

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


class CorsConfig(FrozenModel):
    """Cross-origin requests the browser may make."""

    origins: Annotated[StrList, EnvVar("CORS_ORIGINS")] = Field(
        default=[], description="Allowed origins, or '*'."
    )
    allow_credentials: bool = Field(False, description="Allow cookies and Authorization.")
    allow_methods: StrList = Field(
        default=["GET", "POST", "PUT", "PATCH", "DELETE"],
        description="Allowed methods.",
    )
    allow_headers: StrList = Field(
        default=["Authorization", "Content-Type", "X-Request-ID"],
        description="Allowed request headers.",
    )

    @field_validator("origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        checked = []
        for number, origin in enumerate(origins, 1):
            try:
                checked.append(check_origin(origin))
            except ValueError as exc:
                raise ValueError(
                    f"item {number} is not an origin: {exc} (a wildcard only as "
                    "https://*.example.com)"
                ) from None
        return checked


class ServerConfig(FrozenModel):
    """How many processes share the database: the connection budget is
    replicas x workers x (pool.size + pool.max_overflow)."""

    workers: Annotated[WholeNumber, EnvVar("WEB_CONCURRENCY")] = Field(
        1, ge=1, le=1024, description="Worker processes per replica (uvicorn --workers)."
    )
    replicas: WholeNumber = Field(1, ge=1, le=100_000, description="Replicas of the app.")


class MetricsConfig(FrozenModel):
    """The Prometheus ``/metrics`` route."""

    enabled: bool = Field(True, description="Serve /metrics.")


class Settings(FrozenModel):
    """The application's settings: loaded and validated once, then read-only."""

    environment: str = Field("development", description="Set by ENV_FOR_DYNACONF.")
    debug: bool = Field(False, description="Tracebacks in error responses. Never in production.")
    secret_key: Annotated[SecretStr, EnvVar("SECRET_KEY")] = Field(
        description="Signing key; 32+ characters in production."
    )
    allowed_hosts: StrList = Field(
        default=["localhost", "127.0.0.1"],
        description="Host headers the app answers; others get 400.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="debug, info, warning or error."
    )
    cors: CorsConfig = Field(default_factory=CorsConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    server: ServerConfig = Field(default_factory=ServerConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    silenced_checks: StrList = Field(
        default=[], description="Ids of checks to silence (security.E006 ...)."
    )

    _sources: Sources | None = PrivateAttr(default=None)

    @field_validator("allowed_hosts")
    @classmethod
    def _check_host_patterns(cls, hosts: list[str]) -> list[str]:
        checked = []
        for number, host in enumerate(hosts, 1):
            try:
                checked.append(host_pattern(host))
            except ValueError:
                raise ValueError(
                    f"item {number} is not a host pattern; write a hostname, an IP address, "
                    "'*.example.com' or '*'"
                ) from None
        return checked

    @field_validator("environment", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @cached_property
    def fingerprint(self) -> str:
        """A short hex digest of every effective value; secrets enter only through
        HMAC-SHA256 keyed by ``secret_key`` (:mod:`settings.schema._fingerprint`)."""
        from settings.schema._fingerprint import fingerprint

        return fingerprint(self)

    @property
    def sources(self) -> Sources | None:
        """Where the values came from, when loaded by :func:`settings.load_settings`."""
        return self._sources
