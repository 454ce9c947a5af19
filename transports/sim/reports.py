"""Binance's output shapes built from the engine's orders: events and REST bodies.

Rules:
- Outputs are the frozen Structs of ``oms.wire.events`` and ``oms.wire.rest``, so what the simulator
  says is exactly what the decoders read; ``transports.wire.encode_json`` writes them.
- Quantities are quantized to the base asset's precision, prices and quote amounts to the
  quote asset's (rest-api.md, General API Information ("Encode decimals ... with the symbol's
  precision")); ``n`` is ``"0"`` and ``N`` null when a report is not a trade (user-data-stream.md,
  Order Update).
- ``-1`` where Binance puts it: ``orderListId``/``g`` outside lists, ``t`` when not a trade.
- ``W`` / ``workingTime`` is present from the first report on: every simulated order works
  as soon as it is accepted (user-data-stream.md, Conditional Fields in Execution Report),
  but a stop works from its trigger and a list's pending order from its placement (the
  working order filled); until then ``W`` is absent and ``workingTime`` -1, also in the
  reports of one that ends first ("only visible if the order has been placed on the book",
  user-data-stream.md, Order Update).
- An order placed using SOR (``SimOrder.working_floor`` set) carries ``k`` / ``uS`` in every
  report and ``usedSor`` / ``workingFloor`` in every answer (user-data-stream.md, Conditional
  Fields in Execution Report; rest-api.md, Conditional fields in Order Responses).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import msgspec

from oms.wire.enums import ExecutionType, OrderStatus, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.money import ZERO
from oms.wire.rest import (
    CancelResponse,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    OrderFill,
    PlacementPreventedMatch,
    QueryOrderResponse,
)
from transports.sim.book import MARKET_TYPES, SimOrder
from transports.sim.filters import SymbolFilters

__all__ = [
    "NO_LIST",
    "Prevention",
    "TradeRecord",
    "ack",
    "cancel_response",
    "execution_report",
    "full",
    "my_trade",
    "order_fill",
    "query_response",
    "result",
    "sor_keys",
]

NO_LIST = -1
_ZERO_N = Decimal(0)  # ``n`` when not a trade is "0" (user-data-stream.md, Order Update)
_RESTING = (TimeInForce.GTC,)
_NO_KEYS: Mapping[str, Any] = MappingProxyType({})


class Prevention:
    """The STP keys of one TRADE_PREVENTION report (faqs/stp_faq.md, user-data-stream.md, Order
    Update conditional keys)."""

    __slots__ = (
        "counter_order_id",
        "counter_symbol",
        "last_prevented",
        "match_id",
        "price",
        "qty",
    )

    def __init__(
        self,
        *,
        match_id: int,
        counter_order_id: int,
        last_prevented: Decimal,
        qty: Decimal,
        price: Decimal,
        counter_symbol: str | None = None,
    ) -> None:
        self.match_id = match_id
        self.counter_order_id = counter_order_id
        # ``Cs``: the counter order's symbol, another book's for an order placed using SOR
        # (None: the order's own symbol).
        self.counter_symbol = counter_symbol
        self.last_prevented = last_prevented
        self.qty = qty
        self.price = price


def _working(order: SimOrder) -> bool:
    """``w``: the order is (or stays) on the book; a stop that has not triggered is not."""
    return (
        order.status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
        and order.type not in MARKET_TYPES
        and order.time_in_force in _RESTING
        and (order.algo is None or order.algo.triggered)
    )


def list_id(order: SimOrder) -> int:
    """``orderListId`` / ``g``: -1 "unless it's part of an order list" (rest-api.md, New order)."""
    return NO_LIST if order.order_list is None else int(order.order_list.order_list_id)


def _waiting(order: SimOrder) -> bool:
    """Off the book: a stop not yet triggered, or a pending leg of an order list."""
    return order.status is OrderStatus.PENDING_NEW or (
        order.algo is not None and not order.algo.triggered
    )


def advanced_keys(order: SimOrder, rules: SymbolFilters, *, stream: bool) -> dict[str, Any]:
    """The keys a stop, trailing or list order adds or changes (user-data-stream.md, Order
    update, conditional fields ``d``, ``D``, ``W``; rest-api.md, New order, Conditional
    fields: ``stopPrice``, ``trailingDelta``, ``trailingTime``, ``workingTime`` -1 while the
    order is not on the book)."""
    out: dict[str, Any] = {}
    if order.order_list is not None:
        out["order_list_id"] = order.order_list.order_list_id
    algo = order.algo
    if algo is not None:
        out["stop_price"] = (algo.stop_price or ZERO).quantize(rules.quote_quantum)
        if algo.trailing_delta is not None:
            out["trailing_delta"] = algo.trailing_delta
            out["trailing_time"] = algo.trailing_time
    lst = order.order_list
    if algo is not None or lst is not None:
        if algo is not None:
            working = algo.working_time
        elif lst is not None and order in lst.pending:
            working = lst.placed_time  # -1 for a pending order that ended unplaced
        else:
            working = order.time
        if _waiting(order):
            working = -1
        # ``W`` "is only visible if the order has been placed on the book" (stream only).
        out["working_time"] = (None if working == -1 else working) if stream else working
    return out


def execution_report(
    order: SimOrder,
    rules: SymbolFilters,
    *,
    now: int,
    execution_id: int,
    execution_type: ExecutionType,
    trade_id: int = -1,
    last_qty: Decimal = ZERO,
    last_price: Decimal = ZERO,
    commission: Decimal = _ZERO_N,
    commission_asset: str | None = None,
    is_maker: bool = False,
    client_order_id: str | None = None,
    orig_client_order_id: str = "",
    prevention: Prevention | None = None,
) -> ExecutionReport:
    """One ``executionReport`` for ``order`` in its current state (user-data-stream.md, Order
    Update)."""
    bq = rules.base_quantum
    qq = rules.quote_quantum
    trade = execution_type is ExecutionType.TRADE
    stp: dict[str, Any] = {}
    if prevention is not None:
        stp = {
            "prevented_match_id": prevention.match_id,
            "prevented_quantity": order.prevented_qty.quantize(bq),
            "last_prevented_quantity": prevention.last_prevented.quantize(bq),
            "trade_group_id": order.group,
            "counter_order_id": prevention.counter_order_id,
            "counter_symbol": prevention.counter_symbol or order.symbol,
            "prevented_execution_quantity": prevention.qty.quantize(bq),
            "prevented_execution_price": prevention.price.quantize(qq),
            "prevented_execution_quote_quantity": (prevention.qty * prevention.price).quantize(qq),
        }
    first = order.report
    if first is None:
        # The order's first report carries what never changes; later ones copy it.
        first = order.report = ExecutionReport(
            event_time=now,
            symbol=order.symbol,
            client_order_id=order.client_order_id,
            side=order.side,
            order_type=order.type,
            time_in_force=order.time_in_force,
            quantity=order.orig_qty.quantize(bq),
            price=order.price.quantize(qq),
            stop_price=rules.zero_price,
            # user-data-stream.md, Order update: "F" is the iceberg quantity.
            iceberg_quantity=order.iceberg_qty.quantize(bq),
            order_list_id=NO_LIST,
            orig_client_order_id="",
            execution_type=ExecutionType.NEW,
            status=OrderStatus.NEW,
            reject_reason="NONE",
            order_id=order.order_id,
            last_quantity=rules.zero_qty,
            cumulative_quantity=rules.zero_qty,
            last_price=rules.zero_price,
            commission=_ZERO_N,
            commission_asset=None,
            transaction_time=now,
            trade_id=-1,
            execution_id=execution_id,
            is_working=True,
            is_maker=False,
            ignore_m=False,
            created_time=order.time,
            cumulative_quote_quantity=rules.zero_price,
            last_quote_quantity=rules.zero_price,
            quote_order_quantity=order.quote_order_qty.quantize(qq),
            working_time=order.time,
            # A StrEnum is its own wire string; no ``.value`` lookup on the hot path.
            self_trade_prevention_mode=order.stp,
            strategy_id=order.strategy_id,
            strategy_type=order.strategy_type,
            working_floor=order.working_floor,
            used_sor=True if order.working_floor is not None else None,
        )
        if execution_type is ExecutionType.NEW and order.algo is None and order.order_list is None:
            return first
    extra: dict[str, Any] = {}
    if order.algo is not None or order.order_list is not None:
        extra = advanced_keys(order, rules, stream=True)
    report = msgspec.structs.replace(
        first,
        event_time=now,
        client_order_id=client_order_id or order.client_order_id,
        orig_client_order_id=orig_client_order_id,
        execution_type=execution_type,
        status=order.status,
        last_quantity=last_qty.quantize(bq) if trade else rules.zero_qty,
        cumulative_quantity=order.executed.quantize(bq),
        last_price=last_price.quantize(qq) if trade else rules.zero_price,
        commission=commission,
        commission_asset=commission_asset,
        transaction_time=now,
        trade_id=trade_id,
        execution_id=execution_id,
        is_working=(execution_type is ExecutionType.NEW and not _waiting(order)) or _working(order),
        is_maker=is_maker,
        ignore_m=trade,
        cumulative_quote_quantity=order.cum_quote.quantize(qq),
        last_quote_quantity=(last_qty * last_price).quantize(qq) if trade else rules.zero_price,
        expiry_reason=order.expiry_reason,
    )
    if stp or extra:  # a prevention, a stop or a list leg: their keys replace these after
        report = msgspec.structs.replace(report, **stp, **extra)
    return report


def ack(order: SimOrder, now: int) -> NewOrderAck:
    return NewOrderAck(
        symbol=order.symbol,
        order_id=order.order_id,
        order_list_id=list_id(order),
        client_order_id=order.client_order_id,
        transact_time=now,
    )


def _answer(
    shape: type[NewOrderResult], order: SimOrder, rules: SymbolFilters, now: int, **fills: Any
) -> Any:
    """A RESULT or FULL answer (``fills`` given for FULL) built in one call; an SOR, stop or
    list order's own keys replace the plain ones after (the shape's keys are in its declared
    order either way, so the body is the same as from one dict)."""
    bq = rules.base_quantum
    qq = rules.quote_quantum
    prevented = order.prevented_match_id
    answer = shape(
        symbol=order.symbol,
        order_id=order.order_id,
        order_list_id=NO_LIST,
        client_order_id=order.client_order_id,
        transact_time=now,
        price=order.price.quantize(qq),
        orig_qty=order.orig_qty.quantize(bq),
        executed_qty=order.executed.quantize(bq),
        orig_quote_order_qty=order.quote_order_qty.quantize(qq),
        cummulative_quote_qty=order.cum_quote.quantize(qq),
        status=order.status,
        time_in_force=order.time_in_force,
        type=order.type,
        side=order.side,
        working_time=order.time,
        self_trade_prevention_mode=order.stp,  # a StrEnum: its own wire string
        prevented_match_id=prevented,
        prevented_quantity=order.prevented_qty.quantize(bq) if prevented is not None else None,
        strategy_id=order.strategy_id,
        strategy_type=order.strategy_type,
        expiry_reason=order.expiry_reason,
        # rest-api.md, New order: "icebergQty" appears only when it was sent.
        iceberg_qty=order.iceberg_qty.quantize(bq) if order.iceberg_qty else None,
        **fills,
    )
    if order.algo is None and order.order_list is None and order.working_floor is None:
        return answer  # a plain order: nothing to add (the busy path)
    extra = dict(sor_keys(order))
    if order.algo is not None or order.order_list is not None:
        extra.update(advanced_keys(order, rules, stream=False))
    return msgspec.structs.replace(answer, **extra)


def result(
    order: SimOrder,
    rules: SymbolFilters,
    now: int,
    prevented: Sequence[tuple[SimOrder, PlacementPreventedMatch]] = (),
) -> NewOrderResult:
    """RESULT, with the self-trades ``order`` prevented as this placement's taker."""
    answer: NewOrderResult = _answer(NewOrderResult, order, rules, now, **_stp(order, prevented))
    return answer


