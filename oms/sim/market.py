"""Market events a strategy receives: trades, klines and book tops.

Rules:
- Every event carries its ``symbol`` and ``time_us``: the time the market knew it, in
  microseconds (Binance's public spot data is in µs since 2025-01-01, binance-public-data
  README, "SPOT"; older files in ms are scaled up on reading). A kline is known at its
  close time, so that is its ``time_us``.
- Prices and quantities are ``Decimal`` parsed from the file's text, never float.
- ``is_buyer_maker`` true means the aggressor sold (binance-public-data README, trades
  "isBuyerMaker").
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

__all__ = ["BookTop", "Kline", "MarketEvent", "Trade"]


class Trade(msgspec.Struct, frozen=True, gc=False):
    """One trade (a ``trades`` row, or an ``aggTrades`` row: several fills at one price)."""

    symbol: str
    time_us: int
    trade_id: int
    price: Decimal
    qty: Decimal
    is_buyer_maker: bool

    @property
    def time_ms(self) -> int:
        return self.time_us // 1000


class Kline(msgspec.Struct, frozen=True, gc=False):
    """One candle, delivered when it closes (``time_us`` is its close time)."""

    symbol: str
    time_us: int
    open_time_us: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    trades: int

    @property
    def time_ms(self) -> int:
        return self.time_us // 1000


class BookTop(msgspec.Struct, frozen=True, gc=False):
    """The best bid and ask at ``time_us``."""

    symbol: str
    time_us: int
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal

    @property
    def time_ms(self) -> int:
        return self.time_us // 1000

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / 2


MarketEvent = Trade | Kline | BookTop
