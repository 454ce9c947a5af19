"""Order behaviour of the simulated exchange: matching, time in force, STP, cancels, balances."""

from __future__ import annotations

import pytest

from oms.testing.sim import BTC, START, limit, make_exchange, market
from oms.wire.enums import (
    ExecutionType,
    OrderResponseType,
    OrderStatus,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.events import BalanceUpdate, OutboundAccountPosition
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import NewOrderAck, NewOrderFull, NewOrderResult
from transports.sim.config import SimConfig
from transports.sim.errors import SimError

from .support import D, Z, assets_conserved, reports

BUY, SELL = Side.BUY, Side.SELL
STP = SelfTradePreventionMode


def test_resting_limit_locks_quote_and_reports_new() -> None:
    ex, _ = make_exchange("a")
    r = ex.place_order("a", limit(BUY, "0.1", "50000", cid="x1"))
    assert isinstance(r, NewOrderFull)
    assert r.status is OrderStatus.NEW and r.fills == ()
    assert ex.balance("a", "USDT") == (D("995000"), D("5000.0"))
    events = ex.drain_events("a")
    assert [type(e).__name__ for e in events] == ["ExecutionReport", "OutboundAccountPosition"]
    new = reports(events)[0]
    assert (new.execution_type, new.status, new.is_working) == (ExecutionType.NEW, "NEW", True)
    assert new.client_order_id == "x1" and new.orig_client_order_id == ""
    assert (
        new.trade_id == -1 and new.commission_asset is None and new.working_time == new.created_time
    )
    assert ex.book(BTC) == ([(D("50000"), D("0.1"))], [])


def test_price_time_priority_and_maker_price() -> None:
    ex, _ = make_exchange("m1", "m2", "t")
    ex.place_order("m1", limit(SELL, "0.1", "60010"))
    ex.place_order("m2", limit(SELL, "0.1", "60000"))
    ex.place_order("m1", limit(SELL, "0.1", "60000"))
    r = ex.place_order("t", limit(BUY, "0.25", "60020"))
    assert isinstance(r, NewOrderFull)
    # Best price first; at one price the older order (m2) first; at the maker's price.
    assert [(f.price, f.qty) for f in r.fills] == [
        (D("60000"), D("0.1")),
        (D("60000"), D("0.1")),
        (D("60010"), D("0.05")),
    ]
    assert r.status is OrderStatus.FILLED
    assert [f.trade_id for f in r.fills] == [1, 2, 3]
    # Limit BUY locked at 60020; price improvement came back: paid exactly the fills.
    assert ex.balance("t", "USDT") == (START["USDT"] - D("12000") - D("3000.5"), Z)
    assert ex.book(BTC) == ([], [(D("60010"), D("0.05"))])
    m2 = reports(ex.drain_events("m2"))
    assert [(e.execution_type, e.status, e.is_maker) for e in m2][-1] == (
        ExecutionType.TRADE,
        OrderStatus.FILLED,
        True,
    )


def test_partial_fill_then_rest_keeps_remaining_locked() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    r = ex.place_order("t", limit(BUY, "0.3", "60000"))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.PARTIALLY_FILLED
    assert ex.balance("t", "USDT")[1] == D("12000")
    assert ex.book(BTC) == ([(D("60000"), D("0.2"))], [])
    xs = [(e.execution_type, e.status, e.is_working) for e in reports(ex.drain_events("t"))]
    assert xs == [
        (ExecutionType.NEW, OrderStatus.NEW, True),
        (ExecutionType.TRADE, OrderStatus.PARTIALLY_FILLED, True),
    ]


def test_market_out_of_liquidity_expires_after_partial_fill() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    r = ex.place_order("t", market(BUY, "0.5"))
    assert isinstance(r, NewOrderFull)
    assert (r.status, r.executed_qty, r.expiry_reason) == (
        OrderStatus.EXPIRED,
        D("0.1"),
        "INSUFFICIENT_LIQUIDITY",
    )
    events = ex.drain_events("t")
    last = reports(events)[-1]
    assert (last.execution_type, last.last_quantity, last.trade_id) == (
        ExecutionType.EXPIRED,
        Z,
        -1,
    )
    assert last.commission == 0 and last.commission_asset is None
    assert isinstance(events[-1], OutboundAccountPosition)
    assert ex.balance("t", "USDT") == (START["USDT"] - D("6000"), Z)


def test_market_by_quote_buys_whole_steps() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "1", "60000"))
    r = ex.place_order("t", market(BUY, quote="1000"))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.FILLED
    # 1000 / 60000 = 0.016666.. -> 0.01666 BTC (step 0.00001), costing 999.60.
    assert r.executed_qty == D("0.01666") and r.cummulative_quote_qty == D("999.6")
    assert r.orig_quote_order_qty == D("1000")
    assert ex.balance("t", "USDT") == (START["USDT"] - D("999.6"), Z)