def full(
    order: SimOrder,
    rules: SymbolFilters,
    now: int,
    fills: list[TradeRecord],
    prevented: Sequence[tuple[SimOrder, PlacementPreventedMatch]] = (),
) -> NewOrderFull:
    """FULL: RESULT plus ``fills`` (``[]`` for an order that rests, rest-api.md, New order)."""
    done = tuple([order_fill(f, rules) for f in fills]) if fills else ()
    answer: NewOrderFull = _answer(
        NewOrderFull, order, rules, now, fills=done, **_stp(order, prevented)
    )
    return answer


def _stp(
    order: SimOrder, prevented: Sequence[tuple[SimOrder, PlacementPreventedMatch]]
) -> dict[str, Any]:
    """``preventedMatches`` and ``tradeGroupId`` of a placement answer, from ``prevented`` (this
    placement's matches by taker); none when ``order`` prevented nothing (faqs/stp_faq.md,
    STP Examples)."""
    mine = tuple(p for taker, p in prevented if taker is order) if prevented else ()
    if not mine:
        return {}
    # CHANGELOG.md 2023-01-26: "tradeGroupId - This will only appear if account is configured
    # to a tradeGroupId and if there was a prevented match".
    group = order.group if order.group != -1 else None
    return {"prevented_matches": mine, "trade_group_id": group}


