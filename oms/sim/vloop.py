"""An asyncio event loop on simulated time: a day of market data runs in seconds, the same way
every time.

Rules:
- ``loop.time()`` is the simulated clock (seconds). It moves only forward, and only when
  nothing is ready to run: then it jumps straight to the next timer (``asyncio.sleep``,
  timeouts, the manager's backoffs), so no waiting ever takes wall time. The exchange and
  the manager read the same clock through ``now_ms``.
- With nothing ready and no timer pending, the loop would wait for ever on a real event
  loop; here that is a deadlock and raises ``SimulationStalled``.
- Real file descriptors (the loop's self-pipe) are still polled now and then, never blocking.
- ``advance_to`` moves the clock to a market event's time: directly when no timer falls
  due before it and nothing is ready (the common case, cheap), else by sleeping, which
  runs the due timers in order. ``settle`` runs everything that is ready at the current
  time. Together they make the interleaving of market events, exchange events and the
  manager's own work a function of the inputs alone.
"""

from __future__ import annotations

import asyncio
import selectors
from typing import Any

__all__ = ["SimulationStalled", "VirtualTimeLoop"]


class SimulationStalled(RuntimeError):
    """Every task waits for something that cannot happen in simulated time."""


class _Selector(selectors.DefaultSelector):
    """Polls without blocking; a wait of ``timeout`` moves the loop's clock instead."""

    def __init__(self) -> None:
        super().__init__()
        self.loop: VirtualTimeLoop | None = None
        self._turns = 0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        # A simulation does no I/O: the only descriptor is the loop's self-pipe (thread-safe
        # wake-ups), polled once in a while rather than on every turn (a syscall each).
        self._turns += 1
        if self._turns % 1024 == 0:
            ready = super().select(0)
            if ready:
                return ready
        if timeout == 0:
            return []
        assert self.loop is not None
        if timeout is None:
            raise SimulationStalled("no task can make progress and no timer is pending")
        self.loop.jump(timeout)
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` is simulated (see the module rules)."""

    def __init__(self, start_ms: int = 0) -> None:
        selector = _Selector()
        super().__init__(selector)
        selector.loop = self
        # ``time()`` counts seconds from ``start_ms``: small floats keep sub-µs precision
        # (an epoch in seconds has only ~0.2 µs, finer than the loop's clock resolution,
        # and a timer could then never come due).
        self._start_ms = start_ms
        self._now = 0.0

    def time(self) -> float:
        return self._now

    def now_ms(self) -> int:
        """The simulated time in whole milliseconds (the exchange's clock)."""
        return self._start_ms + int(self._now * 1000 + 1e-6)

    def jump(self, seconds: float) -> None:
        """Move to the next timer, ``seconds`` ahead (exactly its time, not a sum)."""
        if seconds <= 0:
            return
        target = self._now + seconds
        scheduled: list[Any] = self._scheduled  # type: ignore[attr-defined]
        if scheduled:
            target = max(target, scheduled[0].when())
        self._now = target

    def _due_before(self, when: float) -> bool:
        # CPython's BaseEventLoop keeps ready callbacks in ``_ready`` and timers in the
        # heap ``_scheduled``; both are stable internals since 3.4.
        scheduled: list[Any] = self._scheduled  # type: ignore[attr-defined]
        ready: Any = self._ready  # type: ignore[attr-defined]
        return bool(ready) or bool(scheduled and scheduled[0].when() <= when)

    async def advance_to(self, at_ms: int) -> None:
        """Move the clock to ``at_ms`` (never backwards), running the timers due until then."""
        when = (at_ms - self._start_ms) / 1000
        if when <= self._now:
            return
        if not self._due_before(when):
            self._now = when
            return
        await asyncio.sleep(when - self._now)
        self._now = max(self._now, when)

    async def settle(self, rounds: int = 10_000) -> None:
        """Run whatever is ready at the current time until nothing else is.

        Raises:
            SimulationStalled: still busy after ``rounds`` turns (a livelock).
        """
        ready: Any = self._ready  # type: ignore[attr-defined]
        for _ in range(rounds):
            await asyncio.sleep(0)
            if not ready:
                return
        raise SimulationStalled(f"still busy after {rounds} turns at t={self._now:.3f}s")