def test_market_sell_by_quote_locks_base_it_sells() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(BUY, "1", "50000"))
    r = ex.place_order("t", market(SELL, quote="500"))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.FILLED
    assert r.executed_qty == D("0.01")
    assert ex.balance("t", "BTC") == (START["BTC"] - D("0.01"), Z)


def test_ioc_expires_rest_and_fok_is_all_or_nothing() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    ioc = ex.place_order("t", limit(BUY, "0.3", "60000", tif=TimeInForce.IOC))
    assert isinstance(ioc, NewOrderFull)
    assert (ioc.status, ioc.executed_qty, ioc.expiry_reason) == (
        OrderStatus.EXPIRED,
        D("0.1"),
        "UNFILLED_IOC_QUANTITY_EXPIRED",
    )
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    fok = ex.place_order("t", limit(BUY, "0.3", "60000", tif=TimeInForce.FOK))
    assert isinstance(fok, NewOrderFull)
    assert (fok.status, fok.executed_qty, fok.fills) == (OrderStatus.EXPIRED, Z, ())
    assert fok.expiry_reason == "UNFILLED_FOK_ORDER_EXPIRED"
    assert ex.book(BTC)[1] == [(D("60000"), D("0.1"))]
    fok = ex.place_order("t", limit(BUY, "0.1", "60000", tif=TimeInForce.FOK))
    assert isinstance(fok, NewOrderFull) and fok.status is OrderStatus.FILLED
    assert ex.balance("t", "USDT")[1] == 0


def test_limit_maker_that_would_take_is_refused_without_trace() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    ex.drain_events("t")
    order = NewOrder(
        symbol=BTC, side=BUY, order_type=OrderType.LIMIT_MAKER, quantity=D("0.1"), price=D("60000")
    )
    with pytest.raises(SimError) as err:
        ex.place_order("t", order)
    assert (err.value.code, err.value.msg) == (-2010, "Order would immediately match and take.")
    assert ex.drain_events("t") == [] and ex.balance("t", "USDT") == (START["USDT"], Z)
    ok = ex.place_order(
        "t",
        NewOrder(
            symbol=BTC,
            side=BUY,
            order_type=OrderType.LIMIT_MAKER,
            quantity=D("0.1"),
            price=D("59999"),
        ),
    )
    assert isinstance(ok, NewOrderAck)  # ACK is the default for types other than MARKET/LIMIT


@pytest.mark.parametrize(
    ("mode", "taker_status", "maker_status", "fills"),
    [
        (STP.EXPIRE_TAKER, OrderStatus.EXPIRED_IN_MATCH, OrderStatus.NEW, 0),
        (STP.EXPIRE_MAKER, OrderStatus.FILLED, OrderStatus.EXPIRED_IN_MATCH, 1),
        (STP.EXPIRE_BOTH, OrderStatus.EXPIRED_IN_MATCH, OrderStatus.EXPIRED_IN_MATCH, 0),
        (STP.NONE, OrderStatus.FILLED, OrderStatus.FILLED, 1),
    ],
)
def test_self_trade_prevention(
    mode: STP, taker_status: OrderStatus, maker_status: OrderStatus, fills: int
) -> None:
    ex, _ = make_exchange("a", "b")
    own = ex.place_order("a", limit(SELL, "0.1", "60000", cid="own"))
    ex.place_order("b", limit(SELL, "0.1", "60000"))  # behind a's order in time
    assert isinstance(own, NewOrderFull)
    ex.drain_events("a")
    r = ex.place_order("a", limit(BUY, "0.1", "60000", stp=mode, tif=TimeInForce.IOC))
    assert isinstance(r, NewOrderFull)
    assert r.status is taker_status and len(r.fills) == fills
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=own.order_id))
    assert q.status is maker_status
    prevented = [e for e in reports(ex.drain_events("a")) if e.execution_type == "TRADE_PREVENTION"]
    expected = {STP.EXPIRE_TAKER: 1, STP.EXPIRE_MAKER: 1, STP.EXPIRE_BOTH: 2, STP.NONE: 0}[mode]
    assert len(prevented) == expected
    for e in prevented:
        assert e.status is OrderStatus.EXPIRED_IN_MATCH
        assert (e.last_quantity, e.last_price, e.last_quote_quantity) == (Z, Z, Z)
        assert e.prevented_match_id == 1 and e.counter_symbol == BTC
        assert e.prevented_execution_quantity == D("0.1")
        assert e.prevented_execution_price == D("60000")
    if taker_status is OrderStatus.EXPIRED_IN_MATCH:
        assert r.prevented_match_id == 1 and r.prevented_quantity == D("0.1")
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})


