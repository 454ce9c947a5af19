"""Iceberg orders on the simulated exchange: visible part, refill, priority, ICEBERG_PARTS,
reports (rest-api.md, New order, ``icebergQty``; filters.md, ICEBERG_PARTS)."""

from __future__ import annotations

import msgspec
import pytest

from oms.testing.sim import BTC, START, limit, make_exchange
from oms.wire.enums import (
    ExecutionType,
    OrderResponseType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.requests import NewOrder, QueryOrder
from oms.wire.rest import NewOrderFull
from transports.sim.errors import SimError

from .support import D, assets_conserved, reports

BUY, SELL = Side.BUY, Side.SELL


def iceberg(side: Side, qty: str, price: str, shown: str, **kw: object) -> NewOrder:
    return msgspec.structs.replace(limit(side, qty, price, **kw), iceberg_qty=D(shown))


def test_book_shows_only_the_visible_part() -> None:
    ex, _ = make_exchange("a")
    r = ex.place_order("a", iceberg(SELL, "1", "60000", "0.2"))
    assert isinstance(r, NewOrderFull)
    assert r.iceberg_qty == D("0.2") and r.status is OrderStatus.NEW
    assert ex.book(BTC) == ([], [(D("60000"), D("0.2"))])
    assert ex.market_data(BTC).depth(10)[2] == [(D("60000"), D("0.2"))]
    # The whole quantity stays locked (it can all trade).
    assert ex.balance("a", "BTC") == (START["BTC"] - 1, D("1"))
    new = reports(ex.drain_events("a"))[0]
    assert new.execution_type is ExecutionType.NEW and new.iceberg_quantity == D("0.20000")
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=r.order_id))
    assert q.iceberg_qty == D("0.2") and q.orig_qty == D("1")


def test_plain_order_has_zero_iceberg_and_no_answer_key() -> None:
    ex, _ = make_exchange("a")
    r = ex.place_order("a", limit(SELL, "1", "60000"))
    assert isinstance(r, NewOrderFull) and r.iceberg_qty is None
    assert reports(ex.drain_events("a"))[0].iceberg_quantity == D("0")


def test_visible_part_refills_after_fill_and_taker_sweeps_through_it() -> None:
    ex, _ = make_exchange("a", "t")
    ex.place_order("a", iceberg(SELL, "1", "60000", "0.3"))
    ex.drain_events("a")
    # Taking exactly the visible part refills it from the hidden rest.
    r = ex.place_order("t", limit(BUY, "0.3", "60000", tif=TimeInForce.IOC))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.FILLED
    assert ex.book(BTC) == ([], [(D("60000"), D("0.3"))])
    # A larger taker trades part after part (each refill a separate trade), the last part
    # being what is left (0.1).
    r = ex.place_order("t", limit(BUY, "0.6", "60000", tif=TimeInForce.IOC))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.FILLED
    assert [f.qty for f in r.fills] == [D("0.3"), D("0.3")]
    assert ex.book(BTC) == ([], [(D("60000"), D("0.1"))])
    trades = [e for e in reports(ex.drain_events("a")) if e.execution_type is ExecutionType.TRADE]
    assert [e.last_quantity for e in trades] == [D("0.3"), D("0.3"), D("0.3")]
    assert [e.status for e in trades] == ["PARTIALLY_FILLED"] * 3
    assert all(e.iceberg_quantity == D("0.3") and e.is_maker for e in trades)
    ex.place_order("t", limit(BUY, "0.1", "60000", tif=TimeInForce.IOC))
    assert ex.book(BTC) == ([], [])
    last = reports(ex.drain_events("a"))[-1]
    assert last.status is OrderStatus.FILLED and last.cumulative_quantity == D("1")
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})


def test_refilled_part_loses_time_priority() -> None:
    ex, _ = make_exchange("ice", "later", "t")
    ice = ex.place_order("ice", iceberg(SELL, "1", "60000", "0.2"))
    later = ex.place_order("later", limit(SELL, "0.5", "60000"))
    assert isinstance(ice, NewOrderFull) and isinstance(later, NewOrderFull)
    assert ex.book(BTC) == ([], [(D("60000"), D("0.7"))])
    # 0.2 from the iceberg's visible part, then its refill goes behind "later": 0.5 from it,
    # then 0.1 from the iceberg's second part.
    r = ex.place_order("t", limit(BUY, "0.8", "60000", tif=TimeInForce.IOC))
    assert isinstance(r, NewOrderFull)
    assert [(f.qty) for f in r.fills] == [D("0.2"), D("0.5"), D("0.1")]
    q = ex.query_order("later", QueryOrder(symbol=BTC, order_id=later.order_id))
    assert q.status is OrderStatus.FILLED
    q = ex.query_order("ice", QueryOrder(symbol=BTC, order_id=ice.order_id))
    assert q.executed_qty == D("0.3") and q.status is OrderStatus.PARTIALLY_FILLED
    assert ex.book(BTC) == ([], [(D("60000"), D("0.1"))])


def test_iceberg_taker_trades_fully_then_rests_with_its_visible_part() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.5", "60000"))
    r = ex.place_order("t", iceberg(BUY, "1", "60000", "0.1"))
    assert isinstance(r, NewOrderFull)
    assert [f.qty for f in r.fills] == [D("0.5")]
    assert ex.book(BTC) == ([(D("60000"), D("0.1"))], [])


def test_iceberg_limit_maker_is_allowed() -> None:
    ex, _ = make_exchange("a")
    order = msgspec.structs.replace(
        iceberg(BUY, "1", "50000", "0.25"),
        order_type=OrderType.LIMIT_MAKER,
        time_in_force=None,
        response_type=OrderResponseType.FULL,
    )
    r = ex.place_order("a", order)
    assert isinstance(r, NewOrderFull) and r.iceberg_qty == D("0.25")
    assert ex.book(BTC) == ([(D("50000"), D("0.25"))], [])


@pytest.mark.parametrize(
    ("order", "code", "msg"),
    [
        # ICEBERG_PARTS is 100 on the default symbols: ceil(1 / 0.00999) = 101 parts.
        (iceberg(BUY, "1", "50000", "0.00999"), -1013, "Filter failure: ICEBERG_PARTS"),
        (iceberg(BUY, "1", "50000", "1"), -2010, "IcebergQty exceeds QTY."),
        (
            iceberg(BUY, "1", "50000", "0.1", tif=TimeInForce.IOC),
            -2010,
            "Unsupported order combination",
        ),
        (iceberg(BUY, "1", "50000", "0.000001"), -1013, "Filter failure: LOT_SIZE"),
    ],
)
def test_iceberg_refusals(order: NewOrder, code: int, msg: str) -> None:
    ex, _ = make_exchange("a")
    with pytest.raises(SimError) as err:
        ex.place_order("a", order)
    assert (err.value.code, err.value.msg) == (code, msg)
    assert ex.book(BTC) == ([], [])


def test_exactly_the_parts_limit_is_accepted() -> None:
    ex, _ = make_exchange("a")
    r = ex.place_order("a", iceberg(BUY, "1", "50000", "0.01"))  # 100 parts
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.NEW


def test_exchange_info_allows_icebergs() -> None:
    ex, _ = make_exchange("a")
    info = ex.exchange_info([BTC]).symbols[0]
    assert info.iceberg_allowed is True
