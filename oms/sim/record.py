"""What a run leaves behind: every fill, an equity curve, and the figures of the report.

Rules:
- Fills come from the manager's own ``FillApplied`` outputs (deduplicated by the core), in
  the order they were applied; client order ids are random per manager, so the fills file
  names the exchange's order and trade ids instead (a seeded run is then byte-identical).
- Holdings start from the account's opening balances and move with each fill (base and
  quote) and its commission (in the asset charged, faqs/commission_faq.md), so
  the curve needs no account query. Equity is valued in one ``currency`` (the first symbol's
  quote asset) at each symbol's last price; an asset without a price in that currency is
  counted at zero and named in ``unpriced``.
- The curve is sampled at most once per ``sample_ms`` of market time, plus after every fill,
  so a day of trades stays small.
- Exact ``Decimal`` for money; float only where a chart needs it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import msgspec

from oms.core.outputs import FillApplied
from oms.core.positions import PositionBook
from oms.wire.enums import Side
from oms.wire.money import ZERO

__all__ = ["EquityPoint", "Fill", "Recorder", "SymbolAssets"]


class Fill(msgspec.Struct, frozen=True):
    time_ms: int
    symbol: str
    side: str
    order_id: int | None
    trade_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    maker: bool


class EquityPoint(msgspec.Struct, frozen=True):
    time_ms: int
    equity: Decimal
    exposure: Decimal  # value of every non-currency asset held, in the currency
    prices: tuple[tuple[str, Decimal], ...]


class SymbolAssets(msgspec.Struct, frozen=True):
    """A symbol's base and quote assets (what the recorder needs to value a position)."""

    symbol: str
    base: str
    quote: str


class Recorder:
    """Collects fills, prices and the equity curve during a run (see the module rules)."""

    def __init__(
        self,
        symbols: Mapping[str, SymbolAssets],
        opening: Mapping[str, Decimal],
        *,
        currency: str | None = None,
        sample_ms: int = 1000,
    ) -> None:
        self.symbols = dict(symbols)
        self.currency = currency or next(iter(self.symbols.values())).quote
        self.opening = dict(opening)
        self.holdings: dict[str, Decimal] = dict(opening)
        self.prices: dict[str, Decimal] = {}  # symbol -> last price
        self.fills: list[Fill] = []
        self.curve: list[EquityPoint] = []
        self.positions = PositionBook()
        self.market_events = 0
        self.orders: set[tuple[str, int | None, str]] = set()
        self._sample_ms = sample_ms
        self._next_sample = 0
        self._now_ms = 0
        self.unpriced: set[str] = set()

    def on_price(self, symbol: str, price: Decimal, time_ms: int) -> None:
        self.market_events += 1
        self.prices[symbol] = price
        self._now_ms = time_ms
        if time_ms >= self._next_sample:
            self.sample(time_ms)

    def on_update(self, output: object) -> None:
        if type(output) is FillApplied:
            self._fill(output)

    def _fill(self, f: FillApplied) -> None:
        info = self.symbols.get(f.symbol)
        if info is None:
            return
        asset = f.commission_asset or ""
        self.fills.append(
            Fill(
                f.time_ms,
                f.symbol,
                f.side.value,
                f.order_id,
                f.trade_id,
                f.price,
                f.quantity,
                f.quote_quantity,
                f.commission,
                asset,
                f.is_maker,
            )
        )
        self.orders.add((f.symbol, f.order_id, f.client_order_id))
        sign = Decimal(1) if f.side is Side.BUY else Decimal(-1)
        h = self.holdings
        h[info.base] = h.get(info.base, ZERO) + sign * f.quantity
        h[info.quote] = h.get(info.quote, ZERO) - sign * f.quote_quantity
        if asset and f.commission:
            h[asset] = h.get(asset, ZERO) - f.commission
        # Placed by trade time and id (oms.core.positions).
        self.positions.position(f.symbol, info.base, info.quote).apply(f)
        self.sample(max(self._now_ms, f.time_ms))

    def asset_price(self, asset: str) -> Decimal | None:
        if asset == self.currency:
            return Decimal(1)
        for symbol, info in self.symbols.items():
            if info.base == asset and info.quote == self.currency and symbol in self.prices:
                return self.prices[symbol]
        return None

    def valuation(self) -> tuple[Decimal, Decimal]:
        """(equity, exposure) now, in the currency."""
        equity = exposure = ZERO
        for asset, amount in self.holdings.items():
            price = self.asset_price(asset)
            if price is None:
                if amount:
                    self.unpriced.add(asset)
                continue
            value = amount * price
            equity += value
            if asset != self.currency:
                exposure += abs(value)
        return equity, exposure

    def sample(self, time_ms: int) -> None:
        equity, exposure = self.valuation()
        prices = tuple(sorted(self.prices.items()))
        self.curve.append(EquityPoint(time_ms, equity, exposure, prices))
        self._next_sample = time_ms + self._sample_ms

    def opening_equity(self) -> Decimal:
        """The opening balances at the first prices seen."""
        total = ZERO
        for asset, amount in self.opening.items():
            price = self.asset_price(asset) if self.curve else None
            first = self._first_price(asset)
            price = first if first is not None else price
            if price is not None:
                total += amount * price
        return total

    def _first_price(self, asset: str) -> Decimal | None:
        if asset == self.currency:
            return Decimal(1)
        for symbol, info in self.symbols.items():
            if info.base != asset or info.quote != self.currency:
                continue
            for point in self.curve:
                for name, price in point.prices:
                    if name == symbol:
                        return price
        return None
