"""A market maker around the mid, with a stop-loss.

It keeps at most one bid and one ask open on one symbol, ``half_spread`` (a fraction) either
side of the mid (the last trade's price, or a book top's mid), each for ``notional`` of the
quote asset, and requotes when the mid moves more than ``requote`` (a fraction) from where
it quoted. Inventory is capped at ``max_notional``: at the cap it only quotes the ask.

Stop-loss: the simulated exchange (like the manager's API today) has no stop orders, so
the stop lives here, on trades: when the mid falls ``stop_loss`` (a fraction) below the
average entry of a long position, the quotes are cancelled, the position is sold at
market, and the strategy stands aside for ``cooldown_ms`` of market time.

Runs unchanged offline and live:

    oms simulate examples/market_maker.py --data transports/sim/data/BTCUSDT-trades-sample.csv
    oms run examples/market_maker.py --env local --seconds 60

Live it streams its symbol's trades and book tops (``subscription``); after a gap in the
feed it requotes from the next event rather than trust a mid it may have missed moves of.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from oms import OmsError, Order
from oms.core.outputs import Output
from oms.core.state import TERMINAL_STATES, OrderState
from oms.runtime.manager import OrderManager
from oms.sim import BaseStrategy, BookTop, MarketEvent, MarketGap, Subscription, Trade
from oms.wire.enums import Side, TimeInForce


class MarketMaker(BaseStrategy):
    def __init__(
        self,
        symbol: str = "ETHUSDT",
        *,
        notional: Decimal = Decimal("300"),
        half_spread: Decimal = Decimal("0.0004"),
        requote: Decimal = Decimal("0.0004"),
        max_notional: Decimal = Decimal("1500"),
        stop_loss: Decimal = Decimal("0.004"),
        cooldown_ms: int = 60_000,
    ) -> None:
        self.symbol = symbol
        self.notional = notional
        self.half_spread = half_spread
        self.requote = requote
        self.max_notional = max_notional
        self.stop_loss = stop_loss
        self.cooldown_ms = cooldown_ms
        self.quotes: dict[Side, Order] = {}
        self.center: Decimal | None = None
        self.paused_until = 0
        self.stops = 0

    def subscription(self) -> Subscription:
        return Subscription(symbols=(self.symbol,), trades=True, book_tops=True)

    async def start(self, oms: OrderManager) -> None:
        await super().start(oms)
        self.base = oms.rules(self.symbol).base_asset
        self.gaps = 0

    async def on_gap(self, gap: MarketGap) -> None:
        self.gaps += 1
        self.center = None  # requote on the next event

    # --- what we hold ------------------------------------------------------------------

    def position(self) -> tuple[Decimal, Decimal]:
        """(net quantity, average entry) from the manager's positions."""
        pos = self.oms.positions_by_symbol().get(self.symbol)
        if pos is None:
            return Decimal(0), Decimal(0)
        return pos.net_quantity, pos.avg_entry_price

    def free_base(self) -> Decimal:
        return self.oms.balances().get(self.base, (Decimal(0), Decimal(0)))[0]

    # --- market events -----------------------------------------------------------------

    async def on_market(self, event: MarketEvent) -> None:
        if event.symbol != self.symbol:
            return
        if isinstance(event, Trade):
            mid = event.price
        elif isinstance(event, BookTop) and event.bid > 0 and event.ask > 0:
            mid = event.mid  # (an empty side is sent as 0: no mid then)
        else:
            return
        now = event.time_us // 1000
        net, entry = self.position()
        dust = self.oms.round_quantity(self.symbol, self.free_base(), market=True) <= 0
        if not dust and entry > 0 and mid < entry * (1 - self.stop_loss):
            await self._stop_out(now)
            return
        if now < self.paused_until:
            return
        moved = self.center is None or abs(mid - self.center) >= self.requote * self.center
        if moved or not self.quotes:
            await self._requote(mid, net)

    async def on_update(self, update: Output) -> None:
        # Forget quotes that are done (filled, cancelled, expired, rejected).
        for side, order in list(self.quotes.items()):
            if order.state in TERMINAL_STATES:
                del self.quotes[side]

    async def _requote(self, mid: Decimal, net: Decimal) -> None:
        await self._cancel_quotes()
        self.center = mid
        oms = self.oms
        bid = oms.round_price(self.symbol, mid * (1 - self.half_spread), Side.BUY)
        ask = oms.round_price(self.symbol, mid * (1 + self.half_spread), Side.SELL)
        size = oms.round_quantity(self.symbol, self.notional / mid)
        if net * mid < self.max_notional:
            await self._quote(Side.BUY, bid, size)
        sellable = oms.round_quantity(self.symbol, min(size, self.free_base()))
        if sellable > 0:
            await self._quote(Side.SELL, ask, sellable)

    async def _quote(self, side: Side, price: Decimal, qty: Decimal) -> None:
        place = self.oms.execute_spot_buy if side is Side.BUY else self.oms.execute_spot_sell
        try:
            order = await place(self.symbol, qty, price, time_in_force=TimeInForce.GTC)
        except OmsError:
            return  # refused (filters, balance, rate limit): try again on the next requote
        if order.state not in TERMINAL_STATES:
            self.quotes[side] = order

    async def _cancel_quotes(self) -> None:
        for side, order in list(self.quotes.items()):
            if order.state is OrderState.NEW or order.state is OrderState.PARTIALLY_FILLED:
                with contextlib.suppress(OmsError):  # done, or in doubt: on_update tells
                    await self.oms.cancel(order)
            if order.state in TERMINAL_STATES:
                del self.quotes[side]

    async def _stop_out(self, now: int) -> None:
        self.stops += 1
        await self._cancel_quotes()
        qty = self.oms.round_quantity(self.symbol, self.free_base(), market=True)
        if qty > 0:
            with contextlib.suppress(OmsError):  # refused: the next stop check tries again
                await self.oms.execute_spot_sell(self.symbol, qty)
        self.center = None
        self.paused_until = now + self.cooldown_ms

    async def stop(self) -> None:
        await self._cancel_quotes()


strategy = MarketMaker
