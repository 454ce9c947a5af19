"""Iceberg stop-limit orders and MAX_NUM_ICEBERG_ORDERS on the simulated exchange.

rest-api.md, New order: ``icebergQty`` is "Used with LIMIT, STOP_LOSS_LIMIT, and
TAKE_PROFIT_LIMIT", with timeInForce GTC; a triggered stop-limit works as a LIMIT order at its
price, so an iceberg one shows only its visible part once it rests. filters.md,
MAX_NUM_ICEBERG_ORDERS: open orders with ``icebergQty`` > 0 per account and symbol; errors.md,
Filter failures and -1160 OCO_ICEBERGQTY_TIMEINFORCE.
"""

from __future__ import annotations

import msgspec
import pytest

from oms.testing.sim import BTC, START, limit, make_exchange
from oms.wire.enums import ExecutionType, OrderStatus, OrderType, Side, TimeInForce
from oms.wire.orderlists import ListLeg, NewOco
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import MaxNumIcebergOrdersFilter
from transports.sim.errors import SimError

from .support import D, assets_conserved, reports
from .test_advanced import stop

BUY, SELL = Side.BUY, Side.SELL
GTC, IOC = TimeInForce.GTC, TimeInForce.IOC
ETH = "ETHUSDT"


def stop_iceberg(
    side: Side,
    kind: OrderType,
    qty: str,
    price: str | None,
    stop_price: str,
    shown: str,
    *,
    tif: TimeInForce | None = GTC,
) -> NewOrder:
    order = stop(side, kind, stop_price, price=price, qty=qty)
    return msgspec.structs.replace(order, time_in_force=tif, iceberg_qty=D(shown))


def iceberg(side: Side, qty: str, price: str, shown: str, *, symbol: str = BTC) -> NewOrder:
    return msgspec.structs.replace(limit(side, qty, price, symbol=symbol), iceberg_qty=D(shown))


def test_stop_loss_limit_iceberg_waits_then_works_as_a_limit_iceberg() -> None:
    ex, _ = make_exchange("a", "m", "t")
    order = stop_iceberg(SELL, OrderType.STOP_LOSS_LIMIT, "1", "58000", "58500", "0.2")
    placed = ex.place_order("a", order)
    assert ex.book(BTC) == ([], [])  # waiting: off the book
    new = reports(ex.drain_events("a"))
    assert [(r.execution_type, r.is_working) for r in new] == [(ExecutionType.NEW, False)]
    assert new[0].iceberg_quantity == D("0.20000")
    ex.place_order("m", limit(BUY, "0.3", "58400"))
    # A trade at 58400 (<= the stop) triggers it; as a LIMIT SELL at 58000 it takes the rest
    # of the bid as a taker (all of it, not just a visible part), then rests showing 0.2.
    ex.place_order("t", limit(SELL, "0.1", "58400", tif=IOC))
    assert ex.book(BTC) == ([], [(D("58000"), D("0.2"))])
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=placed.order_id))
    assert (q.type, q.status, q.executed_qty, q.iceberg_qty) == (
        OrderType.STOP_LOSS_LIMIT, OrderStatus.PARTIALLY_FILLED, D("0.2"), D("0.2")
    )  # fmt: skip
    live = reports(ex.drain_events("a"))
    assert [(r.execution_type, r.is_working) for r in live] == [
        (ExecutionType.NEW, True),
        (ExecutionType.TRADE, True),
    ]
    # Taking the visible part refills it from the hidden rest.
    ex.place_order("t", limit(BUY, "0.2", "58000", tif=IOC))
    assert ex.book(BTC) == ([], [(D("58000"), D("0.2"))])
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=placed.order_id))
    assert q.executed_qty == D("0.4")
    assets_conserved(ex, {asset: 3 * amount for asset, amount in START.items()})


def test_take_profit_limit_iceberg_rests_with_its_visible_part_when_triggered() -> None:
    ex, _ = make_exchange("a", "m", "t")
    order = stop_iceberg(BUY, OrderType.TAKE_PROFIT_LIMIT, "0.5", "59000", "59000", "0.1")
    placed = ex.place_order("a", order)
    ex.place_order("m", limit(BUY, "0.05", "58900"))
    assert ex.book(BTC) == ([(D("58900"), D("0.05"))], [])
    ex.place_order("t", limit(SELL, "0.05", "58900", tif=IOC))  # a fall to 58900: triggers
    assert ex.book(BTC) == ([(D("59000"), D("0.1"))], [])
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=placed.order_id))
    assert (q.status, q.orig_qty, q.iceberg_qty) == (OrderStatus.NEW, D("0.5"), D("0.1"))
    # The whole quantity is locked (all of it can trade), as for a LIMIT iceberg.
    assert ex.balance("a", "USDT")[1] == D("29500")


