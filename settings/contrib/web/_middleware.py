"""The web battery's one HTTP layer: :class:`SettingsMiddleware`. Re-exported by
:mod:`settings.fastapi` and installed by :func:`settings.fastapi.settings_middleware`."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from settings._process import overridden
from settings.contrib.web._drain import Drain, answer_shutdown
from settings.contrib.web._error_page import ErrorMiddleware, answer_error
from settings.contrib.web._hosts import (
    HostCheck,
    allowed_hosts,
    cors_middleware,
    refuse_host,
)
from settings.contrib.web._request_id import (
    REQUEST_ID_KEY,
    add_request_id,
    new_request_id,
    valid_request_id,
)
from settings.contrib.web._served import pin, pinned, served_base
from settings.schema import BaseSettings


@dataclass(frozen=True)
class _Policy:
    """What :class:`SettingsMiddleware` applies for one settings object, built once. A model
    without the web battery's fields has no host check (no ``allowed_hosts``) or no CORS (no
    ``cors`` of the battery's :class:`CorsConfig`) to apply."""

    settings: BaseSettings
    hosts: HostCheck | None
    cors: CORSMiddleware | None


class SettingsMiddleware:
    """What the settings decide about every request, in one pure ASGI layer (one coroutine
    frame for the whole request: each layer of middleware is crossed again at every ``await``
    of the handler, a database round trip included):

    - the settings the request is served with are pinned to it (:func:`settings.fastapi.pin`),
      so a reload in flight changes nothing for it, handlers and middleware alike;
    - ``X-Request-ID`` on every response, the client's valid one or a new uuid4, also in
      ``request.state.request_id``;
    - ``allowed_hosts``: a ``Host`` that matches no pattern gets 400;
    - ``cors``: a request with an ``Origin`` goes through Starlette's ``CORSMiddleware``; the
      others get what it would add, ``Vary: Origin`` (each where the model has the web
      battery's field, as :class:`settings.Settings` does: what acts on them follows the
      model);
    - the drain at shutdown (:mod:`settings.contrib.web._drain`): past ``server.shutdown_timeout``
      after SIGTERM, a request still running is cancelled and answered 503;
    - an unhandled exception becomes a 500 without secrets (:func:`answer_error`).

    What the settings decide is built once per settings object (again when an override or a
    reload changes them), and each Host header's verdict is kept. The application's own
    middleware (``settings_middleware(...)``) runs inside this layer: it sees the pinned
    settings, the request id, and its exceptions become the 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._policy: _Policy | None = None

    def policy(self, settings: BaseSettings) -> _Policy:
        policy = self._policy
        if policy is None or policy.settings is not settings:  # first, or an override/reload
            hosts = allowed_hosts(settings)
            inner = ErrorMiddleware(self.app)  # inside CORS, so a browser can read the 500
            policy = self._policy = _Policy(
                settings,
                None if hosts is None else HostCheck(hosts),
                cors_middleware(inner, settings),
            )
        return policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        base = pinned(scope)
        if base is None:  # this layer is the first to see the request
            base = served_base(scope["app"])
            pin(scope, base)
        settings = overridden(base)
        policy = self.policy(settings)
        host = origin = request_id = None
        for name, value in scope["headers"]:
            if name == b"host":
                if host is None:
                    host = value
            elif name == b"origin":
                if origin is None:
                    origin = value
            elif name == REQUEST_ID_KEY and request_id is None:
                request_id = valid_request_id(value) or ""
        hosts, cors = policy.hosts, policy.cors
        if kind != "http":
            if hosts is None or hosts.allows(host or b""):
                await self.app(scope, receive, send)
            else:
                await refuse_host(scope, receive, send)
            return
        request_id = request_id or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                add_request_id(message, request_id)
                if origin is None and cors is not None:
                    _add_vary_origin(message)
            await send(message)

        if hosts is not None and not hosts.allows(host or b""):
            await refuse_host(scope, receive, sending)
            return
        target = self.app if origin is None or cors is None else cors
        drain: Drain | None = getattr(scope["app"].state, "drain", None)
        deadline = None if drain is None else drain.request()
        try:
            if deadline is None:
                await target(scope, receive, sending)
            else:
                async with deadline:
                    await target(scope, receive, sending)
        except Exception as exc:
            if deadline is not None and deadline.expired():  # cut short by the drain
                if not started:  # else the response begun ends as it is
                    await answer_shutdown(sending)
            elif started:
                raise  # too late for a 500; the server closes the connection
            else:
                await answer_error(exc, scope, receive, sending, settings)
        finally:
            if drain is not None and deadline is not None:
                drain.ended(deadline)


def _add_vary_origin(message: Message) -> None:
    """What Starlette's ``CORSMiddleware`` adds to a response to a request without
    ``Origin``: ``Vary: Origin``, merged into a ``Vary`` already there."""
    raw = message.setdefault("headers", [])
    if any(name == b"vary" for name, _ in raw):
        headers = MutableHeaders(scope=message)
        headers["Vary"] = ", ".join([*headers.getlist("Vary"), "Origin"])
    else:
        raw.append((b"vary", b"Origin"))
