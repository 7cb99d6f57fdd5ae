"""The drain's deadline, without a server: a request that begins after the signal gets it too."""

from __future__ import annotations

import asyncio

import pytest

from settings.contrib.web._drain import Drain


def test_a_request_begun_after_the_drain_began_ends_at_the_drains_deadline() -> None:
    async def scenario() -> float:
        loop = asyncio.get_running_loop()
        drain = Drain(lambda: 0.2)
        drain.begin()
        began = loop.time()
        timeout = drain.request()
        try:
            with pytest.raises(TimeoutError):
                async with timeout:
                    await asyncio.sleep(30)
        finally:
            drain.ended(timeout)
        return loop.time() - began

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) < 5


def test_a_request_in_flight_when_the_drain_begins_ends_at_its_deadline() -> None:
    async def scenario() -> float | None:
        drain = Drain(lambda: 0.2)
        timeout = drain.request()
        before = timeout.when()
        try:
            with pytest.raises(TimeoutError):
                async with timeout:
                    await asyncio.sleep(0.05)  # no deadline yet: not cut
                    drain.begin()
                    await asyncio.sleep(30)
        finally:
            drain.ended(timeout)
        return before

    assert asyncio.run(asyncio.wait_for(scenario(), 10)) is None
