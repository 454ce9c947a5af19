"""Real order histories delivered in any order, duplicated and partly lost (hypothesis).

Once every report has arrived at least once (the lost ones late, or replaced by what a
reconciliation fetches: the order query and myTrades), the order ends in the true state
with the true quantities and fees; the invariants hold after every single delivery.
"""

# mypy: disable-error-code="comparison-overlap"
from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import ReportConflict
from oms.core.state import OrderState
from oms.wire.enums import OrderType, Side, TimeInForce

from .helpers import create, new_engine, sent
from .payloads import History, Trade, cancel_response, history

D = Decimal
S = OrderState


class Case(NamedTuple):
    history: History
    order_type: OrderType
    tif: TimeInForce
    quantity: Decimal
    extra: list[object]  # answers besides the reports (REST), delivered like them


def _limit_canceled() -> Case:
    h = history(
        order_type="LIMIT",
        tif="GTC",
        qty=D(1),
        price=D(100),
        final="CANCELED",
        trades=[Trade(11, D("0.3"), D(100)), Trade(12, D("0.2"), D(100), D("0.002"))],
    )
    # A resting LIMIT's FULL answer says NEW with no fills; our cancel's answer comes later.
    placed = history(order_type="LIMIT", tif="GTC", qty=D(1), price=D(100), final="NEW", trades=[])
    extra: list[object] = [placed.answer, cancel_response(executed="0.5")]
    return Case(h, OrderType.LIMIT, TimeInForce.GTC, D(1), extra)


def _market_filled() -> Case:
    h = history(
        order_type="MARKET",
        tif="GTC",
        qty=D("0.9"),
        price=D(0),
        final="FILLED",
        trades=[
            Trade(21, D("0.2"), D(100)),
            Trade(22, D("0.3"), D("100.5")),
            Trade(23, D("0.4"), D(101), D("0.0004"), "BTC", True),
        ],
    )
    return Case(h, OrderType.MARKET, TimeInForce.GTC, D("0.9"), [h.answer])


def _ioc_expired() -> Case:
    h = history(
        order_type="LIMIT",
        tif="IOC",
        qty=D(2),
        price=D(50),
        final="EXPIRED",
        expiry_reason="UNFILLED_IOC_QUANTITY_EXPIRED",
        trades=[Trade(31, D("0.5"), D(50)), Trade(32, D("0.25"), D(49))],
    )
    return Case(h, OrderType.LIMIT, TimeInForce.IOC, D(2), [h.answer])


def _stp_expired_in_match() -> Case:
    stp = {
        "v": 7,
        "A": "0.60000000",
        "B": "0.60000000",
        "u": 1,
        "U": 555,
        "Cs": "BTCUSDT",
        "pl": "0.60000000",
        "pL": "100.00000000",
        "pY": "60.00000000",
        "V": "EXPIRE_TAKER",
    }
    h = history(
        order_type="LIMIT",
        tif="GTC",
        qty=D(1),
        price=D(100),
        final="EXPIRED_IN_MATCH",
        final_x="TRADE_PREVENTION",
        trades=[Trade(41, D("0.4"), D(100))],
        extra=stp,
    )
    return Case(h, OrderType.LIMIT, TimeInForce.GTC, D(1), [h.answer])


CASES = {
    "limit-partial-canceled": _limit_canceled,
    "market-several-trades": _market_filled,
    "ioc-partial-expired": _ioc_expired,
    "stp-expired-in-match": _stp_expired_in_match,
}  # fmt: skip


Step = tuple[Decimal, Decimal, Decimal, OrderState]


def check_invariants(order: Order, seen: list[Step]) -> None:
    quantity = order.quantity
    assert quantity is not None
    assert D(0) <= order.filled <= quantity
    assert (order.state is S.FILLED) == (order.filled == quantity)
    assert sum((f.quantity for f in order.fills.values()), D(0)) == order.filled
    assert sum((f.quote_quantity for f in order.fills.values()), D(0)) == order.cum_quote
    now = (order.filled, order.cum_quote, order.executed_qty)
    if seen:
        before = seen[-1]
        assert all(a <= b for a, b in zip(before[:3], now, strict=True)), "a sum went down"
        if seen[-1][3] in (S.FILLED, S.CANCELED, S.EXPIRED, S.EXPIRED_IN_MATCH, S.REJECTED):
            assert order.state is seen[-1][3], "a terminal state was left"
    seen.append((*now, order.state))


def place(engine: Engine, case: Case) -> Order:
    order = create(
        engine, case.history.client_order_id, symbol="BTCUSDT", side=Side.BUY,
        order_type=case.order_type, quantity=case.quantity,
        price=None if case.order_type is OrderType.MARKET else case.history.answer.price,
        time_in_force=case.tif,
    )  # fmt: skip
    sent(engine, order)
    return order


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_any_delivery_ends_in_the_truth(name: str, data: st.DataObject) -> None:
    case = CASES[name]()
    h = case.history
    items: list[object] = [*h.reports, *case.extra]
    copies = data.draw(st.lists(st.integers(1, 3), min_size=len(items), max_size=len(items)))
    lost = data.draw(st.sets(st.sampled_from(range(len(items)))), label="lost")
    reconcile = data.draw(st.booleans(), label="lost ones replaced by reconciliation")
    # Every copy of every report that is not lost, in any order: duplicates anywhere.
    sent = [i for i in range(len(items)) if i not in lost for _ in range(copies[i])]
    order_of_delivery = data.draw(st.permutations(sent), label="deliveries")
    late_order = data.draw(st.permutations(sorted(lost)), label="late ones, in any order")

    engine = new_engine()
    order = place(engine, case)
    seen: list[Step] = []
    deliveries = [items[i] for i in order_of_delivery]
    late = [items[i] for i in late_order]
    if reconcile and late:
        late = [h.query, *h.trades]  # what the manager fetches for a check
    for item in deliveries + late:
        out = engine.apply(item)  # type: ignore[arg-type]
        assert not [o for o in out if isinstance(o, ReportConflict)], out
        check_invariants(order, seen)

    assert order.state is OrderState(h.final_status)
    assert (order.filled, order.cum_quote, order.fees) == (h.filled, h.cum_quote, h.fees)
    assert order.executed_qty == h.filled and not order.awaiting_fills
