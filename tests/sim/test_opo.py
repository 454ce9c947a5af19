"""OPO and OPOCO lists on the simulated exchange, checked against faqs/opo.md and the OPO /
OPOCO sections of rest-api.md: the pending quantity comes from the working order's fill (net of
commission as the FAQ says), is adjusted to LOT_SIZE with the rest unlocked, is locked until
the pending orders go on, and is unlocked when the list ends first; every asset is conserved."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from oms.testing.sim import BTC, limit
from oms.wire.amends import AmendKeepPriority
from oms.wire.enums import (
    ExecutionType,
    ListOrderStatus,
    OrderResponseType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.events import ExecutionReport, ListStatus, OutboundAccountPosition
from oms.wire.orderlists import CancelOrderList, ListLeg
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from transports.sim.config import SimConfig, default_symbols, make_symbol
from transports.sim.errors import SimError
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import default_markets
from transports.sim.opo import NewOpo, NewOpoco

from .support import D, assets_conserved, reports

BUY, SELL = Side.BUY, Side.SELL
FEE = D("0.001")
BNB = "BNBUSDT"


def exchange(
    trader: dict[str, Decimal], *, fee: Decimal = FEE, config: SimConfig | None = None
) -> SimExchange:
    """A trader with ``trader`` balances and a well-funded counterparty ``m``; 0.1 % fees."""
    config = config or SimConfig(maker_commission=fee, taker_commission=fee)
    ex = SimExchange(clock=ManualClock(), config=config)
    ex.create_account("a", trader)
    ex.create_account("m", {"USDT": D("10000000"), "BTC": D("100"), "BNB": D("10000")})
    return ex


def working(qty: str = "0.0105", price: str = "60000", side: Side = BUY) -> ListLeg:
    return ListLeg(
        order_type=OrderType.LIMIT, side=side, quantity=D(qty), price=D(price),
        time_in_force=TimeInForce.GTC, client_order_id="w",
    )  # fmt: skip


def opo(
    pending: ListLeg | None = None, *, symbol: str = BTC, work: ListLeg | None = None
) -> NewOpo:
    pending = pending or ListLeg(
        order_type=OrderType.LIMIT_MAKER, side=SELL, price=D("61000"), client_order_id="p"
    )
    return NewOpo(symbol=symbol, working=work or working(), pending=pending)


def opoco(side: Side = SELL) -> NewOpoco:
    return NewOpoco(
        symbol=BTC, working=working(), pending_side=side,
        pending_above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("62000"),
                              client_order_id="tp"),
        pending_below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("58000"),
                              client_order_id="sl"),
    )  # fmt: skip


def sell_to(ex: SimExchange, qty: str, price: str = "60000", symbol: str = BTC) -> None:
    ex.place_order("m", limit(SELL, qty, price, symbol=symbol))


def totals(ex: SimExchange) -> dict[str, Decimal]:
    return {asset: ex.total(asset) for asset in ("USDT", "BTC", "BNB")}


def test_placement_locks_only_the_working_order_and_hides_the_pending_quantity() -> None:
    ex = exchange({"USDT": D("1000")})
    answer = ex.place_order_list("a", opo())
    assert answer.contingency_type == "OTO"  # rest-api.md, New Order List - OPO "Response"
    work, pend = answer.order_reports
    assert (work.status, work.orig_qty) == (OrderStatus.NEW, D("0.0105"))
    assert (pend.status, pend.working_time, pend.side) == (OrderStatus.PENDING_NEW, -1, SELL)
    assert pend.orig_qty is None  # the documented response has no origQty for it
    raw = msgspec.json.decode(msgspec.json.encode(answer))
    assert "origQty" not in raw["orderReports"][1]
    assert ex.balance("a", "USDT") == (D("370"), D("630"))  # 0.0105 * 60000
    assert ex.balance("a", "BTC") == (D(0), D(0))
    events = ex.drain_events("a")
    pending_report = reports(events)[1]
    assert (pending_report.status, pending_report.quantity) == (OrderStatus.PENDING_NEW, D(0))
    queried = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="p"))
    assert (queried.status, queried.orig_qty) == (OrderStatus.PENDING_NEW, D(0))


def test_fill_locks_the_received_quantity_fee_from_free_then_lot_size_rounds_it() -> None:
    # The received asset is BTC (not BNB) and the free BTC covers the fees: the whole received
    # quantity is locked, the fees come out of free (faqs/opo.md).
    ex = exchange({"USDT": D("1000"), "BTC": D("0.001")})
    start = totals(ex)
    ex.place_order_list("a", opo())
    sell_to(ex, "0.005")
    assert ex.balance("a", "BTC") == (D("0.000995"), D("0.005"))  # fee 0.000005 from free
    ex.drain_events("a")
    sell_to(ex, "0.0055")
    events = ex.drain_events("a")
    got = [(r.client_order_id, r.execution_type, r.status, r.quantity) for r in reports(events)]
    assert got == [
        ("w", ExecutionType.TRADE, OrderStatus.FILLED, D("0.0105")),
        ("p", ExecutionType.NEW, OrderStatus.NEW, D("0.0105")),
    ]
    assert ex.balance("a", "BTC") == (D("0.0009895"), D("0.0105"))
    positions = [e for e in events if isinstance(e, OutboundAccountPosition)]
    btc = [b for b in positions[-1].balances if b.asset == "BTC"]
    assert (btc[0].free, btc[0].locked) == (D("0.0009895"), D("0.0105"))
    assert ex.book(BTC)[1] == [(D("61000"), D("0.0105"))]
    assert totals(ex) == start


def test_fee_beyond_free_is_deducted_and_the_lot_remainder_returns_to_free() -> None:
    ex = exchange({"USDT": D("1000")})
    start = totals(ex)
    ex.place_order_list("a", opo())
    sell_to(ex, "0.0105")
    # 0.0105 received, 0.0000105 fee: 0.0104895 locked, 0.01048 after LOT_SIZE (0.00001).
    assert ex.balance("a", "BTC") == (D("0.0000095"), D("0.01048"))
    queried = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="p"))
    assert (queried.status, queried.orig_qty) == (OrderStatus.NEW, D("0.01048"))
    ex.place_order("m", limit(BUY, "0.01048", "61000"))
    assert ex.balance("a", "BTC") == (D("0.0000095"), D(0))
    assert ex.balance("a", "USDT")[1] == D(0)
    assert totals(ex) == start


def test_received_bnb_pays_its_commission_out_of_the_received_quantity() -> None:
    ex = exchange({"USDT": D("10000"), "BNB": D("50")})
    start = totals(ex)
    work = working("1", "600")
    pend = ListLeg(order_type=OrderType.LIMIT_MAKER, side=SELL, price=D("620"))
    ex.place_order_list("a", opo(pend, symbol=BNB, work=work))
    sell_to(ex, "1", "600", symbol=BNB)
    # 1 BNB received, 0.001 BNB fee deducted although 50 BNB are free: 0.999 on the book.
    assert ex.balance("a", "BNB") == (D("50"), D("0.999"))
    assert ex.book(BNB)[1] == [(D("620"), D("0.999"))]
    assert totals(ex) == start


def test_cancel_before_the_working_order_fills_unlocks_what_it_received() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    start = totals(ex)
    ex.place_order_list("a", opo())
    sell_to(ex, "0.004")
    assert ex.balance("a", "BTC") == (D(0), D("0.004"))
    ex.drain_events("a")
    answer = ex.cancel_order_list("a", CancelOrderList(symbol=BTC, order_list_id=0))
    assert answer.list_order_status is ListOrderStatus.ALL_DONE
    assert [r.status for r in answer.order_reports] == ["CANCELED", "CANCELED"]
    assert answer.order_reports[1].orig_qty is None
    assert ex.balance("a", "BTC") == (D("0.004"), D(0))
    assert ex.balance("a", "USDT") == (D("1000") - D("240"), D(0))
    events = ex.drain_events("a")
    assert isinstance(events[-2], ListStatus) and events[-2].list_order_status == "ALL_DONE"
    assert totals(ex) == start


def test_cancelling_the_working_leg_ends_the_list_and_unlocks() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    ex.place_order_list("a", opo())
    sell_to(ex, "0.002")
    ex.cancel_order("a", CancelOrder(symbol=BTC, orig_client_order_id="w"))
    assert ex.balance("a", "BTC") == (D("0.002"), D(0))
    assert ex.open_orders("a") == []


def test_pending_quantity_cannot_be_amended_before_the_fill() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    ex.place_order_list("a", opo())
    amend = AmendKeepPriority(symbol=BTC, orig_client_order_id="p", new_qty=D("0.001"))
    with pytest.raises(SimError) as err:
        ex.amend_keep_priority("a", amend)
    assert (err.value.code, err.value.msg) == (
        -2038,
        "Order amend (pending OPO order) is not supported.",
    )
    sell_to(ex, "0.0105")
    answer = ex.amend_keep_priority("a", amend)
    assert answer.amended_order.qty == D("0.001")
    assert ex.balance("a", "BTC") == (D("0.0095"), D("0.001"))


@pytest.mark.parametrize(
    ("request_", "code", "msg"),
    [
        (opo(work=working(side=SELL)), -1222, "Working order in an OPO list must be a bid."),
        (
            opo(ListLeg(order_type=OrderType.LIMIT_MAKER, side=BUY, price=D("59000"))),
            -1223,
            "Pending orders in an OPO list must be asks.",
        ),
        (opoco(BUY), -1223, "Pending orders in an OPO list must be asks."),
    ],
)
def test_only_a_buy_working_and_sell_pending_orders(
    request_: NewOpo | NewOpoco, code: int, msg: str
) -> None:
    ex = exchange({"USDT": D("1000"), "BTC": D("1")})
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", request_)
    assert (err.value.code, err.value.msg) == (code, msg)
    assert ex.drain_events("a") == [] and ex.open_orders("a") == []


def test_a_symbol_without_opo_allowed_refuses_it() -> None:
    symbols = tuple(
        make_symbol("BTCUSDT", "BTC", "USDT", opo_allowed=False) if s.symbol == BTC else s
        for s in default_symbols()
    )
    ex = exchange({"USDT": D("1000")}, config=SimConfig(symbols=symbols))
    assert ex.exchange_info([BTC]).symbols[0].opo_allowed is False
    assert ex.exchange_info([BNB]).symbols[0].opo_allowed is True
    for request in (opo(), opoco()):
        with pytest.raises(SimError) as err:
            ex.place_order_list("a", request)
        assert (err.value.code, err.value.msg) == (
            -2010,
            "OPO orders are not supported for this symbol.",
        )
    no_oco = tuple(msgspec.structs.replace(s, oco_allowed=False) for s in default_symbols())
    ex = exchange({"USDT": D("1000")}, config=SimConfig(symbols=no_oco))
    with pytest.raises(SimError):
        ex.place_order_list("a", opoco())  # OPOCO needs ocoAllowed too (faqs/opo.md)
    ex.place_order_list("a", opo())


def test_a_pending_order_failing_a_filter_at_the_fill_expires_rejected() -> None:
    # 0.0001 BTC at 50000 is 5 USDT; after the fee 0.00009 BTC remain at LOT_SIZE, and
    # 0.00009 * 52000 = 4.68 is under NOTIONAL's 5: the pending order is rejected.
    ex = exchange({"USDT": D("1000")})
    start = totals(ex)
    pend = ListLeg(order_type=OrderType.LIMIT_MAKER, side=SELL, price=D("52000"),
                   client_order_id="p")  # fmt: skip
    ex.place_order_list("a", opo(pend, work=working("0.0001", "50000")))
    ex.drain_events("a")
    sell_to(ex, "0.0001", "50000")
    events = ex.drain_events("a")
    expired = [r for r in reports(events) if r.client_order_id == "p"]
    assert [(r.execution_type, r.expiry_reason) for r in expired] == [
        (ExecutionType.EXPIRED, "REJECTED")
    ]
    statuses = [e for e in events if isinstance(e, ListStatus)]
    assert statuses[-1].list_order_status == "ALL_DONE"
    assert ex.balance("a", "BTC") == (D("0.0000999"), D(0))
    assert ex.open_orders("a") == []
    assert totals(ex) == start


def test_opoco_pair_shares_the_received_quantity_and_one_lock() -> None:
    ex = exchange({"USDT": D("1000"), "BTC": D("0.01")})
    start = totals(ex)
    answer = ex.place_order_list("a", opoco())
    assert [r.orig_qty for r in answer.order_reports] == [D("0.0105"), None, None]
    sell_to(ex, "0.0105")
    assert ex.balance("a", "BTC") == (D("0.0099895"), D("0.0105"))
    assert [r.order_id for r in answer.order_reports] == [1, 2, 3]
    assert [r.client_order_id for r in answer.order_reports] == ["w", "sl", "tp"]
    tp = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="tp"))
    sl = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="sl"))
    assert (tp.orig_qty, sl.orig_qty) == (D("0.0105"), D("0.0105"))
    ex.place_order("m", limit(BUY, "0.0105", "62000"))  # take profit: the stop expires
    sl = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="sl"))
    assert (sl.status, sl.expiry_reason) == (OrderStatus.EXPIRED, "OCO_TRIGGER")
    assert ex.balance("a", "BTC") == (D("0.0099895"), D(0))
    assert {b.asset for b in ex.account_info("a").balances} == {"USDT", "BTC"}
    assert ex.open_order_lists("a") == []
    assert totals(ex) == start


def test_opoco_stop_leg_takes_the_pair_lock_when_it_triggers() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    start = totals(ex)
    ex.place_order_list("a", opoco())
    sell_to(ex, "0.0105")
    ex.place_order("m", limit(BUY, "1", "57000"))
    ex.place_order("m", limit(BUY, "0.001", "58000"))
    sell_to(ex, "0.001", "58000")  # a trade at the stop price: the stop triggers and sells
    sl = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="sl"))
    tp = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="tp"))
    assert (sl.status, tp.status, tp.expiry_reason) == ("FILLED", "EXPIRED", "OCO_TRIGGER")
    assert ex.balance("a", "BTC") == (D(0), D(0))
    assert ex.balance("a", "USDT") == (D("1000") - D("630") + D("598.5"), D(0))
    assert {b.asset for b in ex.account_info("a").balances} == {"USDT", "BTC"}
    assert totals(ex) == start


def test_market_pending_order_sells_at_once_within_market_lot_size() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    ex.place_order("m", limit(BUY, "1", "59000"))
    pend = ListLeg(order_type=OrderType.MARKET, side=SELL, client_order_id="p")
    ex.place_order_list("a", opo(pend))
    sell_to(ex, "0.0105")
    queried = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="p"))
    assert (queried.status, queried.executed_qty) == (OrderStatus.FILLED, D("0.0105"))
    assert ex.balance("a", "BTC") == (D(0), D(0))
    assert ex.balance("a", "USDT") == (D("1000") - D("630") + D("619.5"), D(0))


def test_lists_and_single_orders_stay_as_they_were_around_opo() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    start = totals(ex)
    ex.place_order_list("a", opo())
    ex.place_order("a", limit(BUY, "0.001", "59000", cid="plain"))
    assert [o.client_order_id for o in ex.open_orders("a")] == ["w", "p", "plain"]
    sell_to(ex, "0.0115", "59000")
    assert ex.balance("a", "BTC") == (D("0.001"), D("0.0105"))
    assert [ls.list_order_status for ls in ex.open_order_lists("a")] == ["EXECUTING"]
    assert totals(ex) == start
    assert all(isinstance(e, ExecutionReport | ListStatus | OutboundAccountPosition)
               for e in ex.drain_events("a"))  # fmt: skip
    assets_conserved(ex, start)


def test_a_working_order_filled_at_placement_answers_the_pending_quantity() -> None:
    ex = exchange({"USDT": D("1000")}, fee=D(0))
    sell_to(ex, "0.0105")
    request = msgspec.structs.replace(opo(), response_type=OrderResponseType.FULL)
    work, pend = ex.place_order_list("a", request).order_reports
    assert (work.status, pend.status, pend.orig_qty) == ("FILLED", "NEW", D("0.0105"))
    # FULL: each leg's own fills (the pending order has none yet).
    assert [f.qty for f in work.fills or ()] == [D("0.0105")] and pend.fills == ()
    assert ex.balance("a", "BTC") == (D(0), D("0.0105"))


def test_each_order_of_the_list_counts_in_max_num_orders() -> None:
    # rest-api.md, New Order List - OPO: "OPOs add 2 orders to the ... MAX_NUM_ORDERS filter".
    symbols = (make_symbol("BTCUSDT", "BTC", "USDT", max_num_orders=2),)
    ex = exchange({"USDT": D("10000")}, config=SimConfig(symbols=symbols))
    ex.place_order("a", limit(BUY, "0.001", "50000"))
    with pytest.raises(SimError) as err:
        ex.place_order_list("a", opo())
    assert (err.value.code, err.value.msg) == (-1013, "Filter failure: MAX_NUM_ORDERS")
    ex.cancel_open_orders("a", BTC)
    ex.place_order_list("a", opo())
    assert len(ex.open_orders("a")) == 2


def test_an_sor_order_filling_the_working_order_locks_what_it_received() -> None:
    # The working order rests on BTCUSDT; an SOR SELL submitted on BTCUSDC fills it as the
    # maker of an ordinary trade on its book (faqs/sor_faq.md): the received BTC is locked.
    config = default_markets()
    ex = exchange({"USDT": D("1000")}, fee=FEE, config=msgspec.structs.replace(
        config, maker_commission=FEE, taker_commission=FEE))  # fmt: skip
    ex.deposit("m", "USDC", D("1000000"))
    start = totals(ex)
    ex.place_order_list("a", opo())
    ex.place_sor_order("m", NewOrder(symbol="BTCUSDC", side=SELL, order_type=OrderType.MARKET,
                                     quantity=D("0.0105")))  # fmt: skip
    assert ex.balance("a", "BTC") == (D("0.0000095"), D("0.01048"))
    pend = ex.query_order("a", QueryOrder(symbol=BTC, orig_client_order_id="p"))
    assert (pend.status, pend.orig_qty) == (OrderStatus.NEW, D("0.01048"))
    assert totals(ex) == start


def test_the_orders_of_a_list_need_distinct_client_ids() -> None:
    # rest-api.md, New Order List - OPO / OTO: each client order id is an "Arbitrary unique
    # ID among open orders"; a list naming one id twice is a duplicate order (errors.md,
    # -2010 "Duplicate order sent."), and nothing is placed.
    ex = exchange({"USDT": D("1000")})
    twice = opo(ListLeg(order_type=OrderType.LIMIT_MAKER, side=SELL, price=D("61000"),
                        client_order_id="w"))  # fmt: skip
    pair = msgspec.structs.replace(
        opoco(), pending_below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("58000"),
                                       client_order_id="tp"))  # fmt: skip
    for request in (twice, pair):
        with pytest.raises(SimError) as err:
            ex.place_order_list("a", request)
        assert (err.value.code, err.value.msg) == (-2010, "Duplicate order sent.")
    assert ex.open_orders("a") == [] and ex.balance("a", "USDT") == (D("1000"), D(0))
    ex.place_order_list("a", opo())  # distinct ids: placed
    assert [o.client_order_id for o in ex.open_orders("a")] == ["w", "p"]
