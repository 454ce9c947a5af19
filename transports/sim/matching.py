"""Price-time priority matching of one taker against one symbol's book, with STP.

Rules:
- The taker trades against the best opposite level, oldest order first, at the *maker's*
  price, while its limit price crosses (MARKET orders have no limit).
- A quantity order takes ``min(taker remaining, maker remaining)``; a ``quoteOrderQty``
  MARKET order takes as many whole steps as its remaining quote buys at the maker's price,
  so it never breaks LOT_SIZE (rest-api.md, New order).
- Self-trade prevention follows the taker's mode only (faqs/stp_faq.md): ``EXPIRE_TAKER`` expires
  the taker, ``EXPIRE_MAKER`` expires the resting order and goes on, ``EXPIRE_BOTH`` both,
  ``NONE`` trades. The expired order's remaining quantity becomes its prevented quantity
  and its status ``EXPIRED_IN_MATCH``.
- ``match`` changes quantities, statuses and the book, and tells a ``MatchSink`` about each
  fill or prevented match as it happens (the sink settles balances and writes reports);
  ``simulate`` walks the same sequence without changing anything, to size locks and FOK.
- Nothing here scans the whole book: each step looks at the best level only.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from enum import Enum
from typing import Protocol

from oms.wire.enums import OrderStatus, OrderType, SelfTradePreventionMode, Side
from oms.wire.money import ZERO
from transports.sim.book import MARKET_TYPES, BookSide, OrderBook, SimOrder

__all__ = ["Estimate", "MatchSink", "Stop", "match", "simulate", "whole_steps"]

_NONE = SelfTradePreventionMode.NONE
_EXPIRE_TAKER = SelfTradePreventionMode.EXPIRE_TAKER
_EXPIRE_MAKER = SelfTradePreventionMode.EXPIRE_MAKER
_EXPIRE_BOTH = SelfTradePreventionMode.EXPIRE_BOTH


class Stop(Enum):
    """Why matching stopped."""

    FILLED = "FILLED"  # the taker's quantity is done
    BUDGET = "BUDGET"  # a quoteOrderQty order cannot buy another step
    LIMIT = "LIMIT"  # the best opposite price no longer crosses the taker's limit
    EMPTY = "EMPTY"  # no liquidity left on the opposite side
    PREVENTED = "PREVENTED"  # STP expired the taker


class MatchSink(Protocol):
    """Receives each step of a match right after quantities and statuses changed."""

    def fill(self, taker: SimOrder, maker: SimOrder, qty: Decimal, price: Decimal) -> None: ...

    def prevent(
        self,
        taker: SimOrder,
        maker: SimOrder,
        qty: Decimal,
        price: Decimal,
        *,
        expire_taker: bool,
        expire_maker: bool,
    ) -> None: ...


def whole_steps(quote: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """The most whole ``step``s of base that ``quote`` buys at ``price``."""
    qty = (quote / (price * step)).to_integral_value(rounding=ROUND_FLOOR) * step
    # Guard the inexact division: never spend more than ``quote``.
    while qty > ZERO and qty * price > quote:
        qty -= step
    return qty


def _limit(taker: SimOrder) -> Decimal | None:
    return None if taker.type in MARKET_TYPES else taker.price


def _is_quote(taker: SimOrder) -> bool:
    return taker.type is OrderType.MARKET and bool(taker.quote_order_qty)


def match(book: OrderBook, taker: SimOrder, step: Decimal, sink: MatchSink) -> Stop:
    """Match ``taker`` against ``book`` until it is done or cannot trade further.

    Args:
        book: the symbol's book; makers that fill or expire are removed from it.
        taker: the incoming order (not in the book).
        step: the symbol's quantity step, used by ``quoteOrderQty`` orders.
        sink: told about every fill and prevented match, in order.

    Returns:
        Why matching stopped.
    """
    side = book.opposite(taker.side)
    buy = taker.side is Side.BUY
    limit = _limit(taker)
    quote = _is_quote(taker)
    prevent = taker.stp is not _NONE
    while True:
        if taker.executed >= taker.orig_qty:
            return Stop.FILLED
        budget = taker.quote_order_qty - taker.cum_quote
        if quote and budget <= ZERO:
            return Stop.BUDGET
        if not side.prices:
            return Stop.EMPTY
        price = side.prices[-1] if not buy else side.prices[0]
        if limit is not None and (price > limit if buy else price < limit):
            return Stop.LIMIT
        maker = next(iter(side.levels[price].values()))
        if prevent and maker.account == taker.account:
            if _prevent(side, taker, maker, price, sink):
                return Stop.PREVENTED
            continue
        qty = min(maker.remaining, taker.orig_qty - taker.executed)
        if quote:
            qty = min(qty, whole_steps(budget, price, step))
            if qty <= ZERO:
                return Stop.BUDGET
        _trade(taker, maker, qty, price)
        if maker.status is OrderStatus.FILLED:
            side.remove(maker)
        sink.fill(taker, maker, qty, price)


def _trade(taker: SimOrder, maker: SimOrder, qty: Decimal, price: Decimal) -> None:
    quote_qty = qty * price
    for order in (taker, maker):
        order.executed += qty
        order.cum_quote += quote_qty
        order.status = (
            OrderStatus.FILLED if order.executed >= order.orig_qty else OrderStatus.PARTIALLY_FILLED
        )


def _prevent(
    side: BookSide,
    taker: SimOrder,
    maker: SimOrder,
    price: Decimal,
    sink: MatchSink,
) -> bool:
    """Apply the taker's STP mode to one self-match; True if the taker expired."""
    mode = taker.stp
    expire_taker = mode is _EXPIRE_TAKER or mode is _EXPIRE_BOTH
    expire_maker = mode is _EXPIRE_MAKER or mode is _EXPIRE_BOTH
    # The quantity that would have traded (``pl`` in the report, user-data-stream.md, Order Update
    # conditional keys).
    qty = min(maker.remaining, taker.remaining)
    if expire_maker:
        maker.prevented_qty += maker.remaining
        maker.status = OrderStatus.EXPIRED_IN_MATCH
        side.remove(maker)
    if expire_taker:
        taker.prevented_qty += taker.remaining
        taker.status = OrderStatus.EXPIRED_IN_MATCH
    sink.prevent(taker, maker, qty, price, expire_taker=expire_taker, expire_maker=expire_maker)
    return expire_taker


