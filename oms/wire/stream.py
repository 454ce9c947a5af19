"""What a user-data stream yields besides Binance's own events.

Rules:
- ``StreamGap``: the stream was (re)subscribed, so events may have been missed; Binance
  replays nothing (web-socket-api.md, User Data Stream requests), so the consumer must reconcile
  now. A transport yields one after *every* successful subscription, the first one included.
- ``BadFrame``: a frame that could not be decoded; the stream goes on, the frame is kept.
- These are plain data; the core handles them like events.
"""

from __future__ import annotations

import msgspec

from oms.errors import DecodeError
from oms.wire.events import Unrecognised, UserDataEvent

__all__ = ["BadFrame", "StreamGap", "StreamItem"]


class StreamGap(msgspec.Struct, frozen=True, kw_only=True):
    """Events may have been lost before this point: reconcile orders, trades and balances."""

    reason: str
    # When the previous subscription was last known good and when the new one started
    # (ms, the transport's clock); ``since_ms`` is None for the first subscription.
    since_ms: int | None = None
    at_ms: int = 0


class BadFrame(msgspec.Struct, frozen=True, kw_only=True):
    """A frame the decoder refused; ``raw`` is kept for inspection, ``error`` says why."""

    raw: bytes
    error: str
    field: str | None = None

    @classmethod
    def from_error(cls, exc: DecodeError) -> BadFrame:
        return cls(raw=exc.raw, error=exc.reason, field=exc.field)


StreamItem = UserDataEvent | Unrecognised | StreamGap | BadFrame
