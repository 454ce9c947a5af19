"""Runs a strategy: offline over market data on simulated time, or live over any market feed.

Rules:
- The manager is started before the strategy and closed after it; the strategy is called
  one method at a time (``oms.sim.strategy``). Order updates are queued by the manager's
  ``on_update`` and handed to the strategy between market events, oldest first.
- Offline, each market event first moves the simulated clock to its time (running the
  manager's timers due until then), then moves the market (``Venue.feed``: the exchange
  fills the resting orders the event crosses), lets the manager take the resulting user
  data in, and only then tells the strategy. Everything runs on one ``VirtualTimeLoop``
  and nothing reads the wall clock, so a seed fixes the run.
- A ``Venue`` is what the application layer wires in (the simulated exchange); this package
  never imports a transport.
- Live over a feed (``run_feed``: a live market data stream), updates are handed over as
  they come, even while the market is quiet; a ``MarketGap`` goes to the strategy's
  ``on_gap`` when it has one. The run ends after ``seconds`` (or when the feed's task ends).
- At the end the strategy is stopped, held-back events are flushed, the manager reconciles
  once more and the venue lists any discrepancy between the manager and the exchange.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Protocol

import msgspec

from oms.core.outputs import Output
from oms.runtime.manager import OrderManager
from oms.sim.market import BookTop, Kline, MarketEvent, MarketGap, Trade
from oms.sim.record import Recorder
from oms.sim.strategy import Strategy
from oms.sim.vloop import VirtualTimeLoop

__all__ = [
    "Feed",
    "FeedCount",
    "Outcome",
    "Venue",
    "event_price",
    "run_feed",
    "run_live",
    "run_offline",
]

Progress = Callable[[int, int], None]  # (events so far, market time ms)


class Venue(Protocol):
    """The simulated market behind the manager's transport."""

    def feed(self, event: MarketEvent) -> bool:
        """Move the market; True when the account has new user data to deliver."""
        ...

    def deliver(self) -> None:
        """Wake the transport's stream so queued user data flows now."""
        ...

    def flush(self) -> None:
        """Release events the fault injector still holds back."""
        ...

    def discrepancies(self, manager: OrderManager) -> list[str]:
        """What the manager believes that the exchange contradicts."""
        ...


class Feed(Protocol):
    """A live source of market events (e.g. ``transports.binance.market_stream``)."""

    async def get(self) -> MarketEvent | MarketGap:
        """The next event or gap; waits, and may be cancelled without losing one."""
        ...


class Outcome(msgspec.Struct):
    events: int
    discrepancies: list[str]
    faults: dict[str, int] = {}


def event_price(event: MarketEvent) -> Decimal:
    """The price an event marks the market at: a trade's, a kline's close, a book's mid."""
    if type(event) is Trade:
        return event.price
    if type(event) is Kline:
        return event.close
    assert isinstance(event, BookTop)
    return event.mid


class _Updates:
    """The manager's outputs, queued for the recorder and the strategy."""

    def __init__(self, manager: OrderManager, recorder: Recorder | None) -> None:
        self.queue: deque[Output] = deque()
        self._recorder = recorder
        manager.on_update(self._take)

    def _take(self, output: Output) -> None:
        if self._recorder is not None:
            self._recorder.on_update(output)
        self.queue.append(output)

    async def hand_to(self, strategy: Strategy) -> None:
        queue = self.queue
        while queue:
            await strategy.on_update(queue.popleft())


