"""The chat backend's app, on the framework's FastAPI integration only.

``SettingsDep`` is typed with the chat model, so a type checker sees ``settings.llm.model``.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, FastAPI

from settings.fastapi import request_settings, settings_lifespan, settings_middleware
from tests.application.chat.config import AppSettings

SettingsDep = Annotated[AppSettings, Depends(request_settings)]

logger = logging.getLogger("chat")


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=settings_lifespan(model=AppSettings),
        middleware=settings_middleware(),
    )

    @app.get("/llm")
    async def llm(settings: SettingsDep) -> dict[str, str]:
        return {"model": settings.llm.model}

    @app.get("/features")
    async def features(settings: SettingsDep) -> dict[str, bool]:
        return settings.features

    @app.get("/settings")
    async def described(settings: SettingsDep) -> dict[str, str]:
        """A careless handler: the settings and the section, as text."""
        logger.info("settings %s / %r / llm %s", settings, settings, settings.llm)
        return {"settings": repr(settings), "llm": str(settings.llm)}

    @app.get("/boom")
    async def boom(settings: SettingsDep) -> None:
        """A careless handler: its exception quotes both secrets as a bug might."""
        key = settings.llm.api_key.get_secret_value()
        raise RuntimeError(f"llm refused key {key!r}; cache at {settings.redis_url}")

    return app
