"""Positions per symbol from the fills oms has seen: net base quantity, average entry price,
realised profit and loss in the quote asset, fees kept apart, and what was sold beyond.

Rules (one definition; ``specs/positions.md`` is the long form):
- Exchange order: fills are accounted by trade time, then trade id, whatever order they
  arrive in. A fill older than the newest one accounted (a myTrades row learned after a
  stream gap) is inserted where it belongs and the position is recomputed from its fills,
  so a position depends only on the set of fills, never on their arrival.
- Average cost, long only: Binance Spot has no shorts. A BUY adds base at its cost; a SELL
  closes against the average entry price and realises ``proceeds - closed * avg_entry``.
- A SELL of more base than the position holds sells base oms never saw bought (held before
  oms, deposited, bought elsewhere): that part is ``unattributed_sold`` with its
  ``unattributed_proceeds``, listed apart. No profit is invented for it; the position never
  goes below zero.
- Fees: a fee in the base or the quote asset is part of the cost basis and is NOT listed in
  ``fees``: a BUY's base fee lowers the quantity received, its quote fee raises the cost; a
  SELL's base fee raises the quantity given up, its quote fee lowers the proceeds. A fee in
  any other asset (the BNB discount; commission_faq.md) is listed in ``fees`` per asset and
  is not in the basis.
- Money is computed in ``oms.wire.money.MONEY``: sums and products of decoded amounts are
  exact; an average price is a quotient rounded to 64 digits. Nothing here raises on an
  amount the decoder admits. A fill is applied once: the caller dedups by trade id.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from decimal import Decimal, localcontext
from typing import NamedTuple

from oms.core.outputs import FillApplied
from oms.wire.enums import Side
from oms.wire.money import MONEY, ZERO

__all__ = ["Position", "PositionBook"]


class _Fill(NamedTuple):
    time_ms: int
    trade_id: int
    side: Side
    quantity: Decimal
    price: Decimal
    commission: Decimal
    asset: str | None


_new_fill = tuple.__new__
_BUY = Side.BUY


def _exchange_order(fill: _Fill) -> tuple[int, int]:
    return fill.time_ms, fill.trade_id


class Position:
    """One symbol's position from the fills oms has seen."""

    __slots__ = (
        "_fills",
        "avg_entry_price",
        "base_asset",
        "fees",
        "net_quantity",
        "quote_asset",
        "realized_pnl",
        "symbol",
        "trades",
        "unattributed_proceeds",
        "unattributed_sold",
    )

    def __init__(self, symbol: str, base_asset: str, quote_asset: str) -> None:
        self.symbol = symbol
        self.base_asset = base_asset
        self.quote_asset = quote_asset
        self._fills: list[_Fill] = []
        self._reset()

    def _reset(self) -> None:
        self.net_quantity = ZERO
        self.avg_entry_price = ZERO
        self.realized_pnl = ZERO
        self.unattributed_sold = ZERO
        self.unattributed_proceeds = ZERO
        self.fees: dict[str, Decimal] = {}
        self.trades = 0

    def apply(self, fill: FillApplied) -> None:
        """Account one applied fill (its time and trade id place it)."""
        self.apply_fill(
            fill.side,
            fill.quantity,
            fill.price,
            fill.commission,
            fill.commission_asset,
            time_ms=fill.time_ms,
            trade_id=fill.trade_id,
        )

    def apply_fill(
        self,
        side: Side,
        quantity: Decimal,
        price: Decimal,
        commission: Decimal,
        asset: str | None,
        *,
        time_ms: int = 0,
        trade_id: int = 0,
    ) -> None:
        """Account one fill of ``quantity`` at ``price`` with its commission."""
        with localcontext(MONEY):
            self._place(_Fill(time_ms, trade_id, side, quantity, price, commission, asset))

    def apply_all(self, fills: Iterable[FillApplied]) -> None:
        """``apply`` each of ``fills``, in one money context.

        The common case inline (the dispatcher accounts a whole turn's fills here): a fill
        no older than the newest accounted, and for a BUY with its fee in a third asset (or
        none), ``_account`` and ``_buy`` too. tests/core/test_positions_reference.py checks it
        against a plain reference implementation of the rules."""
        mine = self._fills
        base, quote = self.base_asset, self.quote_asset
        last = (mine[-1][0], mine[-1][1]) if mine else None
        with localcontext(MONEY):
            for f in fills:
                key = (f.time_ms, f.trade_id)
                # tuple.__new__: a _Fill without NamedTuple's keyword handling (per fill).
                fill = _new_fill(_Fill, (*key, f.side, f.quantity, f.price, f.commission,
                                         f.commission_asset))  # fmt: skip
                if last is not None and key < last:  # older than the newest: _place
                    self._place(fill)
                    last = (mine[-1][0], mine[-1][1])
                    continue
                mine.append(fill)
                last = key
                asset = fill.asset
                if f.side is not _BUY or asset in (base, quote):
                    self._account(fill)
                    continue
                self.trades += 1
                commission = fill.commission
                if asset and commission:
                    fees = self.fees
                    fees[asset] = fees.get(asset, ZERO) + commission
                quantity = fill.quantity
                if quantity <= ZERO:
                    self._buy(quantity, quantity * fill.price)
                    continue
                net = self.net_quantity
                total = net + quantity
                self.avg_entry_price = (net * self.avg_entry_price + quantity * fill.price) / total
                self.net_quantity = total

    def _place(self, fill: _Fill) -> None:
        """Account ``fill`` in exchange order (the money context is set)."""
        fills = self._fills
        if not fills or _exchange_order(fill) >= _exchange_order(fills[-1]):
            fills.append(fill)
            self._account(fill)
            return
        bisect.insort_right(fills, fill, key=_exchange_order)
        self._reset()
        for each in fills:
            self._account(each)

    def _account(self, fill: _Fill) -> None:
        self.trades += 1
        _, _, side, quantity, price, commission, asset = fill
        value = quantity * price
        if asset == self.base_asset:  # in the basis: the base received or given up
            if side is _BUY:
                self._buy(quantity - commission, value)
            else:
                self._sell(quantity + commission, value)
            return
        if asset == self.quote_asset:  # in the basis: the cost or the proceeds
            if side is _BUY:
                self._buy(quantity, value + commission)
            else:
                self._sell(quantity, value - commission)
            return
        if asset and commission:  # a third asset: listed apart
            fees = self.fees
            fees[asset] = fees.get(asset, ZERO) + commission
        if side is _BUY:
            self._buy(quantity, value)
        else:
            self._sell(quantity, value)

    def _buy(self, quantity: Decimal, cost: Decimal) -> None:
        if quantity <= ZERO:  # a base fee as large as the fill: paid, nothing received
            self.realized_pnl -= cost
            if quantity < ZERO:
                self._sell(-quantity, ZERO)
            return
        net = self.net_quantity
        total = net + quantity
        self.avg_entry_price = (net * self.avg_entry_price + cost) / total
        self.net_quantity = total

    def _sell(self, quantity: Decimal, proceeds: Decimal) -> None:
        held = self.net_quantity
        closing = min(quantity, held)
        beyond = quantity - closing
        if beyond:
            # Sold base oms never saw bought: listed apart, no profit invented for it. The
            # unit price first: exact whenever the proceeds are quantity x price.
            closing_proceeds = closing * (proceeds / quantity)
            self.unattributed_sold += beyond
            self.unattributed_proceeds += proceeds - closing_proceeds
            proceeds = closing_proceeds
        if closing:
            self.realized_pnl += proceeds - closing * self.avg_entry_price
        self.net_quantity = held - closing
        if not self.net_quantity:
            self.avg_entry_price = ZERO

    def __repr__(self) -> str:
        beyond = (
            f" sold beyond={self.unattributed_sold} for {self.unattributed_proceeds}"
            if self.unattributed_sold
            else ""
        )
        return (
            f"Position({self.symbol} net={self.net_quantity} avg={self.avg_entry_price} "
            f"realized={self.realized_pnl} {self.quote_asset} fees={self.fees}{beyond})"
        )


class PositionBook:
    """Positions by symbol, created on the first fill."""

    __slots__ = ("_positions",)

    def __init__(self) -> None:
        self._positions: dict[str, Position] = {}

    def position(self, symbol: str, base_asset: str, quote_asset: str) -> Position:
        pos = self._positions.get(symbol)
        if pos is None:
            pos = self._positions[symbol] = Position(symbol, base_asset, quote_asset)
        return pos

    def get(self, symbol: str) -> Position | None:
        return self._positions.get(symbol)

    def all(self) -> dict[str, Position]:
        return dict(self._positions)
