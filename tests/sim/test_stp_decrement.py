"""Self-trade prevention DECREMENT and TRANSFER on the simulated exchange (faqs/stp_faq.md,
DECREMENT, TRANSFER, Scenarios G and H, Trade Group Id)."""

from __future__ import annotations

from oms.testing.sim import BTC, START, limit, make_exchange, market
from oms.wire.enums import ExecutionType, OrderStatus, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import QueryOrder
from oms.wire.rest import NewOrderFull
from transports.sim.exchange import SimExchange

from .support import D, assets_conserved, reports

BUY, SELL = Side.BUY, Side.SELL
DEC = SelfTradePreventionMode.DECREMENT
TRANSFER = SelfTradePreventionMode.TRANSFER


def _prevented(ex: SimExchange, account: str) -> list[tuple[int, str, str, D, D, D]]:
    return [
        (
            e.order_id,
            e.status,
            str(e.prevented_match_id),
            e.prevented_quantity,
            e.last_prevented_quantity,
            e.prevented_execution_quantity,
        )
        for e in reports(ex.drain_events(account))
        if e.execution_type is ExecutionType.TRADE_PREVENTION
    ]


def test_scenario_g_taker_smaller_expires_maker_decremented() -> None:
    ex, _ = make_exchange("a")
    maker = ex.place_order("a", limit(BUY, "0.6", "60000"))
    assert isinstance(maker, NewOrderFull)
    ex.drain_events("a")
    taker = ex.place_order("a", limit(SELL, "0.2", "60000", stp=DEC))
    assert isinstance(taker, NewOrderFull)
    assert taker.status is OrderStatus.EXPIRED_IN_MATCH and taker.fills == ()
    assert (taker.prevented_match_id, taker.prevented_quantity) == (1, D("0.2"))
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=maker.order_id))
    assert q.status is OrderStatus.NEW and q.executed_qty == D("0")
    assert (q.prevented_match_id, q.prevented_quantity) == (1, D("0.2"))
    # The maker shows and locks only what is still available: 0.6 - 0.2.
    assert ex.book(BTC) == ([(D("60000"), D("0.4"))], [])
    assert ex.balance("a", "USDT")[1] == D("24000")
    assert ex.balance("a", "BTC") == (START["BTC"], D("0"))
    assert _prevented(ex, "a") == [
        (maker.order_id, "NEW", "1", D("0.2"), D("0.2"), D("0.2")),
        (taker.order_id, "EXPIRED_IN_MATCH", "1", D("0.2"), D("0.2"), D("0.2")),
    ]
    [record] = ex.prevented_matches("a", BTC)
    assert record["selfTradePreventionMode"] == "DECREMENT"
    assert record["takerPreventedQuantity"] == D("0.2")
    assert record["makerPreventedQuantity"] == D("0.2")
    assets_conserved(ex, START)


def test_maker_smaller_expires_and_taker_goes_on_matching() -> None:
    ex, _ = make_exchange("a", "b")
    own = ex.place_order("a", limit(SELL, "0.1", "60000"))
    other = ex.place_order("b", limit(SELL, "0.1", "60000"))  # behind a's order in time
    assert isinstance(own, NewOrderFull) and isinstance(other, NewOrderFull)
    ex.drain_events("a")
    r = ex.place_order("a", limit(BUY, "0.3", "60000", stp=DEC))
    assert isinstance(r, NewOrderFull)
    # 0.1 prevented with its own order (which expires), 0.1 traded with b, 0.1 rests.
    assert [f.qty for f in r.fills] == [D("0.1")]
    assert r.status is OrderStatus.PARTIALLY_FILLED and r.prevented_quantity == D("0.1")
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=own.order_id))
    assert q.status is OrderStatus.EXPIRED_IN_MATCH and q.prevented_quantity == D("0.1")
    assert ex.book(BTC) == ([(D("60000"), D("0.1"))], [])
    # Only the resting 0.1 stays locked (0.1 traded, 0.1 prevented).
    assert ex.balance("a", "USDT")[1] == D("6000")
    # Its last 0.1 trading makes it FILLED (available quantity zero; executedQty 0.2 of 0.3).
    ex.place_order("b", limit(SELL, "0.1", "60000"))
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=r.order_id))
    assert (q.status, q.executed_qty, q.prevented_quantity) == ("FILLED", D("0.2"), D("0.1"))
    assert ex.balance("a", "USDT")[1] == D("0")
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})


def test_equal_quantities_expire_both() -> None:
    ex, _ = make_exchange("a")
    maker = ex.place_order("a", limit(SELL, "0.1", "60000"))
    assert isinstance(maker, NewOrderFull)
    ex.drain_events("a")
    r = ex.place_order("a", limit(BUY, "0.1", "60000", stp=DEC, tif=TimeInForce.IOC))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.EXPIRED_IN_MATCH
    q = ex.query_order("a", QueryOrder(symbol=BTC, order_id=maker.order_id))
    assert q.status is OrderStatus.EXPIRED_IN_MATCH
    assert [p[1] for p in _prevented(ex, "a")] == ["EXPIRED_IN_MATCH", "EXPIRED_IN_MATCH"]
    assert ex.book(BTC) == ([], [])
    assert ex.balance("a", "USDT") == (START["USDT"], D("0"))
    assert ex.balance("a", "BTC") == (START["BTC"], D("0"))


