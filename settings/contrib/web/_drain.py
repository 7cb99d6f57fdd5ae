"""The drain at shutdown: requests in flight get ``server.shutdown_timeout`` seconds.

uvicorn, told to stop (SIGTERM, SIGINT), stops accepting connections and then waits for the
requests in flight, without a limit unless ``--timeout-graceful-shutdown`` is given; the app's
lifespan ends only after that. A request waiting on a database that does not answer would hold
the process until its statement times out (``database.command_timeout``), often past the
grace period of Kubernetes (30 s), which then kills the process.

:class:`Drain` learns of the signal by wrapping the server's own handler (which still runs
first, unchanged), and gives each request in flight the same deadline: ``server.shutdown_timeout``
after the signal. :func:`settings.fastapi.settings_lifespan` installs one when the settings have
a ``server`` section (:mod:`settings.contrib.server`); :class:`settings.fastapi.SettingsMiddleware`
runs each request under it. A request still running at the deadline is cancelled and, once its
cleanup has ended (a connection to a server that does not answer is given up within
``database.connect_timeout``), answered ``503`` with ``Connection: close`` (one that had begun
its response is cut short instead), so the server's wait ends and the lifespan disposes what
the application started. The process is gone within about ``server.shutdown_timeout`` +
``database.connect_timeout`` of the signal, measured in benchmarks/results.md.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable
from types import FrameType
from typing import Any

from starlette.types import Send

from settings._errors import plural

logger = logging.getLogger("settings.shutdown")

#: The signals uvicorn's server stops on.
SIGNALS = (signal.SIGINT, signal.SIGTERM)

_BODY = json.dumps({"detail": "The server is shutting down. Try again."}).encode()
_HEADERS = (
    (b"content-type", b"application/json"),
    (b"content-length", str(len(_BODY)).encode()),
    (b"retry-after", b"1"),
    (b"connection", b"close"),
)


Handler = Callable[[int, FrameType | None], Any]


class Drain:
    """The deadline of the requests in flight, set when the process is told to stop."""

    def __init__(self, timeout: Callable[[], float]) -> None:
        self._timeout = timeout  # read at the signal: a reload may have changed it
        self.deadline: float | None = None
        self._requests: set[asyncio.Timeout] = set()
        self._previous: dict[int, Handler] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> bool:
        """Follow the server's own handlers of SIGINT and SIGTERM; whether it could (not in a
        thread other than the main one, as a test client's, nor without a Python handler)."""
        self._loop = asyncio.get_running_loop()
        for number in SIGNALS:
            previous = signal.getsignal(number)
            if not callable(previous):
                continue  # no server handler to follow: the default ends the process anyway
            try:
                signal.signal(number, self._signalled)
            except ValueError:  # not the main thread
                return False
            self._previous[number] = previous
        return bool(self._previous)

    def uninstall(self) -> None:
        """Give the signals back to the handlers they had."""
        for number, previous in self._previous.items():
            if signal.getsignal(number) == self._signalled:
                signal.signal(number, previous)
        self._previous.clear()

    def _signalled(self, number: int, frame: FrameType | None) -> None:
        self._previous[number](number, frame)
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.begin)

    def begin(self) -> None:
        """Start the drain: every request in flight must end within the timeout."""
        if self.deadline is not None:
            return
        loop = asyncio.get_running_loop()
        timeout = self._timeout()
        self.deadline = loop.time() + timeout
        for request in self._requests:
            request.reschedule(self.deadline)
        if self._requests:
            logger.info(
                "Shutdown: %s in flight, given at most %g s to finish (server.shutdown_timeout)",
                plural(len(self._requests), "request"),
                timeout,
            )
        loop.call_at(self.deadline, self._expired, timeout)

    def _expired(self, timeout: float) -> None:
        if self._requests:
            logger.warning(
                "Shutdown: %s still in flight after %g s (server.shutdown_timeout): "
                "cancelled, answered 503",
                plural(len(self._requests), "request"),
                timeout,
            )

    def request(self) -> asyncio.Timeout:
        """The deadline of one request, to enter around it: none until the signal, then the
        drain's. Pass it to :meth:`ended` once the request is over."""
        timeout = asyncio.timeout_at(self.deadline)  # a time of the loop, not a delay
        self._requests.add(timeout)
        return timeout

    def ended(self, timeout: asyncio.Timeout) -> None:
        self._requests.discard(timeout)


def drain_for(app: Any) -> Drain | None:
    """The drain of an app whose settings have ``server.shutdown_timeout``, read at the signal:
    a reload may change it."""
    if shutdown_timeout(app.state.settings) is None:
        return None
    return Drain(lambda: shutdown_timeout(app.state.settings) or 0.0)


def shutdown_timeout(settings: Any) -> float | None:
    """``server.shutdown_timeout`` where the model's ``server`` section has one (the server
    battery's :class:`ServerConfig`, or the application's own section): what acts on a field
    follows the model."""
    value = getattr(getattr(settings, "server", None), "shutdown_timeout", None)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


async def answer_shutdown(send: Send) -> None:
    """The ``503`` of a request the drain cut short before its response began."""
    # a new message each time: the middleware around adds its headers to the list
    await send({"type": "http.response.start", "status": 503, "headers": list(_HEADERS)})
    await send({"type": "http.response.body", "body": _BODY})