def cancel_response(
    order: SimOrder, rules: SymbolFilters, now: int, cancel_id: str
) -> CancelResponse:
    """``clientOrderId`` is the cancel's id, ``origClientOrderId`` the order's (rest-api.md, Cancel
    order)."""
    bq = rules.base_quantum
    qq = rules.quote_quantum
    return CancelResponse(
        symbol=order.symbol,
        orig_client_order_id=order.client_order_id,
        order_id=order.order_id,
        order_list_id=list_id(order),
        client_order_id=cancel_id,
        transact_time=now,
        price=order.price.quantize(qq),
        orig_qty=order.orig_qty.quantize(bq),
        executed_qty=order.executed.quantize(bq),
        orig_quote_order_qty=order.quote_order_qty.quantize(qq),
        cummulative_quote_qty=order.cum_quote.quantize(qq),
        status=order.status,
        time_in_force=order.time_in_force,
        type=order.type,
        side=order.side,
        # "icebergQty" appears in order cancellations too when it was sent (rest-api.md,
        # Conditional fields in Order Responses).
        iceberg_qty=order.iceberg_qty.quantize(bq) if order.iceberg_qty else None,
        # web-socket-api.md, Cancel order: "present only if strategyId set for the order".
        strategy_id=order.strategy_id,
        strategy_type=order.strategy_type,
        self_trade_prevention_mode=order.stp.value,
        **_answer_keys(order, rules, CancelResponse),
        **sor_keys(order),
    )


