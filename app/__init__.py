"""The FastAPI application: ``create_app`` builds one, ``app.main:app`` is the one uvicorn serves.

    from app import SettingsDep

    @router.get("/debug-flag")
    async def debug_flag(settings: SettingsDep) -> bool:
        return settings.debug
"""

from app.db import DatabaseManager, DatabaseUnavailableError
from app.deps import DatabaseDep, SessionDep, SettingsDep

__all__ = [
    "DatabaseDep",
    "DatabaseManager",
    "DatabaseUnavailableError",
    "SessionDep",
    "SettingsDep",
]
