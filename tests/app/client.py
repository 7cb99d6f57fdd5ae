"""``running(app)``: the app between its lifespan's startup and shutdown, with a client on it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI


@asynccontextmanager
async def running(app: FastAPI, host: str = "localhost") -> AsyncIterator[httpx.AsyncClient]:
    """Start the lifespan, yield a client, then shut the app down (disposing its pool)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
            yield client