def test_stp_mode_outside_allowed_set_is_refused() -> None:
    ex, _ = make_exchange("a")
    with pytest.raises(SimError) as err:
        ex.place_order("a", limit(BUY, "0.1", "50000", stp=STP.DECREMENT))
    assert err.value.code == -1013
    assert err.value.msg == "This symbol does not allow the specified self-trade prevention mode."


def test_cancel_by_id_and_by_client_id_and_unknown() -> None:
    ex, _ = make_exchange("a")
    first = ex.place_order("a", limit(BUY, "0.1", "50000", cid="c1"))
    ex.place_order("a", limit(BUY, "0.1", "49000", cid="c2"))
    assert isinstance(first, NewOrderFull)
    ex.drain_events("a")
    c = ex.cancel_order(
        "a", CancelOrder(symbol=BTC, order_id=first.order_id, new_client_order_id="k1")
    )
    assert (c.status, c.client_order_id, c.orig_client_order_id) == ("CANCELED", "k1", "c1")
    report = reports(ex.drain_events("a"))[0]
    assert (report.client_order_id, report.orig_client_order_id) == ("k1", "c1")
    c2 = ex.cancel_order("a", CancelOrder(symbol=BTC, orig_client_order_id="c2"))
    assert c2.orig_client_order_id == "c2" and len(c2.client_order_id) == 22
    assert ex.balance("a", "USDT") == (START["USDT"], Z)
    for cancel in (
        CancelOrder(symbol=BTC, order_id=first.order_id),
        CancelOrder(symbol=BTC, order_id=999),
        CancelOrder(symbol=BTC, orig_client_order_id="nope"),
    ):
        with pytest.raises(SimError) as err:
            ex.cancel_order("a", cancel)
        assert (err.value.code, err.value.msg) == (-2011, "Unknown order sent.")
    with pytest.raises(SimError) as err:
        ex.cancel_order("a", CancelOrder(symbol=BTC))
    assert err.value.code == -1102


def test_duplicate_client_id_only_while_open() -> None:
    ex, _ = make_exchange("a", "b")
    ex.place_order("a", limit(BUY, "0.1", "50000", cid="same"))
    with pytest.raises(SimError) as err:
        ex.place_order("a", limit(BUY, "0.1", "50000", cid="same"))
    assert (err.value.code, err.value.msg) == (-2010, "Duplicate order sent.")
    ex.place_order("b", limit(BUY, "0.1", "50000", cid="same"))  # another account: fine
    ex.cancel_order("a", CancelOrder(symbol=BTC, orig_client_order_id="same"))
    again = ex.place_order("a", limit(BUY, "0.1", "50000", cid="same"))
    assert isinstance(again, NewOrderFull)
    q = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="same"))
    assert q.order_id == again.order_id and q.status is OrderStatus.NEW


def test_query_open_orders_and_unknown() -> None:
    ex, _ = make_exchange("a")
    r = ex.place_order("a", limit(BUY, "0.1", "50000", cid="q1"))
    assert isinstance(r, NewOrderFull)
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=r.order_id))
    assert (q.client_order_id, q.is_working, q.time, q.orig_qty) == (
        "q1",
        True,
        r.transact_time,
        D("0.1"),
    )
    assert [o.order_id for o in ex.open_orders("a")] == [r.order_id]
    assert ex.open_orders("a", "ETHUSDT") == []
    with pytest.raises(SimError) as err:
        ex.query_order("a", QueryOrder(symbol=BTC, order_id=77))
    assert (err.value.code, err.value.msg) == (-2013, "Order does not exist.")
    with pytest.raises(SimError) as err:
        ex.query_order("a", QueryOrder(symbol=BTC, order_id=r.order_id, orig_client_order_id="x"))
    assert err.value.code == -2039
    with pytest.raises(SimError) as err:
        ex.query_order("a", QueryOrder(symbol="XYZ", order_id=1))
    assert (err.value.code, err.value.msg) == (-1121, "Invalid symbol.")


def test_cancel_open_orders_is_one_action() -> None:
    ex, _ = make_exchange("a")
    ex.place_order("a", limit(BUY, "0.1", "50000"))
    ex.place_order("a", limit(SELL, "0.1", "70000"))
    ex.drain_events("a")
    out = ex.cancel_open_orders("a", BTC)
    assert [c.status for c in out] == ["CANCELED", "CANCELED"]
    events = ex.drain_events("a")
    assert [type(e).__name__ for e in events] == ["ExecutionReport"] * 2 + [
        "OutboundAccountPosition"
    ]
    with pytest.raises(SimError) as err:
        ex.cancel_open_orders("a", BTC)
    assert err.value.code == -2011


