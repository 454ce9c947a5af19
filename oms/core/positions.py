"""Positions per symbol, updated on every fill: net base quantity, average entry price,
realised profit and loss in the quote asset, fees paid per asset.

Rules:
- Average-cost accounting. A BUY adds to the position at its cost; a SELL closes against the
  average entry price and realises ``proceeds - closed_qty * avg_entry`` in the quote asset.
  Selling more than the position holds opens a short at the fill price (spot accounts can
  sell balance they held before oms tracked it); buying closes a short symmetrically.
- Fees: Binance charges commission in the received asset (binance-spot-api.md §9): a fee in
  the base asset reduces the quantity actually held (so the next sell can only sell what is
  left); a fee in the quote asset raises a buy's cost or lowers a sell's proceeds; a fee in
  any other asset (BNB discount) is only recorded in ``fees``.
- Exact ``Decimal`` throughout; a fill is applied once (the caller dedups by trade id).
"""

from __future__ import annotations

from decimal import Decimal

from oms.wire.enums import Side
from oms.wire.money import ZERO

__all__ = ["Position", "PositionBook"]


class Position:
    """One symbol's position from the fills oms has seen."""

    __slots__ = (
        "avg_entry_price",
        "base_asset",
        "fees",
        "net_quantity",
        "quote_asset",
        "realized_pnl",
        "symbol",
        "trades",
    )

    def __init__(self, symbol: str, base_asset: str, quote_asset: str) -> None:
        self.symbol = symbol
        self.base_asset = base_asset
        self.quote_asset = quote_asset
        self.net_quantity = ZERO
        self.avg_entry_price = ZERO
        self.realized_pnl = ZERO
        self.fees: dict[str, Decimal] = {}
        self.trades = 0

    def apply_fill(
        self, side: Side, quantity: Decimal, price: Decimal, commission: Decimal, asset: str | None
    ) -> None:
        """Apply one fill of ``quantity`` at ``price`` with its commission."""
        self.trades += 1
        if asset and commission:
            self.fees[asset] = self.fees.get(asset, ZERO) + commission
        base_fee = commission if asset == self.base_asset else ZERO
        quote_fee = commission if asset == self.quote_asset else ZERO
        if side is Side.BUY:
            self._trade(quantity - base_fee, quantity * price + quote_fee)
        else:
            self._trade(-(quantity + base_fee), -(quantity * price - quote_fee))

    def _trade(self, delta: Decimal, cost: Decimal) -> None:
        # ``delta`` is the signed base change, ``cost`` the signed quote paid (negative = received).
        net = self.net_quantity
        if net == ZERO or (net > ZERO) == (delta > ZERO):
            total = net + delta
            self.avg_entry_price = (
                (abs(net) * self.avg_entry_price + abs(cost)) / abs(total) if total else ZERO
            )
            self.net_quantity = total
            return
        closing = min(abs(delta), abs(net))
        unit = abs(cost) / abs(delta) if delta else ZERO
        sign = Decimal(1) if net > ZERO else Decimal(-1)
        self.realized_pnl += sign * closing * (unit - self.avg_entry_price)
        rest = abs(delta) - closing
        self.net_quantity = net + delta
        if self.net_quantity == ZERO:
            self.avg_entry_price = ZERO
        elif rest > ZERO:
            self.avg_entry_price = unit

    def __repr__(self) -> str:
        return (
            f"Position({self.symbol} net={self.net_quantity} avg={self.avg_entry_price} "
            f"realized={self.realized_pnl} {self.quote_asset} fees={self.fees})"
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
