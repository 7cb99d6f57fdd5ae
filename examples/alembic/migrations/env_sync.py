"""Alembic's environment, sync: copy this file over ``env.py`` for a psycopg application.

``get_settings()`` loads the settings as the application does (``settings.toml``, the
environment ``ENV_FOR_DYNACONF`` names, ``DATABASE_URL`` or the ``DB_*`` variables, the password
from ``DB_PASSWORD``, ``DB_PASSWORD_FILE`` or ``.secrets.toml``), so ``alembic upgrade head``
migrates the database the application uses and ``alembic.ini`` holds no URL.
``database.sync_url`` is the same target as ``database.url`` for psycopg
(``postgresql+psycopg://``, SQLite's ``sqlite:///``) with libpq's option names: ``sslmode``,
``sslrootcert``, ``application_name``, ``options`` and ``connect_timeout`` as libpq reads them.

With several databases, name the one to migrate: ``get_settings().replica``.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from settings import get_settings

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

# The application's MetaData, for ``alembic revision --autogenerate``: Base.metadata.
target_metadata = None

database = get_settings().database


def run_migrations_offline() -> None:
    """``alembic upgrade head --sql``: the SQL for this database's dialect, no connection."""
    context.configure(
        url=database.sync_url,  # a URL object: never rendered, so its password goes nowhere
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database.sync_url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
