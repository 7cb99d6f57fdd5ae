"""The database battery: where the database is, and the rules about it.

``DatabaseConfig`` composes the SQLAlchemy URL (``database.url``) from its parts; a model
declares ``DATABASE_URL`` on its field (``Annotated[DatabaseConfig, EnvVar("DATABASE_URL")]``,
as :class:`settings.Settings` does). Its rules (:mod:`._checks`) have ``security.`` and
``database.`` ids; the connection budget (:mod:`._budget`) asks the server with
``python -m settings check --connect``; asyncpg's arguments are :mod:`._driver`'s.
"""

from settings.contrib.database._config import DatabaseConfig, PoolConfig

__all__ = ["DatabaseConfig", "PoolConfig"]
