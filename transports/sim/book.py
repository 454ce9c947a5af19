"""Orders as the simulated engine holds them, and one symbol's order book.

Rules:
- ``SimOrder`` is the engine's mutable record of one order; outputs are built from it as
  frozen ``oms.wire.rest`` / ``oms.wire.events`` Structs, never by exposing it.
- A book side is a dict ``price -> level`` plus a sorted price list; a level is a dict
  ``order_id -> SimOrder`` whose insertion order is time priority. Finding the best level,
  taking the first order of a level and removing any order are O(1); adding a new price
  level is a bisect insert. Nothing scans the book per order.
- Only resting orders (LIMIT GTC with quantity left, LIMIT_MAKER) are in a book.
- An iceberg (rest-api.md, New order, ``icebergQty``) counts in depth with its visible part
  only (``shown``); ``visible`` is what is left of the part now shown.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from oms.wire.enums import OrderStatus, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.money import ZERO

__all__ = ["MARKET_TYPES", "OPEN_STATUSES", "BookSide", "OrderBook", "SimOrder"]

OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})
# Types that execute as a MARKET order (once triggered, for the stop types): rest-api.md,
# New order: STOP_LOSS / TAKE_PROFIT "will execute a MARKET order when the conditions are met".
MARKET_TYPES = frozenset({OrderType.MARKET, OrderType.STOP_LOSS, OrderType.TAKE_PROFIT})


class SimOrder:
    """One order: what was asked, what has happened, and what it still holds locked."""

    __slots__ = (
        "account",
        "algo",
        "client_order_id",
        "cum_quote",
        "executed",
        "expiry_reason",
        "group",
        "iceberg_qty",
        "lock_asset",
        "locked",
        "order_id",
        "order_list",
        "orig_qty",
        "prevented_match_id",
        "prevented_qty",
        "price",
        "quote_order_qty",
        "report",
        "side",
        "status",
        "stp",
        "strategy_id",
        "strategy_type",
        "symbol",
        "time",
        "time_in_force",
        "type",
        "update_time",
        "visible",
        "working_floor",
    )

    def __init__(
        self,
        *,
        account: str,
        symbol: str,
        order_id: int,
        client_order_id: str,
        side: Side,
        type: OrderType,
        time_in_force: TimeInForce,
        price: Decimal,
        orig_qty: Decimal,
        quote_order_qty: Decimal,
        stp: SelfTradePreventionMode,
        time: int,
        strategy_id: int | None = None,
        strategy_type: int | None = None,
        iceberg_qty: Decimal = ZERO,
        group: int = -1,
    ) -> None:
        self.account = account
        self.symbol = symbol
        self.order_id = order_id
        self.client_order_id = client_order_id
        self.side = side
        self.type = type
        self.time_in_force = time_in_force
        # Zero for MARKET orders, as Binance reports them.
        self.price = price
        self.orig_qty = orig_qty
        self.quote_order_qty = quote_order_qty
        self.stp = stp
        self.time = time
        self.update_time = time
        self.strategy_id = strategy_id
        self.strategy_type = strategy_type
        # The account's tradeGroupId, -1 when it has none (faqs/stp_faq.md, Trade Group Id).
        self.group = group
        # An iceberg shows ``visible`` (at most ``iceberg_qty``) on the book; zero otherwise.
        self.iceberg_qty = iceberg_qty
        self.visible = iceberg_qty
        self.executed = ZERO
        self.cum_quote = ZERO
        self.status = OrderStatus.NEW
        self.lock_asset = ""
        self.locked = ZERO
        self.prevented_qty = ZERO
        self.prevented_match_id: int | None = None
        self.expiry_reason: str | None = None
        # The order's first executionReport, the template of the later ones.
        self.report: ExecutionReport | None = None
        # A stop / take-profit order's trigger (transports.sim.triggers.Trigger), and the
        # order list it is a leg of (transports.sim.lists.SimList); None for plain orders.
        self.algo: Any = None
        self.order_list: Any = None
        # An order placed using SOR: "SOR" or "EXCHANGE", where its last activity happened
        # (faqs/sor_faq.md, workingFloor); None for every other order (no usedSor either).
        self.working_floor: str | None = None

    @property
    def remaining(self) -> Decimal:
        """Available for further execution: ``origQty - executedQty - preventedQuantity``
        (faqs/stp_faq.md, What is "prevented quantity?")."""
        return self.orig_qty - self.executed - self.prevented_qty

    @property
    def shown(self) -> Decimal:
        """The quantity the book shows and a taker can take now: an iceberg's visible part."""
        left = self.remaining
        return min(self.visible, left) if self.iceberg_qty else left

    def refill(self) -> None:
        """An iceberg's next visible part from its hidden rest."""
        self.visible = min(self.iceberg_qty, self.remaining)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES or self.status is OrderStatus.PENDING_NEW


class BookSide:
    """One side of a book: levels by price, best first through ``best()``."""

    __slots__ = ("_descending", "levels", "prices")

    def __init__(self, *, descending: bool) -> None:
        self._descending = descending
        self.levels: dict[Decimal, dict[int, SimOrder]] = {}
        # Ascending; the best price is the last (bids) or the first (asks).
        self.prices: list[Decimal] = []

    def __bool__(self) -> bool:
        return bool(self.prices)

    def best(self) -> Decimal | None:
        if not self.prices:
            return None
        return self.prices[-1] if self._descending else self.prices[0]

    def add(self, order: SimOrder) -> None:
        level = self.levels.get(order.price)
        if level is None:
            level = self.levels[order.price] = {}
            insort(self.prices, order.price)
        level[order.order_id] = order

    def remove(self, order: SimOrder) -> None:
        level = self.levels[order.price]
        del level[order.order_id]
        if not level:
            del self.levels[order.price]
            del self.prices[bisect_left(self.prices, order.price)]

    def prices_best_first(self) -> Iterator[Decimal]:
        return reversed(self.prices) if self._descending else iter(self.prices)

    def orders_best_first(self) -> Iterator[SimOrder]:
        """Every resting order in priority order (price, then time)."""
        for price in self.prices_best_first():
            yield from self.levels[price].values()

    def depth(self) -> list[tuple[Decimal, Decimal]]:
        """``(price, total remaining quantity)`` per level, best first."""
        out = []
        for price in self.prices_best_first():
            total = ZERO
            for order in self.levels[price].values():
                total += order.shown
            out.append((price, total))
        return out


class OrderBook:
    """One symbol's bids and asks."""

    __slots__ = ("asks", "bids", "symbol")

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids = BookSide(descending=True)
        self.asks = BookSide(descending=False)

    def side(self, side: Side) -> BookSide:
        return self.bids if side is Side.BUY else self.asks

    def opposite(self, side: Side) -> BookSide:
        return self.asks if side is Side.BUY else self.bids

    def crosses(self, side: Side, price: Decimal) -> bool:
        """Would an order at ``price`` on ``side`` trade against the best opposite level?"""
        best = self.opposite(side).best()
        if best is None:
            return False
        return price >= best if side is Side.BUY else price <= best