def sor_keys(order: SimOrder) -> Mapping[str, Any]:
    """``usedSor`` and ``workingFloor`` of an order placed using SOR; nothing otherwise (one
    shared empty mapping: answers are built on hot paths)."""
    if order.working_floor is None:
        return _NO_KEYS
    return {"used_sor": True, "working_floor": order.working_floor}


def _answer_keys(
    order: SimOrder, rules: SymbolFilters, shape: type[msgspec.Struct]
) -> dict[str, Any]:
    keys = advanced_keys(order, rules, stream=False)
    return {k: v for k, v in keys.items() if k in shape.__struct_fields__ and k != "order_list_id"}


def query_response(order: SimOrder, rules: SymbolFilters) -> QueryOrderResponse:
    bq = rules.base_quantum
    qq = rules.quote_quantum
    prevented = order.prevented_match_id is not None
    keys = advanced_keys(order, rules, stream=False)
    working_time: int = keys.get("working_time", order.time)
    return QueryOrderResponse(
        symbol=order.symbol,
        order_id=order.order_id,
        order_list_id=list_id(order),
        client_order_id=order.client_order_id,
        price=order.price.quantize(qq),
        orig_qty=order.orig_qty.quantize(bq),
        executed_qty=order.executed.quantize(bq),
        cummulative_quote_qty=order.cum_quote.quantize(qq),
        status=order.status,
        time_in_force=order.time_in_force,
        type=order.type,
        side=order.side,
        stop_price=(order.algo.stop_price or ZERO if order.algo else ZERO).quantize(qq),
        # web-socket-api.md, Query order: "present only if trailingDelta set for the order".
        trailing_delta=keys.get("trailing_delta"),
        trailing_time=keys.get("trailing_time"),
        iceberg_qty=order.iceberg_qty.quantize(bq),
        time=order.time,
        update_time=order.update_time,
        # faqs/stp_faq.md, STP Examples: a FILLED or EXPIRED_IN_MATCH order (maker or taker)
        # queries "isWorking": true with its workingTime; isWorking says the order was put to
        # work (workingTime set), not that it is still open. A stop never triggered or a
        # pending list order never placed has workingTime -1 and isWorking false.
        is_working=working_time != -1,
        working_time=working_time,
        orig_quote_order_qty=order.quote_order_qty.quantize(qq),
        self_trade_prevention_mode=order.stp.value,
        prevented_match_id=order.prevented_match_id,
        prevented_quantity=order.prevented_qty.quantize(bq) if prevented else None,
        strategy_id=order.strategy_id,
        strategy_type=order.strategy_type,
        expiry_reason=order.expiry_reason,
        **sor_keys(order),
    )


