"""Request deadlines: one timer for every REST request in flight, not one per request.

Rules:
- A request runs between ``start()`` and ``finish(task)``; ``timeout_s`` after ``start()``
  its task is cancelled, and ``finish`` says so (True): the caller ends the request as a
  timeout (``RestClient``: ``OutcomeUnknown``, the request may have executed).
- One ``asyncio.TimerHandle`` serves all requests: armed at a request's deadline when none
  is armed; on firing it cancels the tasks past their deadline and re-arms for the
  earliest deadline left. Every request has the same timeout, so a later request never
  needs an earlier timer: back-to-back requests cost a dict entry each, not a timer (a
  timer per request, aiohttp's ``ClientTimeout.total``, was ~5% of a request's CPU).
- A cancellation that is not ours (the caller's) is never swallowed: ``finish`` takes back
  only the cancellation it made, and the caller re-raises ``CancelledError`` when another
  one is pending.
"""

from __future__ import annotations

import asyncio
from typing import Any

__all__ = ["Deadlines"]

# A timer may run up to the loop's clock resolution early; a deadline that close is due.
_EARLY_S = 0.001


class Deadlines:
    """The deadlines of the requests in flight, each ``timeout_s`` after its start."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._running: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> asyncio.Task[Any] | None:
        """Start the current task's request; None outside a task (no deadline kept)."""
        task = asyncio.current_task()
        if task is None:
            return None
        loop = task.get_loop()
        deadline = loop.time() + self.timeout_s
        self._running[task] = deadline
        if self._timer is None:
            self._timer = loop.call_at(deadline, self._fire, loop)
        return task

    def finish(self, task: asyncio.Task[Any] | None) -> bool:
        """End ``task``'s request: True if its deadline passed and cancelled it (that
        cancellation is taken back; another pending one is not)."""
        if task is None:
            return False
        self._running.pop(task, None)
        if task not in self._expired:
            return False
        self._expired.discard(task)
        task.uncancel()
        return True

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _fire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        due = loop.time() + _EARLY_S
        earliest: float | None = None
        for task, deadline in list(self._running.items()):
            if deadline <= due:
                del self._running[task]
                if not task.done():
                    self._expired.add(task)
                    task.cancel()
            elif earliest is None or deadline < earliest:
                earliest = deadline
        if earliest is not None:
            self._timer = loop.call_at(earliest, self._fire, loop)
