"""Seeded, reproducible misbehaviour for the simulated exchange's transports.

Rules:
- The matching core never misbehaves; a transport (in-process or the local server)
  consults a ``FaultInjector`` around it, so faults never make the core nondeterministic.
- All randomness comes from one ``random.Random(config.seed)``, drawn a fixed number of
  times per call: the same seed and the same sequence of calls give the same faults.
- Request faults are decided *before* execution; for ``ERROR_5XX``, ``ERROR_1007`` and
  ``TIMEOUT`` the caller executes the order first and then misbehaves, so the outcome is
  unknown to the client although the order exists (rest-api.md, HTTP Return Codes).
  ``LOST`` is the other half of "unknown": the request never reached the engine and no
  answer comes, so the order does not exist (the fourth draw is made only when
  ``lose_request`` is set, so older seeds keep their sequences).
- ``RATE_LIMITED`` is decided before execution and the order is not executed: past
  ``orders_per_10s`` accepted orders in a fixed 10-second window (rest-api.md, LIMITS "Windows are
  fixed buckets"), the answer is HTTP 429 / -1015 with ``Retry-After`` to the window's end.
- Event faults apply to one action's batch: drop, duplicate, delay (held back and emitted
  after a later batch's events), reorder (the batch shuffled). A disconnect is due after every
  ``disconnect_every`` delivered events; Binance replays nothing after it (user-data-stream.md,
  Order Update).
- Clock skew: requests stamped with a clock that differs from the exchange's by more than
  the ``recvWindow`` (or 1000 ms ahead) are refused with -1021 (rest-api.md, Timing security).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from enum import StrEnum

import msgspec

from oms.wire.events import UserDataEvent
from transports.sim.errors import SimError

__all__ = [
    "FaultConfig",
    "FaultInjector",
    "RequestFault",
    "TIMEOUT_MSG",
    "timestamp_error",
    "too_many_orders",
]

WINDOW_MS = 10_000
AHEAD_LIMIT_MS = 1000
TIMEOUT_MSG = (
    "Timeout waiting for response from backend server. Send status unknown; "
    "execution status unknown."
)


class FaultConfig(msgspec.Struct, kw_only=True):
    """What to break and how often (probabilities per event or per order request)."""

    seed: int = 0
    drop_event: float = 0.0  # a user-data event is lost
    duplicate_event: float = 0.0  # ... delivered twice
    delay_event: float = 0.0  # ... held back and delivered after later events
    reorder_events: float = 0.0  # a batch of one action's events is shuffled
    error_after_execution: float = 0.0  # order executes, answer is HTTP 5xx / -1007
    timeout_after_execution: float = 0.0  # order executes, no answer at all
    lose_request: float = 0.0  # the order request never reaches the engine; no answer
    clock_skew_ms: int = 0  # the exchange clock runs ahead (+) / behind (-): -1021
    orders_per_10s: int | None = None  # past this, 429 + Retry-After (-1015)
    disconnect_every: int | None = None  # drop the event stream after this many events


class RequestFault(StrEnum):
    NONE = "NONE"
    ERROR_5XX = "ERROR_5XX"
    ERROR_1007 = "ERROR_1007"
    TIMEOUT = "TIMEOUT"
    RATE_LIMITED = "RATE_LIMITED"
    # The request is lost on the way: NOT executed, and no answer either, so the client
    # cannot tell it from TIMEOUT; only a query after its recvWindow settles it.
    LOST = "LOST"


def timestamp_error(timestamp_ms: int, server_ms: int, recv_window_ms: float) -> SimError | None:
    """The -1021 refusal for a request stamped ``timestamp_ms``, or None (rest-api.md, Timing
    security).

    Binance accepts ``timestamp < serverTime + 1000`` and
    ``serverTime - timestamp <= recvWindow``.
    """
    if timestamp_ms >= server_ms + AHEAD_LIMIT_MS:
        return SimError(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if server_ms - timestamp_ms > recv_window_ms:
        return SimError(-1021, "Timestamp for this request is outside of the recvWindow.")
    return None


def too_many_orders(limit: int) -> SimError:
    """-1015 with HTTP 429 (errors.md, -1015, rest-api.md, LIMITS)."""
    return SimError(
        -1015, f"Too many new orders; current limit is {limit} orders per 10 SECOND.", 429
    )


class FaultInjector:
    """Decides, seeded, when and how a transport misbehaves."""

    def __init__(self, config: FaultConfig, *, clock: Callable[[], int] | None = None) -> None:
        """``clock`` (ms) rolls the ORDERS window; without it, pass ``now_ms`` to
        ``on_order_request`` or every request falls in one window."""
        self.config = config
        self._rng = random.Random(config.seed)
        self._clock = clock
        self._window = 0
        self._window_orders = 0
        self._held: list[UserDataEvent] = []
        self._since_disconnect = 0
        self.counts: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    # --- requests ----------------------------------------------------------------------

    def on_order_request(self, now_ms: int | None = None) -> RequestFault:
        """Decide the fate of one order request BEFORE it executes.

        ``RATE_LIMITED`` means do not execute; ``ERROR_5XX`` / ``ERROR_1007`` / ``TIMEOUT``
        mean execute, then answer badly (or not at all); ``LOST`` means do not execute and
        do not answer.
        """
        cfg = self.config
        # Three draws on every call keep the sequence independent of the outcome.
        error = self._rng.random()
        which = self._rng.random()
        timeout = self._rng.random()
        lost = self._rng.random() if cfg.lose_request else 1.0
        if cfg.orders_per_10s is not None:
            window = self._now(now_ms) // WINDOW_MS
            if window != self._window:
                self._window, self._window_orders = window, 0
            if self._window_orders >= cfg.orders_per_10s:
                self._count("rate_limited")
                return RequestFault.RATE_LIMITED
            self._window_orders += 1
        if error < cfg.error_after_execution:
            fault = RequestFault.ERROR_5XX if which < 0.5 else RequestFault.ERROR_1007
            self._count(fault.value.lower())
            return fault
        if timeout < cfg.timeout_after_execution:
            self._count("timeout")
            return RequestFault.TIMEOUT
        if lost < cfg.lose_request:
            self._count("lost")
            return RequestFault.LOST
        return RequestFault.NONE

    def retry_after_s(self, now_ms: int | None = None) -> int:
        """Whole seconds until the current ORDERS window ends (``Retry-After``), at least 1."""
        now = self._now(now_ms)
        left_ms = WINDOW_MS - now % WINDOW_MS
        return max(1, -(-left_ms // 1000))

    def check_timestamp(
        self, timestamp_ms: int, server_ms: int, recv_window_ms: float
    ) -> SimError | None:
        """``timestamp_error``, counted as a ``clock_skew`` fault when it refuses."""
        error = timestamp_error(timestamp_ms, server_ms, recv_window_ms)
        if error is not None:
            self._count("clock_skew")
        return error

    def _now(self, now_ms: int | None) -> int:
        if now_ms is not None:
            return now_ms
        return self._clock() if self._clock is not None else 0

    # --- events ------------------------------------------------------------------------

    def deliver(self, events: list[UserDataEvent]) -> list[UserDataEvent]:
        """Apply drop / duplicate / delay / reorder to one action's batch.

        Events delayed by an earlier call come out at the end of this one (after later
        events); events delayed now wait for the next call or ``flush()``.
        """
        cfg = self.config
        rng = self._rng
        out: list[UserDataEvent] = []
        held: list[UserDataEvent] = []
        for event in events:
            drop, dup, delay = rng.random(), rng.random(), rng.random()
            if drop < cfg.drop_event:
                self._count("drop")
            elif delay < cfg.delay_event:
                self._count("delay")
                held.append(event)
            elif dup < cfg.duplicate_event:
                self._count("duplicate")
                out += (event, event)
            else:
                out.append(event)
        if rng.random() < cfg.reorder_events and len(out) > 1:
            self._count("reorder")
            rng.shuffle(out)
        out += self._held
        self._held = held
        self._since_disconnect += len(out)
        return out

    def flush(self) -> list[UserDataEvent]:
        """Every event still held back by ``delay``."""
        out, self._held = self._held, []
        self._since_disconnect += len(out)
        return out

    def discard_held(self) -> int:
        """Forget held-back events (the connection they were waiting on is gone)."""
        lost = len(self._held)
        self._held = []
        return lost

    def should_disconnect(self) -> bool:
        """True once every ``disconnect_every`` delivered events (then counts afresh)."""
        every = self.config.disconnect_every
        if every is None or self._since_disconnect < every:
            return False
        self._since_disconnect = 0
        self._count("disconnect")
        return True
