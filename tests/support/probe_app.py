"""The real app plus two routes that fail on purpose, for the leak sweep.

``/boom`` is a careless handler: its exception quotes both secrets in every form a bug might
write them (plain, percent-encoded, inside the SQLAlchemy URL), so the 500 response and the
log prove the redaction. ``/now`` needs a session, so a database that refuses the password gives
the documented 503. ``uvicorn --factory tests.support.probe_app:create_probe_app`` serves it.
"""

from __future__ import annotations

from urllib.parse import quote, quote_plus

from fastapi import FastAPI
from sqlalchemy import text

from app.deps import SessionDep, SettingsDep
from app.main import create_app
from settings import Settings


def careless_message(settings: Settings) -> str:
    """What a buggy handler might put in an exception: the secrets, in many spellings."""
    parts = [f"cannot reach {settings.database.url.render_as_string(hide_password=False)}"]
    for secret in (settings.database.password, settings.secret_key):
        value = secret.get_secret_value()
        parts.append(
            f"secret {value!r} / {quote(value, safe='')} / {quote(value)} / {quote_plus(value)}"
        )
    return "; ".join(parts)


def add_probe_routes(app: FastAPI) -> FastAPI:
    @app.get("/boom")
    async def boom(settings: SettingsDep) -> None:
        raise RuntimeError(careless_message(settings))

    @app.get("/now")
    async def now(session: SessionDep) -> str:
        return str((await session.execute(text("SELECT CURRENT_TIMESTAMP"))).scalar_one())

    return app


def create_probe_app(settings: Settings | None = None) -> FastAPI:
    """``create_app(settings)`` with ``/boom`` and ``/now``."""
    return add_probe_routes(create_app(settings))