def test_market_buy_walks_past_its_own_order() -> None:
    ex, _ = make_exchange("a", "b")
    ex.place_order("a", limit(SELL, "0.1", "60000"))
    ex.place_order("b", limit(SELL, "0.2", "60100"))
    r = ex.place_order("a", market(BUY, "0.2", stp=DEC))
    assert isinstance(r, NewOrderFull)
    # 0.1 prevented against its own order, then 0.1 bought from b: nothing left, FILLED.
    assert [(f.qty, f.price) for f in r.fills] == [(D("0.1"), D("60100"))]
    assert r.status is OrderStatus.FILLED and r.prevented_quantity == D("0.1")
    assert ex.balance("a", "USDT") == (START["USDT"] - D("6010"), D("0"))
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})


def test_decrement_and_transfer_are_advertised() -> None:
    ex, _ = make_exchange("a")
    modes = ex.exchange_info([BTC]).symbols[0].allowed_self_trade_prevention_modes
    assert "DECREMENT" in modes and "TRANSFER" in modes


def _group(*accounts: str) -> SimExchange:
    ex, _ = make_exchange(*accounts)
    for name in accounts:
        ex.set_trade_group(name, 1)
    return ex


def test_scenario_h_transfer_moves_the_prevented_quantity_and_notional() -> None:
    ex = _group("m", "t")
    maker = ex.place_order("m", limit(BUY, "0.6", "60000", stp=TRANSFER))
    assert isinstance(maker, NewOrderFull)
    r = ex.place_order("t", limit(SELL, "0.2", "60000", stp=TRANSFER))
    assert isinstance(r, NewOrderFull)
    assert r.status is OrderStatus.EXPIRED_IN_MATCH and r.fills == ()
    assert r.prevented_quantity == D("0.2")
    q = ex.query_order("m", QueryOrder(symbol=BTC, order_id=maker.order_id))
    assert (q.status, q.executed_qty, q.prevented_quantity) == ("NEW", D("0"), D("0.2"))
    # Maker (buyer): +0.2 BTC, paid 12000 out of its lock; 0.4 * 60000 stays locked.
    assert ex.balance("m", "BTC") == (START["BTC"] + D("0.2"), D("0"))
    assert ex.balance("m", "USDT") == (START["USDT"] - D("36000"), D("24000"))
    # Taker (seller): -0.2 BTC, +12000 USDT, nothing locked.
    assert ex.balance("t", "BTC") == (START["BTC"] - D("0.2"), D("0"))
    assert ex.balance("t", "USDT") == (START["USDT"] + D("12000"), D("0"))
    for account, order_id in (("t", r.order_id), ("m", maker.order_id)):
        [e] = [
            e
            for e in reports(ex.drain_events(account))
            if e.execution_type is ExecutionType.TRADE_PREVENTION
        ]
        assert e.order_id == order_id and e.trade_group_id == 1
        assert (e.prevented_quantity, e.last_prevented_quantity) == (D("0.2"), D("0.2"))
    [record] = ex.prevented_matches("m", BTC)
    assert record == ex.prevented_matches("t", BTC)[0]
    assert record["selfTradePreventionMode"] == "TRANSFER" and record["tradeGroupId"] == 1
    assert record["takerPreventedQuantity"] == record["makerPreventedQuantity"] == D("0.2")
    assert ex.my_trades("m", BTC) == [] and ex.my_trades("t", BTC) == []
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})


def test_transfer_against_a_non_transfer_maker_is_decrement() -> None:
    ex = _group("m", "t")
    ex.place_order("m", limit(BUY, "0.6", "60000", stp=SelfTradePreventionMode.NONE))
    r = ex.place_order("t", limit(SELL, "0.2", "60000", stp=TRANSFER))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.EXPIRED_IN_MATCH
    assert ex.balance("t", "BTC") == (START["BTC"], D("0"))
    assert ex.balance("m", "USDT") == (START["USDT"] - D("24000"), D("24000"))
    [record] = ex.prevented_matches("t", BTC)
    assert record["selfTradePreventionMode"] == "DECREMENT"


def test_transfer_within_one_account_is_decrement() -> None:
    ex, _ = make_exchange("a")
    ex.place_order("a", limit(BUY, "0.6", "60000", stp=TRANSFER))
    r = ex.place_order("a", limit(SELL, "0.2", "60000", stp=TRANSFER))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.EXPIRED_IN_MATCH
    assert ex.balance("a", "BTC") == (START["BTC"], D("0"))
    assert ex.balance("a", "USDT") == (START["USDT"] - D("24000"), D("24000"))
    [record] = ex.prevented_matches("a", BTC)
    assert record["selfTradePreventionMode"] == "TRANSFER" and record["tradeGroupId"] == -1


def test_accounts_without_a_group_trade_with_each_other() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(BUY, "0.6", "60000", stp=TRANSFER))
    r = ex.place_order("t", limit(SELL, "0.2", "60000", stp=DEC))
    assert isinstance(r, NewOrderFull) and r.status is OrderStatus.FILLED
    assert ex.prevented_matches("t", BTC) == []


def test_group_member_market_buy_transfer_is_locked_for() -> None:
    ex = _group("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000", stp=TRANSFER))
    ex.place_order("m", limit(SELL, "0.2", "60100", stp=TRANSFER))
    r = ex.place_order("t", market(BUY, "0.2", stp=TRANSFER))
    assert isinstance(r, NewOrderFull)
    # Both of m's orders are the group's: 0.1 + 0.1 transferred, nothing traded.
    assert r.fills == () and r.status is OrderStatus.EXPIRED_IN_MATCH
    assert ex.balance("t", "BTC") == (START["BTC"] + D("0.2"), D("0"))
    assert ex.balance("t", "USDT") == (START["USDT"] - D("12010"), D("0"))
    assets_conserved(ex, {a: 2 * v for a, v in START.items()})
