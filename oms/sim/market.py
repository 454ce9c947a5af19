"""Market events a strategy receives: trades, klines and book tops.

Rules:
- Every event carries its ``symbol`` and ``time_us``: the time the market knew it, in
  microseconds (Binance's public spot data is in µs since 2025-01-01, binance-public-data
  README, "SPOT"; older files in ms are scaled up on reading). A kline is known at its
  close time, so that is its ``time_us``.
- Prices and quantities are ``Decimal`` parsed from the file's text, never float.
- ``is_buyer_maker`` true means the aggressor sold (binance-public-data README, trades
  "isBuyerMaker").
- Live, a feed can break: every reconnect is a ``MarketGap`` (Binance replays nothing,
  web-socket-streams.md, "General WSS information"), handed to the strategy's ``on_gap``.
- A strategy says what it wants to hear with ``Subscription`` (symbols; trades, klines of
  some intervals, book tops): a live feed subscribes to exactly that.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

__all__ = ["BookTop", "Kline", "MarketEvent", "MarketGap", "Subscription", "Trade"]


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


class MarketGap(msgspec.Struct, frozen=True):
    """The live feed was down from ``since_us`` to ``time_us`` (wall clock, µs): whatever
    traded meanwhile was never seen. ``reason`` says why it broke; ``attempt`` counts the
    reconnects in a row (1 for the first)."""

    time_us: int
    since_us: int
    reason: str
    attempt: int = 1


class Subscription(msgspec.Struct, frozen=True):
    """The market data a strategy wants: ``symbols``' trades (``trades``), their klines of
    each interval in ``klines`` (e.g. ``("1m",)``) and their best bid and ask
    (``book_tops``)."""

    symbols: tuple[str, ...]
    trades: bool = True
    klines: tuple[str, ...] = ()
    book_tops: bool = False

    def streams(self) -> list[str]:
        """Binance stream names (web-socket-streams.md: lowercase symbol; ``@trade``,
        ``@kline_<interval>``, ``@bookTicker``)."""
        out: list[str] = []
        for symbol in self.symbols:
            low = symbol.lower()
            if self.trades:
                out.append(f"{low}@trade")
            out.extend(f"{low}@kline_{interval}" for interval in self.klines)
            if self.book_tops:
                out.append(f"{low}@bookTicker")
        return out
