"""Replay of Binance public trade data: the market moves and fills the resting orders it crosses.

Rules:
- The file layout is Binance's public spot trade data (data.binance.vision ``trades``):
  ``id, price, qty, quoteQty, time, isBuyerMaker, isBestMatch``, no header (a header row
  is tolerated). Since 2025 the spot files carry ``time`` in microseconds; a time above
  10**14 is read as µs and converted to ms.
- Each replayed trade sets the symbol's reference price and crosses the book through
  ``SimExchange.cross``: first the side its aggressor would hit (``isBuyerMaker`` true means
  the aggressor sold), then, with the quantity left, the other side, because the market
  traded through any order priced beyond it. Resting orders fill at *their* limit prices,
  in price-time priority, up to the trade's quantity. The replay account is created richly
  funded; its own events are drained and dropped.
- With a ``ManualClock`` the replay moves time to each trade's time (never backwards).
- Money is parsed as ``Decimal`` from the file's text, never float.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from importlib import resources
from pathlib import Path

import msgspec

from oms.wire.enums import Side
from oms.wire.money import ZERO, parse_decimal
from transports.sim.exchange import ManualClock, SimExchange

__all__ = ["PublicTrade", "TradeReplay", "parse_trades", "read_trades", "sample_trades_path"]

_RICH = Decimal(10) ** 12
_MICROSECONDS = 10**14


class PublicTrade(msgspec.Struct, frozen=True, kw_only=True):
    """One row of Binance's public trade data."""

    id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int  # ms
    is_buyer_maker: bool
    is_best_match: bool


def _flag(text: str) -> bool:
    return text.strip().lower() == "true"


def parse_trades(lines: Iterable[str]) -> Iterator[PublicTrade]:
    """Parse CSV lines of public trade data.

    Raises:
        ValueError: a row that does not have the seven fields or whose numbers are bad.
    """
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        fields = line.split(",")
        if len(fields) != 7:
            raise ValueError(f"line {number}: expected 7 fields, got {len(fields)}")
        if not fields[0].strip().isdigit():
            if number == 1:
                continue  # a header row
            raise ValueError(f"line {number}: trade id {fields[0]!r} is not a number")
        time = int(fields[4])
        yield PublicTrade(
            id=int(fields[0]),
            price=parse_decimal(fields[1], name=f"line {number} price"),
            qty=parse_decimal(fields[2], name=f"line {number} qty"),
            quote_qty=parse_decimal(fields[3], name=f"line {number} quoteQty"),
            time=time // 1000 if time > _MICROSECONDS else time,
            is_buyer_maker=_flag(fields[5]),
            is_best_match=_flag(fields[6]),
        )


def read_trades(path: Path | str) -> list[PublicTrade]:
    """Raises: OSError: the file cannot be read. ValueError: a malformed row."""
    with open(path, encoding="utf-8") as handle:
        return list(parse_trades(handle))


def sample_trades_path() -> Path:
    """The shipped sample: generated BTCUSDT trades around 60000 (see data/README)."""
    return Path(str(resources.files("transports.sim") / "data" / "BTCUSDT-trades-sample.csv"))


class TradeReplay:
    """Feeds public trades into a ``SimExchange`` one at a time."""

    def __init__(
        self,
        exchange: SimExchange,
        symbol: str,
        trades: Iterable[PublicTrade],
        *,
        account: str = "replay",
        clock: ManualClock | None = None,
    ) -> None:
        """Raises: SimError: -1121 for an unknown symbol."""
        rules = exchange.symbol_filters(symbol)
        self.exchange = exchange
        self.symbol = symbol
        self.account = account
        self._trades = iter(trades)
        self._clock = clock
        self.filled = ZERO  # resting quantity the replay has filled so far
        if account not in exchange.accounts():
            exchange.create_account(account, {rules.base: _RICH, rules.quote: _RICH})

    def step(self) -> PublicTrade | None:
        """Replay the next trade; None when the trades are exhausted."""
        trade = next(self._trades, None)
        if trade is None:
            return None
        if self._clock is not None:
            self._clock.now_ms = max(self._clock.now_ms, trade.time)
        ex = self.exchange
        ex.set_reference_price(self.symbol, trade.price)
        aggressor = Side.SELL if trade.is_buyer_maker else Side.BUY
        other = Side.BUY if aggressor is Side.SELL else Side.SELL
        left = trade.qty
        for side in (aggressor, other):
            if left > ZERO:
                filled = ex.cross(self.account, self.symbol, side, trade.price, left)
                left -= filled
                self.filled += filled
        ex.drain_events(self.account)
        return trade

    def run(self, until_ms: int | None = None) -> int:
        """Replay trades (up to and including time ``until_ms``); returns how many."""
        count = 0
        while True:
            trade = self.step()
            if trade is None:
                return count
            count += 1
            if until_ms is not None and trade.time >= until_ms:
                return count
