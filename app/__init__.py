"""The reference application: ``app.main:app`` is the one uvicorn serves, ``app.config`` its
settings model, ``app.deps`` what handlers declare.

    from app.deps import SettingsDep

    @router.get("/debug-flag")
    async def debug_flag(settings: SettingsDep) -> bool:
        return settings.debug

Importing this package imports nothing else: the settings loader imports ``app.config`` to find
the model, and must not pull in the web or database stack.
"""
