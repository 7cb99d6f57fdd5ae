"""What asyncpg is given: the URL's libpq options turned into the driver's own arguments.

asyncpg takes no ``sslrootcert``, ``sslcert``, ``sslkey``, ``application_name`` or ``options``
keyword, so the URL loses them here: the certificate files become one ``ssl.SSLContext`` (the
libpq mode decides what it verifies), ``application_name`` and every ``-c name=value`` of
``options`` become startup parameters (``server_settings``). ``target_session_attrs`` and a
multi-host list pass through, since asyncpg supports both.

Imported by the application and by ``check --connect`` only: loading settings never is.
"""

from __future__ import annotations

import ssl
import uuid
from typing import TYPE_CHECKING, Any

from settings.contrib.database._config import SSL_FILE_OPTIONS, parse_server_options
from settings.sources._environ import read_secret_file  # re-read per connection: a rotated secret

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from settings.contrib.database._config import DatabaseConfig

#: How the app's connections show up in ``pg_stat_activity`` unless ``application_name`` says.
__all__ = ["APPLICATION_NAME", "connect_args", "driver_url", "read_secret_file"]

APPLICATION_NAME = "fastapi-layered-settings"
_MOVED = (*SSL_FILE_OPTIONS, "ssl", "application_name", "options")


def driver_url(config: DatabaseConfig) -> URL:
    """``config.url`` without the options that :func:`connect_args` passes another way."""
    return config.url.difference_update_query(_MOVED)


def connect_args(config: DatabaseConfig) -> dict[str, Any]:
    """asyncpg's keyword arguments for ``config`` (PostgreSQL only). Raises ``ValueError``
    naming the option when a certificate file cannot be read."""
    options = config.options
    server_settings = {"application_name": options.get("application_name", APPLICATION_NAME)}
    server_settings.update(parse_server_options(options.get("options", "")))
    arguments: dict[str, Any] = {
        "timeout": config.connect_timeout,
        "command_timeout": config.command_timeout,
        "server_settings": server_settings,
    }
    if "ssl" in options:
        arguments["ssl"] = ssl_argument(options)
    if config.pgbouncer:
        # PgBouncer in transaction mode hands each transaction any server connection, so a
        # statement prepared on one is unknown on the next, and asyncpg's sequential names
        # collide between clients: no cache on either side, and a unique name for each.
        arguments.update(
            statement_cache_size=0,
            prepared_statement_cache_size=0,
            prepared_statement_name_func=unique_statement_name,
        )
    return arguments


def unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def ssl_argument(options: dict[str, str]) -> str | ssl.SSLContext:
    """The libpq mode as asyncpg spells it, or an SSL context when certificate files are given.

    ``verify-full`` checks the chain and the host name, ``verify-ca`` the chain only, and
    ``require`` with ``sslrootcert`` behaves as ``verify-ca``, as in libpq.
    """
    mode = options["ssl"]
    if not any(options.get(name) for name in SSL_FILE_OPTIONS):
        return mode
    rootcert = options.get("sslrootcert")
    try:
        context = ssl.create_default_context(cafile=rootcert)
        context.check_hostname = mode == "verify-full"
        if rootcert is None and mode == "require":
            context.verify_mode = ssl.CERT_NONE
        if options.get("sslcert"):
            context.load_cert_chain(options["sslcert"], options.get("sslkey"))
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise ValueError(
            f"database.options: cannot use the certificate files "
            f"({', '.join(name for name in SSL_FILE_OPTIONS if options.get(name))}): {reason}"
        ) from None
    return context