class _Worker:
    """Calls the strategy one method at a time from its own task, so that a strategy
    waiting on a slow request does not stop the market: events queue up meanwhile."""

    def __init__(self, strategy: Strategy, updates: _Updates) -> None:
        self.strategy = strategy
        self.updates = updates
        self.inbox: deque[MarketEvent] = deque()
        self._wake = asyncio.Event()
        self._stopped = False
        self.task = asyncio.ensure_future(self._run())

    def push(self, event: MarketEvent) -> None:
        if self.task.done():  # the strategy raised: stop the run with its error
            self.task.result()
            raise RuntimeError("the strategy's task ended early")
        self.inbox.append(event)
        self._wake.set()

    def poke(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        inbox, updates, on_market = self.inbox, self.updates, self.strategy.on_market
        while True:
            await self._wake.wait()
            self._wake.clear()
            while inbox or updates.queue:
                await updates.hand_to(self.strategy)
                if inbox:
                    await on_market(inbox.popleft())
            if self._stopped:
                return

    async def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        await self.task


async def run_offline(
    strategy: Strategy,
    manager: OrderManager,
    venue: Venue,
    events: Iterable[MarketEvent],
    *,
    recorder: Recorder | None = None,
    progress: Progress | None = None,
    progress_every: int = 50_000,
    concurrent: bool = False,
) -> Outcome:
    """Drive one simulation to its end on the running ``VirtualTimeLoop``.

    ``concurrent``: the strategy runs in its own task, so market events keep coming while
    it waits on a request that takes simulated time (``--latency``); they queue up for it.
    Otherwise (requests answer at once) it is called inline, which is faster.
    """
    loop = asyncio.get_running_loop()
    if not isinstance(loop, VirtualTimeLoop):
        raise TypeError("run_offline needs a VirtualTimeLoop (see oms.sim.vloop)")
    updates = _Updates(manager, recorder)
    await manager.start()
    await strategy.start(manager)
    worker = _Worker(strategy, updates)
    worker.poke()
    await loop.settle()
    count = 0
    advance, settle, feed = loop.advance_to, loop.settle, venue.feed
    on_price = recorder.on_price if recorder is not None else None
    on_market, queue, hand_to = strategy.on_market, updates.queue, updates.hand_to
    for event in events:
        at_ms = event.time_us // 1000
        await advance(at_ms)
        if feed(event):
            venue.deliver()
            await settle()
        if on_price is not None:
            on_price(event.symbol, event_price(event), at_ms)
        if concurrent:
            worker.push(event)
            await settle()
        else:
            if queue:
                await hand_to(strategy)
            await on_market(event)
            if queue:
                await hand_to(strategy)
        count += 1
        if progress is not None and count % progress_every == 0:
            progress(count, at_ms)
    await worker.stop()
    await strategy.stop()
    await _finish(loop, manager, venue, worker)
    if recorder is not None:
        recorder.sample(loop.now_ms())
    return Outcome(events=count, discrepancies=venue.discrepancies(manager))


async def _finish(
    loop: VirtualTimeLoop, manager: OrderManager, venue: Venue, worker: _Worker
) -> None:
    """Deliver what is still held back, reconcile, and hand the last updates over."""
    await loop.settle()
    venue.flush()
    venue.deliver()
    await loop.settle()
    await manager.reconcile("end of simulation")
    await loop.settle()
    await worker.updates.hand_to(worker.strategy)


async def run_live(
    strategy: Strategy,
    manager: OrderManager,
    events: Iterable[MarketEvent],
    *,
    recorder: Recorder | None = None,
    pace: float = 0.0,
) -> int:
    """Run against a real transport (``oms exchange`` or Binance): orders go to the venue
    for real; market events come from ``events``, ``pace`` seconds apart (0: as fast as the
    venue answers). Returns how many market events the strategy saw."""
    updates = _Updates(manager, recorder)
    await strategy.start(manager)
    count = 0
    for event in events:
        await asyncio.sleep(pace)  # also lets the stream's updates in
        await updates.hand_to(strategy)
        if recorder is not None:
            recorder.on_price(event.symbol, event_price(event), event.time_us // 1000)
        await strategy.on_market(event)
        await updates.hand_to(strategy)
        count += 1
    await strategy.stop()
    await asyncio.sleep(pace)
    await updates.hand_to(strategy)
    return count


class FeedCount(msgspec.Struct):
    """What a live run saw: market events and gaps."""

    events: int = 0
    gaps: int = 0
    kinds: dict[str, int] = {}  # "Trade", "Kline", "BookTop" -> how many


async def run_feed(
    strategy: Strategy,
    manager: OrderManager,
    feed: Feed,
    *,
    seconds: float,
    recorder: Recorder | None = None,
    poll_s: float = 0.1,
) -> FeedCount:
    """Run ``strategy`` on a started ``manager`` over a live ``feed`` for ``seconds``
    (0: until cancelled). Order updates reach the strategy within ``poll_s`` even when the
    market is quiet."""
    loop = asyncio.get_running_loop()
    updates = _Updates(manager, recorder)
    on_gap = getattr(strategy, "on_gap", None)
    count = FeedCount()
    end = loop.time() + seconds if seconds > 0 else None
    await strategy.start(manager)
    try:
        while end is None or loop.time() < end:
            wait = poll_s if end is None else max(min(poll_s, end - loop.time()), 0.0)
            try:
                item = await asyncio.wait_for(feed.get(), wait)
            except TimeoutError:
                item = None
            await updates.hand_to(strategy)
            if item is None:
                continue
            if isinstance(item, MarketGap):
                count.gaps += 1
                if on_gap is not None:
                    await on_gap(item)
                continue
            if recorder is not None:
                recorder.on_price(item.symbol, event_price(item), item.time_us // 1000)
            await strategy.on_market(item)
            await updates.hand_to(strategy)
            count.events += 1
            kind = type(item).__name__
            count.kinds[kind] = count.kinds.get(kind, 0) + 1
    finally:
        await strategy.stop()
        await asyncio.sleep(poll_s)  # lets the last updates in
        await updates.hand_to(strategy)
    return count