class TradeRecord:
    """One side of one fill, kept raw; REST shapes are built from it only when asked."""

    __slots__ = (
        "commission",
        "commission_asset",
        "is_maker",
        "order",
        "price",
        "qty",
        "time",
        "trade_id",
    )

    def __init__(
        self,
        order: SimOrder,
        *,
        trade_id: int,
        qty: Decimal,
        price: Decimal,
        commission: Decimal,
        commission_asset: str,
        time: int,
        is_maker: bool,
    ) -> None:
        self.order = order
        self.trade_id = trade_id
        self.qty = qty
        self.price = price
        self.commission = commission
        self.commission_asset = commission_asset
        self.time = time
        self.is_maker = is_maker


def order_fill(record: TradeRecord, rules: SymbolFilters) -> OrderFill:
    """One element of ``fills[]`` in a FULL response."""
    return OrderFill(
        price=record.price.quantize(rules.quote_quantum),
        qty=record.qty.quantize(rules.base_quantum),
        commission=record.commission,
        commission_asset=record.commission_asset,
        trade_id=record.trade_id,
    )


def my_trade(record: TradeRecord, rules: SymbolFilters) -> MyTrade:
    order = record.order
    return MyTrade(
        symbol=order.symbol,
        id=record.trade_id,
        order_id=order.order_id,
        # A list leg's trade names its list, as every answer about the order does: -1
        # "unless it's part of an order list" (rest-api.md, Account trade list and New order;
        # user-data-stream.md, Order Update ``g``).
        order_list_id=list_id(order),
        price=record.price.quantize(rules.quote_quantum),
        qty=record.qty.quantize(rules.base_quantum),
        quote_qty=(record.qty * record.price).quantize(rules.quote_quantum),
        commission=record.commission,
        commission_asset=record.commission_asset,
        time=record.time,
        is_buyer=order.side is Side.BUY,
        is_maker=record.is_maker,
        is_best_match=True,
    )