@pytest.mark.parametrize(
    ("order", "code", "msg"),
    [
        # STOP_LOSS / TAKE_PROFIT execute as MARKET orders: no icebergQty.
        (
            stop_iceberg(SELL, OrderType.STOP_LOSS, "1", None, "58000", "0.1", tif=None),
            -2010,
            "Unsupported order combination",
        ),
        (
            stop_iceberg(SELL, OrderType.STOP_LOSS_LIMIT, "1", "58000", "58500", "0.1", tif=IOC),
            -2010,
            "Unsupported order combination",
        ),
        (
            stop_iceberg(BUY, OrderType.TAKE_PROFIT_LIMIT, "1", "59000", "59000", "0.00999"),
            -1013,
            "Filter failure: ICEBERG_PARTS",
        ),
        (
            stop_iceberg(BUY, OrderType.TAKE_PROFIT_LIMIT, "1", "59000", "59000", "1"),
            -2010,
            "IcebergQty exceeds QTY.",
        ),
    ],
)
def test_stop_iceberg_refusals(order: NewOrder, code: int, msg: str) -> None:
    ex, _ = make_exchange("a")
    with pytest.raises(SimError) as err:
        ex.place_order("a", order)
    assert (err.value.code, err.value.msg) == (code, msg)
    assert ex.open_orders("a") == []


def test_max_num_iceberg_orders_per_account_and_symbol() -> None:
    ex, _ = make_exchange("a", "b")
    info = ex.exchange_info([BTC]).symbols[0]
    limit_filter = info.filter(MaxNumIcebergOrdersFilter)
    assert limit_filter is not None and limit_filter.max_num_iceberg_orders == 5
    placed = [ex.place_order("a", iceberg(BUY, "0.1", str(50000 + i), "0.05")) for i in range(3)]
    for _ in range(2):  # waiting stop-limit icebergs are open orders too
        ex.place_order(
            "a", stop_iceberg(SELL, OrderType.STOP_LOSS_LIMIT, "0.1", "58000", "58500", "0.05")
        )
    with pytest.raises(SimError) as err:
        ex.place_order("a", iceberg(BUY, "0.1", "49000", "0.05"))
    assert (err.value.code, err.value.msg) == (-1013, "Filter failure: MAX_NUM_ICEBERG_ORDERS")
    assert len(ex.open_orders("a")) == 5  # nothing changed
    ex.place_order("a", limit(BUY, "0.1", "49000"))  # not an iceberg
    ex.place_order("a", iceberg(BUY, "0.1", "2000", "0.05", symbol=ETH))  # another symbol
    ex.place_order("b", iceberg(BUY, "0.1", "49000", "0.05"))  # another account
    ex.cancel_order("a", CancelOrder(symbol=BTC, order_id=placed[0].order_id))
    ex.place_order("a", iceberg(BUY, "0.1", "49000", "0.05"))  # a slot was freed


def _oco(below_tif: TimeInForce, *, above_shown: str | None = None) -> NewOco:
    return NewOco(
        symbol=BTC,
        side=SELL,
        quantity=D("0.2"),
        above=ListLeg(
            order_type=OrderType.LIMIT_MAKER,
            price=D("61000"),
            iceberg_qty=D(above_shown) if above_shown else None,
        ),
        below=ListLeg(
            order_type=OrderType.STOP_LOSS_LIMIT,
            price=D("58000"),
            stop_price=D("58500"),
            time_in_force=below_tif,
            iceberg_qty=D("0.05"),
        ),
    )


def test_oco_stop_limit_iceberg_leg_triggers_as_an_iceberg() -> None:
    ex, _ = make_exchange("a", "m", "t")
    ex.place_order_list("a", _oco(GTC))
    ex.place_order("m", limit(BUY, "0.01", "58400"))
    ex.place_order("t", limit(SELL, "0.01", "58400", tif=IOC))  # triggers the below leg
    # The above leg expired (OCO); the stop-limit leg rests showing its visible part.
    assert ex.book(BTC) == ([], [(D("58000"), D("0.05"))])


def test_oco_iceberg_leg_needs_gtc_and_both_legs_count_for_the_limit() -> None:
    ex, _ = make_exchange("a")
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", _oco(IOC))
    assert err.value.code == -1160
    assert err.value.msg == (
        "Parameter 'belowIcebergQty' is not supported if "
        "aboveTimeInForce/belowTimeInForce is not GTC."
    )
    for i in range(4):
        ex.place_order("a", iceberg(BUY, "0.1", str(50000 + i), "0.05"))
    # Four open and two more in the list: past the limit of five, and nothing is placed.
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", _oco(GTC, above_shown="0.05"))
    assert err.value.msg == "Filter failure: MAX_NUM_ICEBERG_ORDERS"
    assert len(ex.open_orders("a")) == 4
    ex.place_order_list("a", _oco(GTC))  # one iceberg leg: the fifth