def test_insufficient_balance() -> None:
    ex, _ = make_exchange()
    ex.create_account("poor", {"USDT": D("100")})
    with pytest.raises(SimError) as err:
        ex.place_order("poor", limit(BUY, "0.01", "60000"))
    assert (err.value.code, err.value.msg) == (
        -2010,
        "Account has insufficient balance for requested action.",
    )
    with pytest.raises(SimError):
        ex.place_order("poor", limit(SELL, "0.01", "60000"))
    assert ex.balance("poor", "USDT") == (D("100"), Z) and ex.drain_events("poor") == []
    with pytest.raises(KeyError):
        ex.place_order("nobody", limit(BUY, "0.01", "60000"))


def test_commission_in_received_asset_goes_to_fee_account() -> None:
    cfg = SimConfig(maker_commission=D("0.001"), taker_commission=D("0.002"))
    ex, _ = make_exchange("m", "t", config=cfg)
    ex.place_order("m", limit(SELL, "0.5", "60000"))
    r = ex.place_order("t", limit(BUY, "0.5", "60000"))
    assert isinstance(r, NewOrderFull)
    assert (r.fills[0].commission, r.fills[0].commission_asset) == (D("0.001"), "BTC")
    assert ex.balance("t", "BTC")[0] == START["BTC"] + D("0.499")
    assert ex.balance("m", "USDT")[0] == START["USDT"] + D("30000") - D("30")
    assert (ex.fees("BTC"), ex.fees("USDT")) == (D("0.001"), D("30"))
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})
    trades = ex.my_trades("m", BTC)
    assert [(t.is_buyer, t.is_maker, t.commission, t.commission_asset) for t in trades] == [
        (False, True, D("30"), "USDT")
    ]
    info = ex.account_info("t")
    assert (info.maker_commission, info.taker_commission) == (10, 20)


def test_response_types() -> None:
    ex, _ = make_exchange("a")
    ack = ex.place_order("a", limit(BUY, "0.1", "50000", resp=OrderResponseType.ACK))
    result = ex.place_order("a", limit(BUY, "0.1", "50000", resp=OrderResponseType.RESULT))
    assert type(ack) is NewOrderAck and type(result) is NewOrderResult


def test_my_trades_filters_and_limits() -> None:
    ex, clock = make_exchange("m", "t")
    for _ in range(3):
        ex.place_order("m", limit(SELL, "0.1", "60000"))
        ex.place_order("t", market(BUY, "0.1"))
        clock.advance(1000)
    all_trades = ex.my_trades("t", BTC)
    assert [t.id for t in all_trades] == [1, 2, 3]
    assert [t.id for t in ex.my_trades("t", BTC, limit=2)] == [2, 3]
    assert [t.id for t in ex.my_trades("t", BTC, from_id=2, limit=1)] == [2]
    assert [t.id for t in ex.my_trades("t", BTC, start_time=all_trades[1].time)] == [2, 3]
    assert [t.id for t in ex.my_trades("t", BTC, order_id=all_trades[0].order_id)] == [1]
    with pytest.raises(SimError) as err:
        ex.my_trades("t", BTC, order_id=1, start_time=0)
    assert err.value.code == -1128


def test_deposit_emits_balance_update_then_position() -> None:
    ex, clock = make_exchange("a")
    clock.advance(5)
    ex.deposit("a", "ETH", D("2.5"))
    events = ex.drain_events("a")
    assert isinstance(events[0], BalanceUpdate) and events[0].delta == D("2.5")
    assert isinstance(events[1], OutboundAccountPosition)
    assert events[1].balances[0].free == START["ETH"] + D("2.5")
    assert events[0].event_time == clock.now_ms


def test_events_for_other_accounts_makers_and_listener() -> None:
    ex, _ = make_exchange("m", "t")
    seen: list[tuple[str, str]] = []
    ex.set_listener(lambda account, event: seen.append((account, type(event).__name__)))
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    seen.clear()
    ex.place_order("t", market(BUY, "0.1"))
    assert seen == [
        ("t", "ExecutionReport"),
        ("t", "ExecutionReport"),
        ("m", "ExecutionReport"),
        ("t", "OutboundAccountPosition"),
        ("m", "OutboundAccountPosition"),
    ]
    assert ex.drain_events("t") == []  # with a listener, nothing is queued
    ex.set_listener(None)
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    assert len(ex.drain_events("m")) == 2
