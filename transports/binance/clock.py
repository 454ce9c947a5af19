"""The exchange's clock as this process estimates it: local wall clock plus a measured offset.

Rules (rest-api.md, "Timing security"):
- A signed request's ``timestamp`` must lie within ``recvWindow`` of the server's clock and
  not more than 1000 ms ahead of it, else ``-1021``. So ``timestamp`` is our estimate of the
  server's clock, not the raw local clock.
- The offset is measured from several ``GET /api/v3/time`` samples: each sample's offset is
  ``serverTime - midpoint(send, receive)`` and the estimate is their median, so one slow
  answer (a long round trip with an off-centre server stamp) cannot drag it.
- It is re-measured when older than ``refresh_s``, and at once after a ``-1021``.
- The local clock is injected (``wall_ms``), so tests drive it; only the default reads time.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import NamedTuple

__all__ = ["ServerClock", "TimeSample", "estimate_offset"]


def _wall_ms() -> float:
    return time.time() * 1000.0


class TimeSample(NamedTuple):
    """One ``/api/v3/time`` round trip: local send time, the server's stamp, local receive time."""

    sent_ms: float
    server_ms: int
    received_ms: float

    @property
    def offset_ms(self) -> float:
        return self.server_ms - (self.sent_ms + self.received_ms) / 2.0

    @property
    def round_trip_ms(self) -> float:
        return self.received_ms - self.sent_ms


def estimate_offset(samples: Sequence[TimeSample]) -> float:
    """The median of the samples' midpoint offsets (ms).

    Raises:
        ValueError: no samples.
    """
    if not samples:
        raise ValueError("cannot estimate a clock offset from no samples")
    return float(statistics.median(s.offset_ms for s in samples))


class ServerClock:
    """Server-time estimate shared by every signed request of one client."""

    def __init__(
        self,
        *,
        samples: int = 5,
        refresh_s: float = 600.0,
        wall_ms: Callable[[], float] = _wall_ms,
    ) -> None:
        self._samples = max(1, samples)
        self._refresh_ms = refresh_s * 1000.0
        self._wall_ms = wall_ms
        self._offset_ms = 0.0
        self._synced_at: float | None = None
        self._lock = asyncio.Lock()
        self.last_round_trip_ms: float | None = None

    @property
    def offset_ms(self) -> float:
        return self._offset_ms

    @property
    def synced(self) -> bool:
        return self._synced_at is not None

    def now_ms(self) -> int:
        """The server's clock now, as best known (local wall clock + offset)."""
        return int(self._wall_ms() + self._offset_ms)

    def local_ms(self) -> float:
        return self._wall_ms()

    def is_stale(self) -> bool:
        return self._synced_at is None or self._wall_ms() - self._synced_at >= self._refresh_ms

    def apply(self, samples: Sequence[TimeSample]) -> float:
        """Adopt the offset estimated from ``samples``; returns it.

        Raises:
            ValueError: no samples.
        """
        self._offset_ms = estimate_offset(samples)
        self._synced_at = self._wall_ms()
        self.last_round_trip_ms = statistics.median(s.round_trip_ms for s in samples)
        return self._offset_ms

    async def sync(self, fetch: Callable[[], Awaitable[int]], *, force: bool = False) -> None:
        """Measure the offset with ``fetch`` (which returns ``serverTime``) if stale or forced.

        Concurrent callers share one measurement. Errors from ``fetch`` propagate unchanged
        and leave the previous offset in place.
        """
        async with self._lock:
            if not force and not self.is_stale():
                return
            taken: list[TimeSample] = []
            for _ in range(self._samples):
                sent = self._wall_ms()
                server = await fetch()
                taken.append(TimeSample(sent, server, self._wall_ms()))
            self.apply(taken)
