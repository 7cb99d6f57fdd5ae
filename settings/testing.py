"""Test helpers for applications: an async client on a running app.

    from settings.testing import app_client

    async def test_flags(settings):
        settings.override(features={"orders_v2": True})
        async with app_client(create_app()) as client:
            assert (await client.get("/features")).json()["orders_v2"] is True

The ``settings`` fixture itself comes from the pytest plugin (:mod:`settings.pytest_plugin`);
its type, for a test's annotation, is :class:`SettingsFixture`::

    def test_debug_off(settings: SettingsFixture) -> None:
        settings.debug = False
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from settings.pytest_plugin import SettingsFixture

if TYPE_CHECKING:
    import httpx
    from fastapi import FastAPI

__all__ = ["SettingsFixture", "app_client"]


@asynccontextmanager
async def app_client(
    app: FastAPI, *, base_url: str = "http://testserver"
) -> AsyncIterator[httpx.AsyncClient]:
    """The app between its lifespan's startup and shutdown, with an ``httpx.AsyncClient`` on it.

    In the test's own task, so ``override_settings`` and the ``settings`` fixture apply to the
    requests; the startup's errors (``ImproperlyConfigured``) raise here.
    """
    import httpx  # the test extra's: an application's own tests install it

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
