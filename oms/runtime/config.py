"""ManagerConfig: the manager's tuning.

Rules:
- Durations are seconds (floats) unless the name says ``_ms``; the defaults suit Binance
  Spot.
- Nothing here is secret: the key and secret live in the transport, never in this config.
"""

from __future__ import annotations

import msgspec

__all__ = ["ManagerConfig"]


class ManagerConfig(msgspec.Struct, kw_only=True):
    """Tuning of the manager; the defaults suit Binance Spot."""

    id_prefix: str = "oms"
    # Backoff between queries that resolve an unknown outcome (seconds).
    resolve_initial_delay: float = 0.05
    resolve_max_delay: float = 2.0
    # Extra margin past timestamp + recvWindow before "does not exist" is believed (ms).
    not_found_margin_ms: int = 1000
    # When the request's own timestamp is unknown (after a restart, or a check of a stale
    # ack), the deadline counts from the order's creation plus this: the request may have
    # been stamped later, after a rate-governor wait and a clock sync (ms).
    unstamped_margin_ms: int = 15000
    # An order still awaiting its ack after this long is checked with a query (s).
    ack_timeout: float = 10.0
    # How long start() waits for the stream's first subscription before going on (s).
    stream_start_timeout: float = 10.0
    # How long a pre-trade balance check waits for the stream's balance update after a
    # fill before fetching the account instead (s).
    balance_settle: float = 0.5
    # Whether the manager subscribes to the user data stream at all.
    stream: bool = True
    # A reconciliation also runs this often (s) while nothing else triggers one: a single event lost
    # on a live connection is otherwise noticed only at the next gap. None: off. Cost: account
    # (weight 20) + all open orders (80) per run, out of 6000 a minute (rest-api.md, LIMITS).
    reconcile_interval: float | None = 60.0
    # Sends of one cancel whose outcome stays unknown while the order is still open.
    cancel_attempts: int = 5
