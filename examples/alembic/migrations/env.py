"""Alembic's environment, async: the application's settings say where the database is.

``get_settings()`` loads the settings as the application does (``settings.toml``, the
environment ``ENV_FOR_DYNACONF`` names, ``DATABASE_URL`` or the ``DB_*`` variables, the password
from ``DB_PASSWORD``, ``DB_PASSWORD_FILE`` or ``.secrets.toml``), so ``alembic upgrade head``
migrates the database the application uses and ``alembic.ini`` holds no URL. The engine is
asyncpg's, built as the application builds it: ``driver_url`` with ``connect_args`` (TLS
certificate files, ``application_name``, ``options=-c ...``, which asyncpg takes as arguments).

For a sync application (psycopg), use ``env_sync.py`` instead (copy it over this file). With
several databases, name the one to migrate: ``get_settings().replica``.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from settings import get_settings
from settings.contrib.database import connect_args, driver_url

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# The application's MetaData, for ``alembic revision --autogenerate``: Base.metadata.
target_metadata = None

database = get_settings().database


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: the SQL for this database's dialect, no connection."""
    context.configure(
        url=database.url,  # a URL object: never rendered, so its password goes nowhere
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    if database.is_sqlite:
        engine = create_async_engine(database.url, poolclass=pool.NullPool)
    else:
        engine = create_async_engine(
            driver_url(database), poolclass=pool.NullPool, connect_args=connect_args(database)
        )
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
