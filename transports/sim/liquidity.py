"""A seeded liquidity provider: resting orders of another account around a price path.

Rules:
- ``PricePath`` is a seeded random walk of the mid price in whole ticks (never below one
  tick); the same seed gives the same path.
- ``LiquidityProvider`` owns one account (created, richly funded, if missing). Each
  ``quote(mid)`` cancels its open orders on the symbol and places ``levels`` bids and asks
  ``spacing_ticks`` apart around ``mid``, sizes drawn from its own seeded RNG. New quotes
  that cross resting orders of others trade with them at those orders' prices, so moving
  the path moves the market and fills what it crosses.
- It goes through the exchange's public API only; its own events are drained (discarded)
  after each requote unless a listener takes them.
"""

from __future__ import annotations

import random
from decimal import Decimal

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.money import ZERO
from oms.wire.requests import NewOrder
from transports.sim.errors import SimError
from transports.sim.exchange import SimExchange

__all__ = ["LiquidityProvider", "PricePath"]

_RICH = Decimal(10) ** 12


class PricePath:
    """A seeded random walk in ticks."""

    def __init__(
        self, start: Decimal, *, tick: Decimal, seed: int = 0, max_step_ticks: int = 50
    ) -> None:
        self.price = start
        self._tick = tick
        self._max = max_step_ticks
        self._rng = random.Random(seed)

    def next(self) -> Decimal:
        """Move by a whole number of ticks in ``[-max_step_ticks, max_step_ticks]``."""
        moved = self.price + self._rng.randint(-self._max, self._max) * self._tick
        self.price = max(moved, self._tick)
        return self.price


class LiquidityProvider:
    """Quotes a ladder on both sides of a mid price for one symbol."""

    def __init__(
        self,
        exchange: SimExchange,
        symbol: str,
        *,
        account: str = "liquidity",
        seed: int = 0,
        levels: int = 5,
        spacing_ticks: int = 100,
        lot_steps: int = 1000,
        path: PricePath | None = None,
    ) -> None:
        """Raises: SimError: -1121 for an unknown symbol."""
        rules = exchange.symbol_filters(symbol)
        self.exchange = exchange
        self.symbol = symbol
        self.account = account
        self._rules = rules
        self._levels = levels
        self._spacing = spacing_ticks * rules.tick
        self._lot = lot_steps * rules.step
        self._rng = random.Random(seed)
        self.path = path or PricePath(exchange.reference_price(symbol), tick=rules.tick, seed=seed)
        if account not in exchange.accounts():
            exchange.create_account(account, {rules.base: _RICH, rules.quote: _RICH})

    def quote(self, mid: Decimal) -> int:
        """Replace the ladder around ``mid``; returns how many orders now rest."""
        ex = self.exchange
        if ex.open_orders(self.account, self.symbol):
            ex.cancel_open_orders(self.account, self.symbol)
        placed = 0
        for i in range(1, self._levels + 1):
            offset = i * self._spacing
            for side, price in ((Side.BUY, mid - offset), (Side.SELL, mid + offset)):
                if price <= ZERO:
                    continue
                qty = self._lot * self._rng.randint(1, 3)
                try:
                    ex.place_order(self.account, self._order(side, price, qty))
                except SimError:
                    continue  # e.g. outside PERCENT_PRICE_BY_SIDE after a long walk
                placed += 1
        ex.drain_events(self.account)
        return placed

    def step(self) -> Decimal:
        """Move the path one step and requote around it; returns the new mid."""
        mid = self.path.next()
        self.quote(mid)
        return mid

    def _order(self, side: Side, price: Decimal, qty: Decimal) -> NewOrder:
        return NewOrder(
            symbol=self.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=qty,
            price=price,
            response_type=OrderResponseType.ACK,
            self_trade_prevention_mode=SelfTradePreventionMode.NONE,
        )
