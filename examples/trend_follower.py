"""A trend follower on klines: long when the fast moving average of closes is above the slow.

On each closed kline it updates two simple moving averages of the close. When the fast one
crosses above the slow one and it holds nothing, it buys ``notional`` of the quote asset at
market; when the fast one crosses below, it sells what it holds (never more: the free
balance, rounded down to the symbol's step). One order at a time.

    oms simulate examples/trend_follower.py --data transports/sim/data/BTCUSDT-1m-sample.csv
    oms run examples/trend_follower.py --env local
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal

from oms import OmsError
from oms.runtime.manager import OrderManager
from oms.sim import BaseStrategy, Kline, MarketEvent, Subscription


class TrendFollower(BaseStrategy):
    def __init__(
        self,
        symbol: str = "BTCUSDT",
        *,
        fast: int = 10,
        slow: int = 30,
        notional: Decimal = Decimal("5000"),
    ) -> None:
        self.symbol = symbol
        self.fast, self.slow = fast, slow
        self.notional = notional
        self.closes: deque[Decimal] = deque(maxlen=slow)
        self.was_up: bool | None = None

    def subscription(self) -> Subscription:
        """Live: closed 1-minute klines of the symbol (no trades)."""
        return Subscription(symbols=(self.symbol,), trades=False, klines=("1m",))

    async def start(self, oms: OrderManager) -> None:
        await super().start(oms)
        self.base = oms.rules(self.symbol).base_asset

    def held(self) -> Decimal:
        free = self.oms.balances().get(self.base, (Decimal(0), Decimal(0)))[0]
        return self.oms.round_quantity(self.symbol, free, market=True)

    async def on_market(self, event: MarketEvent) -> None:
        if not isinstance(event, Kline) or event.symbol != self.symbol:
            return
        self.closes.append(event.close)
        if len(self.closes) < self.slow:
            return
        closes = list(self.closes)
        fast = sum(closes[-self.fast :], Decimal(0)) / self.fast
        slow = sum(closes, Decimal(0)) / self.slow
        up = fast > slow
        if up == self.was_up:
            return
        self.was_up = up
        if self.oms.open_orders():
            return  # one order at a time
        try:
            if up and self.held() == 0:
                await self.oms.execute_spot_buy(self.symbol, quote_quantity=self.notional)
            elif not up and self.held() > 0:
                await self.oms.execute_spot_sell(self.symbol, self.held())
        except OmsError:
            pass  # refused or rate limited: the next cross tries again


strategy = TrendFollower
