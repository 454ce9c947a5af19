"""Fixtures of the manager tests: a venue (in-process or local server) and its teardown."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from tests.manager.support import KINDS, ServerFactory, Venue, open_venue


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    """How the manager reaches the exchange: ``sim`` (SimTransport) or ``server``."""
    return str(request.param)


@pytest.fixture
async def venue(kind: str, aiohttp_server: ServerFactory) -> AsyncIterator[Venue]:
    """A funded exchange reached through SimTransport (``sim``) or BinanceClient (``server``)."""
    v = await open_venue(kind, aiohttp_server)
    yield v
    await v.close()


@pytest.fixture
async def make_venue(
    kind: str, aiohttp_server: ServerFactory
) -> AsyncIterator[Callable[..., Awaitable[Venue]]]:
    """``await make_venue(ex=..., faults=...)``: a venue of this test's kind, closed after."""
    opened: list[Venue] = []

    async def make(**kwargs: Any) -> Venue:
        v = await open_venue(kind, aiohttp_server, **kwargs)
        opened.append(v)
        return v

    yield make
    for v in opened:
        await v.close()
