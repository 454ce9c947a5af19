"""Order-list lifecycles under delivery faults, checked against the simulated exchange.

An OCO or an OTOCO bracket runs on the simulated exchange while the market moves (replayed
trades) and other traders take liquidity; its events reach an engine late, duplicated,
reordered or not at all, with or without the REST answer. After reconciliation (the same
queries the order manager makes after a gap: each leg, its trades, the list by its client id)
the engine agrees with the exchange on every leg and on the list: zero discrepancies.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.list_engine import settled_but_open
from oms.core.list_state import ListState
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.testing.sim import BTC, limit, make_exchange
from oms.wire.enums import ContingencyType, ListOrderStatus, OrderType, Side, TimeInForce
from oms.wire.orderlists import ListLeg, NewOco, NewOtoco, QueryOrderList
from oms.wire.requests import QueryOrder
from transports.sim.trade_replay import PublicTrade, TradeReplay

from .support import D

BUY, SELL, GTC = Side.BUY, Side.SELL, TimeInForce.GTC
Q = D("0.1")

ENTRY = OrderSpec(symbol=BTC, side=BUY, order_type=OrderType.LIMIT, quantity=Q,
                  price=D("59800"), time_in_force=GTC)  # fmt: skip
TP = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.LIMIT_MAKER, quantity=Q,
               price=D("61000"))  # fmt: skip
SL = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.STOP_LOSS, quantity=Q,
               stop_price=D("59000"))  # fmt: skip
TSL = OrderSpec(symbol=BTC, side=SELL, order_type=OrderType.STOP_LOSS_LIMIT, quantity=Q,
                price=D("58000"), trailing_delta=100, time_in_force=GTC)  # fmt: skip


def _leg(spec: OrderSpec, cid: str) -> ListLeg:
    return ListLeg(order_type=spec.order_type, client_order_id=cid, price=spec.price,
                   stop_price=spec.stop_price, trailing_delta=spec.trailing_delta,
                   time_in_force=spec.time_in_force)  # fmt: skip


def _request(kind: str, stop: OrderSpec) -> tuple[Any, list[tuple[OrderSpec, str]]]:
    if kind == "OCO":
        legs = [(TP, "tp"), (stop, "sl")]
        return NewOco(symbol=BTC, side=SELL, quantity=Q, list_client_order_id="L",
                      above=_leg(TP, "tp"), below=_leg(stop, "sl")), legs  # fmt: skip
    legs = [(ENTRY, "entry"), (TP, "tp"), (stop, "sl")]
    working = ListLeg(order_type=OrderType.LIMIT, side=BUY, quantity=Q, price=ENTRY.price,
                      time_in_force=GTC, client_order_id="entry")  # fmt: skip
    return NewOtoco(symbol=BTC, list_client_order_id="L", working=working, pending_side=SELL,
                    pending_quantity=Q, pending_above=_leg(TP, "tp"),
                    pending_below=_leg(stop, "sl")), legs  # fmt: skip


def _trade(ex: Any, price: Decimal, n: int) -> None:
    trade = PublicTrade(id=n, price=price, qty=D("0.02"), quote_qty=price * D("0.02"), time=0,
                        is_buyer_maker=n % 2 == 0, is_best_match=True)  # fmt: skip
    TradeReplay(ex, BTC, [trade]).step()


PRICES = st.lists(st.integers(min_value=57500, max_value=61500).map(D), min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["OCO", "OTOCO"]),
    trailing=st.booleans(),
    prices=PRICES,
    taker=st.booleans(),
    with_answer=st.booleans(),
    data=st.data(),
)
def test_list_lifecycle_under_delivery_faults(
    kind: str,
    trailing: bool,
    prices: list[Decimal],
    taker: bool,
    with_answer: bool,
    data: st.DataObject,
) -> None:
    ex, _ = make_exchange("a", "t")
    request, legs = _request(kind, TSL if trailing else SL)
    engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds("e-"))
    contingency = ContingencyType.OCO if kind == "OCO" else ContingencyType.OTO
    lst, orders = engine.create_list(contingency, legs, "L")
    engine.mark_list_sent(lst)
    answer = ex.place_order_list("a", request)
    for n, price in enumerate(prices):
        _trade(ex, price, n)
        if taker and n == len(prices) // 2:
            ex.place_order("t", limit(BUY, "0.1", "61000"))
    events = ex.drain_events("a")
    # Faults: a permutation (late and reordered), duplicates, and losses.
    delivered = list(data.draw(st.permutations(events)))
    lost = data.draw(st.sets(st.integers(0, max(len(delivered) - 1, 0)), max_size=3))
    delivered = [e for i, e in enumerate(delivered) if i not in lost]
    delivered += data.draw(st.lists(st.sampled_from(events), max_size=3)) if events else []
    if with_answer:
        delivered.insert(data.draw(st.integers(0, len(delivered))), answer)
    for event in delivered:
        engine.apply(event)
    # Reconcile as after a gap: every leg, its trades, then the list by its client id.
    for order in orders:
        truth = ex.query_order(
            "a", QueryOrder(symbol=BTC, orig_client_order_id=order.client_order_id)
        )
        for row in ex.my_trades("a", BTC, order_id=truth.order_id):
            engine.apply(row)
        engine.apply(truth)
    engine.apply(ex.query_order_list("a", QueryOrderList(list_client_order_id="L")))
    # Zero discrepancies.
    for order in orders:
        truth = ex.query_order(
            "a", QueryOrder(symbol=BTC, orig_client_order_id=order.client_order_id)
        )
        assert order.state.value == truth.status.value, (order, truth.status)
        assert order.filled == truth.executed_qty, order
    sim_list = ex.query_order_list("a", QueryOrderList(list_client_order_id="L"))
    expected = (
        ListState.ALL_DONE
        if sim_list.list_order_status is ListOrderStatus.ALL_DONE
        else ListState.EXECUTING
    )
    assert lst.state is expected
    assert settled_but_open(engine) == []
    if kind == "OCO" and lst.state is ListState.ALL_DONE:
        # One leg went on (or both ended): never both working.
        assert sum(o.state in (OrderState.NEW, OrderState.PARTIALLY_FILLED) for o in orders) <= 1
