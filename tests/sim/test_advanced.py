"""Stops, trailing stops, order lists and amends on the simulated exchange, checked against the
official docs' rules, and the core engine agreeing with every event the exchange sends."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from oms.core.commands import Sent
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.list_state import ListState
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.testing.sim import BTC, START, limit, make_exchange
from oms.wire.amends import AmendKeepPriority, QueryAmendments
from oms.wire.enums import (
    ContingencyType,
    ExecutionType,
    ListOrderStatus,
    ListStatusType,
    OrderStatus,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.events import ListStatus
from oms.wire.money import ZERO
from oms.wire.orderlists import CancelOrderList, ListLeg, NewOco, NewOto, NewOtoco, QueryOrderList
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from transports.sim.config import SimConfig, default_symbols
from transports.sim.errors import SimError
from transports.sim.trade_replay import PublicTrade, TradeReplay

from .support import D, assets_conserved, reports

BUY, SELL = Side.BUY, Side.SELL
GTC = TimeInForce.GTC


def stop(
    side: Side,
    kind: OrderType,
    stop_price: str | None,
    *,
    price: str | None = None,
    delta: int | None = None,
    qty: str = "0.1",
    cid: str | None = None,
) -> NewOrder:
    return NewOrder(
        symbol=BTC,
        side=side,
        order_type=kind,
        quantity=D(qty),
        price=D(price) if price else None,
        time_in_force=GTC if price else None,
        stop_price=D(stop_price) if stop_price else None,
        trailing_delta=delta,
        client_order_id=cid,
    )


def trade_at(ex: object, price: str, t: int = 0) -> None:
    """A trade elsewhere in the market at ``price`` (a replayed public trade)."""
    replay = TradeReplay(
        ex,  # type: ignore[arg-type]
        BTC,
        [
            PublicTrade(
                id=t, price=D(price), qty=D("0.00001"), quote_qty=D(price) * D("0.00001"),
                time=0, is_buyer_maker=True, is_best_match=True,
            )
        ],
    )  # fmt: skip
    replay.step()


def test_stop_limit_waits_off_the_book_then_triggers_on_the_last_price() -> None:
    ex, _ = make_exchange("a")
    engine = new_engine()
    spec = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.STOP_LOSS_LIMIT,
                     quantity=D("0.1"), price=D("58900"), stop_price=D("59000"),
                     time_in_force=GTC)  # fmt: skip
    order = engine.create_order(spec, "s1")
    engine.apply(Sent(client_order_id="s1", at_ms=0))
    ex.place_order("a", stop(SELL, OrderType.STOP_LOSS_LIMIT, "59000", price="58900", cid="s1"))
    armed = ex.drain_events("a")
    follow_events(engine, armed)
    assert (order.state, order.is_working, order.stop_price) == (
        OrderState.NEW, False, D("59000"),
    )  # fmt: skip
    assert order.working_time is None
    new = reports(armed)[0]
    # Not on the book: w false, no W (user-data-stream.md, Order update).
    assert (new.execution_type, new.is_working, new.working_time) == ("NEW", False, None)
    assert new.stop_price == D("59000") and new.order_list_id == -1
    assert ex.book(BTC) == ([], [])
    assert ex.balance("a", "BTC") == (D("9.9"), D("0.1"))
    trade_at(ex, "59500")
    assert reports(ex.drain_events("a")) == []
    trade_at(ex, "59000")  # SELL STOP_LOSS triggers when last <= stop
    working = reports(ex.drain_events("a"))
    # Working now (w true, W set), then the market trading through 59000 fills a little.
    assert [(r.execution_type, r.is_working) for r in working] == [("NEW", True), ("TRADE", True)]
    assert working[0].working_time is not None
    assert ex.book(BTC) == ([], [(D("58900"), D("0.09999"))])
    follow_events(engine, working)
    follow_events(engine, [working[0]])  # a duplicate changes nothing
    assert order.is_working is True and order.working_time == working[0].working_time
    assert order.state is OrderState.PARTIALLY_FILLED


@pytest.mark.parametrize(
    ("side", "kind", "stop_price"),
    [
        (BUY, OrderType.STOP_LOSS, "59000"),  # BUY stop-loss must be above the market
        (SELL, OrderType.STOP_LOSS, "61000"),  # SELL stop-loss below
        (BUY, OrderType.TAKE_PROFIT, "61000"),  # BUY take-profit below
        (SELL, OrderType.TAKE_PROFIT, "59000"),  # SELL take-profit above
    ],
)
def test_a_stop_that_would_trigger_immediately_is_refused(
    side: Side, kind: OrderType, stop_price: str
) -> None:
    ex, _ = make_exchange("a")  # last price 60000
    with pytest.raises(SimError) as err:
        ex.place_order("a", stop(side, kind, stop_price))
    assert (err.value.code, err.value.msg) == (-2010, "Order would trigger immediately.")
    assert ex.drain_events("a") == [] and ex.balance("a", "BTC") == (D(10), D(0))


def test_buy_stop_market_triggers_on_a_rise_and_takes_the_book() -> None:
    ex, _ = make_exchange("a", "m")
    ex.place_order("m", limit(SELL, "1", "61500"))
    ex.place_order("a", stop(BUY, OrderType.STOP_LOSS, "61000"))
    trade_at(ex, "60900")
    assert [r.execution_type for r in reports(ex.drain_events("a"))] == ["NEW"]
    trade_at(ex, "61000")
    got = reports(ex.drain_events("a"))
    assert [(r.execution_type, r.status) for r in got] == [("NEW", "NEW"), ("TRADE", "FILLED")]
    assert got[-1].last_price == D("61500")


def test_trailing_stop_without_stop_price_follows_scenario_e() -> None:
    # faqs/trailing-stop-faq.md, Scenario E (prices scaled to the symbol's filters).
    ex, _ = make_exchange("a")
    ex.set_reference_price(BTC, D("40000"))
    ex.drain_events("a")
    ex.place_order("a", stop(SELL, OrderType.STOP_LOSS_LIMIT, None, price="39000", delta=700))
    first = reports(ex.drain_events("a"))[0]
    assert first.trailing_delta == 700 and first.trailing_time is not None
    for price in ("42000", "39500", "45500", "42316"):
        trade_at(ex, price)
    assert [r.is_working for r in reports(ex.drain_events("a"))] == []
    trade_at(ex, "42315")  # 45500 * 0.93
    assert [r.is_working for r in reports(ex.drain_events("a"))][:1] == [True]


def test_trailing_delta_filter() -> None:
    ex, _ = make_exchange("a")
    with pytest.raises(SimError) as err:
        ex.place_order("a", stop(SELL, OrderType.STOP_LOSS, None, delta=5))
    assert err.value.msg == "Filter failure: TRAILING_DELTA"


def test_max_num_algo_orders() -> None:
    ex, _ = make_exchange("a")
    for _ in range(5):
        ex.place_order("a", stop(SELL, OrderType.STOP_LOSS, "50000", qty="0.01"))
    with pytest.raises(SimError) as err:
        ex.place_order("a", stop(SELL, OrderType.STOP_LOSS, "50000", qty="0.01"))
    assert err.value.msg == "Filter failure: MAX_NUM_ALGO_ORDERS"


def oco(cid: str = "L1", tp: str | None = "tp", sl: str | None = "sl") -> NewOco:
    return NewOco(
        symbol=BTC,
        side=SELL,
        quantity=D("0.1"),
        list_client_order_id=cid,
        above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("61000"), client_order_id=tp),
        below=ListLeg(
            order_type=OrderType.STOP_LOSS_LIMIT,
            price=D("58900"),
            stop_price=D("59000"),
            time_in_force=GTC,
            client_order_id=sl,
        ),
    )


def follow_events(engine: Engine, events: list[Any]) -> None:
    for event in events:
        engine.apply(event)


def follow(engine: Engine, ex: object, account: str) -> None:
    for event in ex.drain_events(account):  # type: ignore[attr-defined]
        engine.apply(event)


def new_engine() -> Engine:
    return Engine(clock=lambda: 0, new_client_order_id=SequentialIds("e-"))


def _oco_engine(ex: object) -> tuple[Engine, object]:
    engine = new_engine()
    above = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.LIMIT_MAKER, quantity=D("0.1"),
                      price=D("61000"))  # fmt: skip
    below = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.STOP_LOSS_LIMIT,
                      quantity=D("0.1"), price=D("58900"), stop_price=D("59000"),
                      time_in_force=GTC)  # fmt: skip
    lst, _ = engine.create_list(ContingencyType.OCO, [(above, "tp"), (below, "sl")], "L1")
    engine.mark_list_sent(lst)
    return engine, lst


def test_oco_limit_leg_fills_and_the_stop_leg_expires() -> None:
    ex, _ = make_exchange("a", "t")
    engine, lst = _oco_engine(ex)
    answer = ex.place_order_list("a", oco())
    engine.apply(answer)
    assert answer.contingency_type is ContingencyType.OCO
    assert answer.list_status_type is ListStatusType.EXEC_STARTED
    assert [r.client_order_id for r in answer.order_reports] == ["tp", "sl"]
    # One lock of the base quantity for both legs.
    assert ex.balance("a", "BTC") == (D("9.9"), D("0.1"))
    events = ex.drain_events("a")
    assert [type(e).__name__ for e in events] == [
        "ExecutionReport", "ExecutionReport", "ListStatus", "OutboundAccountPosition",
    ]  # fmt: skip
    for e in events:
        engine.apply(e)
    ex.place_order("t", limit(BUY, "0.1", "61000"))
    events = ex.drain_events("a")
    got = [(e.client_order_id, e.execution_type, e.expiry_reason) for e in reports(events)]
    assert got == [("tp", "TRADE", None), ("sl", "EXPIRED", "OCO_TRIGGER")]
    done = [e for e in events if isinstance(e, ListStatus)]
    assert [(d.list_status_type, d.list_order_status) for d in done] == [
        (ListStatusType.ALL_DONE, ListOrderStatus.ALL_DONE)
    ]
    for e in events:
        engine.apply(e)
    assert lst.state is ListState.ALL_DONE
    assert engine.order("tp").state is OrderState.FILLED  # type: ignore[union-attr]
    assert engine.order("sl").state is OrderState.EXPIRED  # type: ignore[union-attr]
    assert ex.balance("a", "BTC") == (D("9.9"), D("0"))
    assets_conserved(ex, {k: v * 2 for k, v in START.items()})


def test_oco_stop_leg_triggers_and_the_limit_leg_expires() -> None:
    ex, _ = make_exchange("a", "b")
    ex.place_order_list("a", oco())
    ex.drain_events("a")
    ex.place_order("b", limit(BUY, "0.1", "58950"))
    trade_at(ex, "59000")
    events = ex.drain_events("a")
    got = [(e.client_order_id, e.execution_type, e.status) for e in reports(events)]
    assert got[0] == ("tp", "EXPIRED", "EXPIRED")
    assert got[1] == ("sl", "NEW", "NEW")
    assert ("sl", "TRADE", "FILLED") in got
    assert any(isinstance(e, ListStatus) and e.list_status_type == "ALL_DONE" for e in events)


def _config(**limits: int) -> SimConfig:
    info = default_symbols()[0]
    filters = tuple({**f, **limits} if any(k in f for k in limits) else f for f in info.filters)
    return SimConfig(symbols=(msgspec.structs.replace(info, filters=filters),))


def test_oco_price_relationship_and_max_num_order_lists() -> None:
    ex, _ = make_exchange("a", config=_config(maxNumAlgoOrders=100))
    bad = NewOco(
        symbol=BTC, side=SELL, quantity=D("0.1"),
        above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("59500")),
        below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("59000")),
    )  # fmt: skip
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", bad)
    assert err.value.msg == "The relationship of the prices for the orders is not correct."
    for i in range(20):
        ex.place_order_list("a", NewOco(
            symbol=BTC, side=SELL, quantity=D("0.001"), list_client_order_id=f"x{i}",
            above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("61000")),
            below=ListLeg(order_type=OrderType.STOP_LOSS, trailing_delta=100),
        ))  # fmt: skip
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", oco())
    assert err.value.msg == "Filter failure: MAX_NUM_ORDER_LISTS"
    ex2, _ = make_exchange("a")
    for i in range(5):
        ex2.place_order_list(
            "a", msgspec.structs.replace(oco(f"y{i}", None, None), quantity=D("0.001"))
        )
    with pytest.raises(SimError) as err:
        ex2.place_order_list("a", oco())
    assert err.value.msg == "Filter failure: MAX_NUM_ALGO_ORDERS"


def test_cancel_a_list_and_a_leg_cancels_the_whole_list() -> None:
    ex, _ = make_exchange("a")
    ex.place_order_list("a", oco("L1"))
    answer = ex.cancel_order_list("a", CancelOrderList(symbol=BTC, list_client_order_id="L1"))
    assert answer.list_order_status is ListOrderStatus.ALL_DONE
    assert {r.status for r in answer.order_reports} == {OrderStatus.CANCELED}
    assert ex.balance("a", "BTC") == (D(10), D(0))
    with pytest.raises(SimError) as err:
        ex.cancel_order_list("a", CancelOrderList(symbol=BTC, list_client_order_id="L1"))
    assert err.value.code == -2011
    ex.place_order_list("a", oco("L2"))
    ex.drain_events("a")
    ex.cancel_order("a", CancelOrder(symbol=BTC, orig_client_order_id="tp"))
    events = ex.drain_events("a")
    assert [e.status for e in reports(events)] == ["CANCELED", "CANCELED"]
    status = ex.query_order_list("a", QueryOrderList(list_client_order_id="L2"))
    assert status.list_order_status is ListOrderStatus.ALL_DONE
    assert ex.open_order_lists("a") == []


def test_engine_applies_a_list_cancel_answer_to_list_and_legs() -> None:
    ex, _ = make_exchange("a")
    engine, lst = _oco_engine(ex)
    engine.apply(ex.place_order_list("a", oco("L1")))
    request, _ = engine.list_cancel_request(lst)
    engine.apply(ex.cancel_order_list("a", request))
    assert lst.state is ListState.ALL_DONE
    assert [o.state for o in engine.legs(lst)] == [OrderState.CANCELED, OrderState.CANCELED]
    follow(engine, ex, "a")  # the stream's copies change nothing
    assert [o.state for o in engine.legs(lst)] == [OrderState.CANCELED, OrderState.CANCELED]


def test_oto_pending_is_placed_when_the_working_order_fills() -> None:
    ex, _ = make_exchange("a", "t")
    oto = NewOto(
        symbol=BTC,
        list_client_order_id="O1",
        working=ListLeg(order_type=OrderType.LIMIT, side=BUY, quantity=D("0.1"),
                        price=D("59000"), time_in_force=GTC, client_order_id="w"),
        pending=ListLeg(order_type=OrderType.LIMIT_MAKER, side=SELL, quantity=D("0.1"),
                        price=D("62000"), client_order_id="p"),
    )  # fmt: skip
    answer = ex.place_order_list("a", oto)
    assert [r.status for r in answer.order_reports] == ["NEW", "PENDING_NEW"]
    assert answer.order_reports[1].working_time == -1
    ex.drain_events("a")
    ex.place_order("t", limit(SELL, "0.1", "59000"))
    events = ex.drain_events("a")
    got = [(e.client_order_id, e.execution_type, e.status) for e in reports(events)]
    assert got == [("w", "TRADE", "FILLED"), ("p", "NEW", "NEW")]
    assert ex.book(BTC) == ([], [(D("62000"), D("0.1"))])


def test_otoco_bracket_runs_entry_then_exit() -> None:
    ex, _ = make_exchange("a", "t")
    engine = new_engine()
    bracket = NewOtoco(
        symbol=BTC, list_client_order_id="B1",
        working=ListLeg(order_type=OrderType.LIMIT, side=BUY, quantity=D("0.1"),
                        price=D("59000"), time_in_force=GTC, client_order_id="entry"),
        pending_side=SELL, pending_quantity=D("0.1"),
        pending_above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("62000"),
                              client_order_id="tp"),
        pending_below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("58000"),
                              client_order_id="sl"),
    )  # fmt: skip
    engine.apply(ex.place_order_list("a", bracket))
    ex.place_order("t", limit(SELL, "0.1", "59000"))
    trade_at(ex, "61000")
    ex.place_order("t", limit(BUY, "0.1", "62000"))
    follow(engine, ex, "a")
    lst = engine.order_list("B1")
    assert lst is not None and lst.state is ListState.ALL_DONE
    states = {cid: engine.order(cid).state for cid in ("entry", "tp", "sl")}  # type: ignore[union-attr]
    assert states == {"entry": OrderState.FILLED, "tp": OrderState.FILLED,
                      "sl": OrderState.EXPIRED}  # fmt: skip
    assert ex.balance("a", "BTC") == (D(10), D(0))


def test_amend_keep_priority_lowers_quantity_in_place() -> None:
    ex, _ = make_exchange("a", "b", "t")
    ex.place_order("a", limit(SELL, "0.5", "61000", cid="first"))
    ex.place_order("b", limit(SELL, "0.5", "61000"))
    ex.drain_events("a")
    engine = new_engine()
    answer = ex.amend_keep_priority(
        "a", AmendKeepPriority(symbol=BTC, orig_client_order_id="first", new_qty=D("0.2"),
                               new_client_order_id="second")
    )  # fmt: skip
    assert answer.amended_order.qty == D("0.2") and answer.amended_order.client_order_id == "second"
    (report,) = reports(ex.drain_events("a"))
    assert report.execution_type is ExecutionType.REPLACED
    assert (report.client_order_id, report.orig_client_order_id) == ("second", "first")
    assert ex.balance("a", "BTC") == (D("9.8"), D("0.2"))
    # Still first in the queue at 61000.
    ex.place_order("t", limit(BUY, "0.2", "61000"))
    assert [r.status for r in reports(ex.drain_events("a"))] == ["FILLED"]
    rows = ex.order_amendments(
        "a", QueryAmendments(symbol=BTC, order_id=answer.amended_order.order_id)
    )
    assert [(r.orig_qty, r.new_qty) for r in rows] == [(D("0.5"), D("0.2"))]
    with pytest.raises(SimError) as err:
        ex.amend_keep_priority("a", AmendKeepPriority(symbol=BTC, order_id=2, new_qty=D("1")))
    assert err.value.code == -2038
    del engine


def test_amending_one_oco_leg_amends_both() -> None:
    ex, _ = make_exchange("a")
    ex.place_order_list("a", oco("L1"))
    ex.drain_events("a")
    ex.amend_keep_priority(
        "a", AmendKeepPriority(symbol=BTC, orig_client_order_id="sl", new_qty=D("0.04"),
                               new_client_order_id="sl2")
    )  # fmt: skip
    events = ex.drain_events("a")
    replaced = [(e.client_order_id, e.quantity) for e in reports(events)]
    assert replaced == [("sl2", D("0.04")), ("tp", D("0.04"))]
    # The pair's one lock of the base quantity shrank once.
    assert ex.balance("a", "BTC") == (D("9.96"), D("0.04"))
    assert [e.list_status_type for e in events if isinstance(e, ListStatus)] == ["UPDATED"]


def test_same_seed_same_events() -> None:
    def run() -> list[object]:
        ex, _ = make_exchange("a", "t", seed=7)
        ex.place_order_list("a", NewOco(
            symbol=BTC, side=SELL, quantity=D("0.1"),
            above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("61000")),
            below=ListLeg(order_type=OrderType.STOP_LOSS, trailing_delta=100),
        ))  # fmt: skip
        for p in ("60500", "60100", "59300"):
            trade_at(ex, p)
        return ex.drain_events("a")

    assert run() == run()


def test_an_oco_leg_expired_by_self_trade_prevention_ends_the_pair() -> None:
    # Found by the served list fuzzer: our own BUY crossed our OCO's LIMIT_MAKER, self-trade
    # prevention (EXPIRE_MAKER) expired it with the pair's one lock of the base quantity, and
    # the stop went on working unlocked; when it triggered, its sale drove locked ETH negative.
    ex, _ = make_exchange("a")
    ex.place_order_list("a", oco())
    base_free, base_locked = ex.balance("a", "BTC")
    assert base_locked == D("0.1")
    ex.place_order("a", limit(BUY, "0.1", "61000", cid="own",
                              stp=SelfTradePreventionMode.EXPIRE_MAKER))  # fmt: skip
    tp = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="tp"))
    sl = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="sl"))
    assert tp.status is OrderStatus.EXPIRED_IN_MATCH
    assert sl.status is OrderStatus.EXPIRED  # the pair ended with its leg
    status = ex.query_order_list("a", QueryOrderList(list_client_order_id="L1"))
    assert status.list_order_status is ListOrderStatus.ALL_DONE
    assert ex.balance("a", "BTC") == (base_free + base_locked, ZERO)
    trade_at(ex, "58000")  # through the stop's price (it also fills a bit of our BUY)
    sl = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="sl"))
    assert sl.status is OrderStatus.EXPIRED  # never triggered
    assert ex.balance("a", "BTC")[1] == ZERO