class Estimate:
    """What ``match`` would do for a taker now: the basis of locks, FOK and quote sizing."""

    __slots__ = ("complete", "last_price", "qty", "spent")

    def __init__(self, qty: Decimal, spent: Decimal, last_price: Decimal, complete: bool) -> None:
        self.qty = qty
        self.spent = spent
        self.last_price = last_price
        # False when liquidity, the limit or an STP expiry of the taker stops it short.
        self.complete = complete


def simulate(book: OrderBook, taker: SimOrder, step: Decimal) -> Estimate:
    """Walk the sequence ``match`` would trade for ``taker`` without changing anything.

    A ``quoteOrderQty`` taker is sized by its budget (its ``orig_qty`` is ignored); any
    other taker by its ``orig_qty``.
    """
    buy = taker.side is Side.BUY
    limit = _limit(taker)
    quote = _is_quote(taker)
    want = taker.orig_qty
    budget = taker.quote_order_qty
    qty_total = ZERO
    spent = ZERO
    last = ZERO
    for maker in book.opposite(taker.side).orders_best_first():
        price = maker.price
        if limit is not None and (price > limit if buy else price < limit):
            break
        if taker.stp is not _NONE and maker.account == taker.account:
            if taker.stp is _EXPIRE_MAKER:
                continue
            break
        if quote:
            qty = min(maker.remaining, whole_steps(budget - spent, price, step))
            if qty <= ZERO:
                return Estimate(qty_total, spent, price, True)
        else:
            qty = min(maker.remaining, want - qty_total)
        qty_total += qty
        spent += qty * price
        last = price
        if not quote and qty_total >= want:
            return Estimate(qty_total, spent, last, True)
    return Estimate(qty_total, spent, last, False)
