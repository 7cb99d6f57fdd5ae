"""A hang turned into a test failure, for code that must return whatever its input."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def failing_after(seconds: float, what: str = "the block") -> Iterator[None]:
    """SIGALRM interrupts the block after ``seconds`` with an ``AssertionError`` naming ``what``
    (main thread only, as signals are)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(f"{what} did not return within {seconds} s")

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
