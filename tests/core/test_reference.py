"""Issue 12, item 5: the inlined Engine/Order agree with the plain reference
(``tests/core/reference.py``) on random histories: the same outputs for every delivery and
the same order at every step, with duplicates, reordering, conflicts and REST answers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from oms.core.outputs import OrderAdopted

from .helpers import limit_order, new_engine, sent
from .payloads import Trade, ack, cancel_response, execution_report, history, w
from .reference import RefOrder, normalise

D = Decimal
_QTY = st.sampled_from([D("0.1"), D("0.2"), D("0.3"), D("0.5")])


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Decimal, list[Any]]:
    quantity = draw(st.sampled_from([D(1), D(2)]))
    trades: list[Trade] = []
    total = D(0)
    for i, qty in enumerate(draw(st.lists(_QTY, max_size=4))):
        if total + qty <= quantity:
            price = draw(st.sampled_from([D(99), D(100)]))
            asset = draw(st.sampled_from(["BNB", "BTC", "USDT"]))
            trades.append(Trade(10 + i, qty, price, D("0.001"), asset))
            total += qty
    if draw(st.booleans()) and total < quantity:  # the last trade completes the order
        trades.append(Trade(20, quantity - total, D(100)))
    final = draw(st.sampled_from(["CANCELED", "EXPIRED"]))
    full = draw(st.booleans())
    h = history(order_type="LIMIT", tif="GTC", qty=quantity, price=D(100), trades=trades,
                final=final, full=full)  # fmt: skip
    items: list[Any] = [*h.reports, h.answer, h.query, *h.trades, ack()]
    items.append(cancel_response(qty=w(quantity), executed=w(h.filled), status=h.final_status))
    # Contradictions and amends, seen or lost.
    common = {"c": "cid-1", "i": 1001, "q": w(quantity), "p": w(100)}
    odd = [
        execution_report(**{**common, "q": w(quantity + 1)}),  # a quantity never ours
        execution_report(
            **common, x="TRADE", X="PARTIALLY_FILLED", t=10, l=w("0.05"), L=w(100), z=w("0.05")
        ),  # a trade id seen otherwise
        execution_report(
            **common, x="TRADE", X="PARTIALLY_FILLED", t=99, l=w("0.1"), z=w("0.1")
        ),  # a trade at price zero
        execution_report(
            **common, x="TRADE", X="NEW", t=98, l=w("0.1"), L=w(100), z=w("0.1")
        ),  # a trade whose status says no trade
        execution_report(**common, z=w(quantity + 1)),  # z beyond the quantity
        execution_report(**{**common, "q": w(quantity - D("0.5"))}, x="REPLACED"),
        execution_report(
            **{**common, "q": w(quantity - D("0.5"))},
            x="TRADE",
            X="FILLED",
            t=97,
            l=w("0.5"),
            L=w(100),
            z=w(quantity - D("0.5")),
        ),
        execution_report(**common, x="EXPIRED", X="EXPIRED", eR="INSUFFICIENT_LIQUIDITY"),
    ]
    items += draw(st.lists(st.sampled_from(odd), max_size=3))
    order = draw(st.permutations(items))
    dups = draw(st.lists(st.tuples(st.integers(0, len(order)), st.sampled_from(items)),
                         max_size=6))  # fmt: skip
    for at, item in dups:
        order.insert(at, item)
    # Acknowledged first: before its ack, a report of another quantity is another order's
    # (tests/core/test_edge_cases.py), which the engine tracks apart.
    return quantity, [ack(), *order]


@settings(max_examples=300)
@given(_histories())
def test_the_engine_agrees_with_the_reference_on_random_histories(
    case: tuple[Decimal, list[Any]],
) -> None:
    quantity, deliveries = case
    engine = new_engine()
    order = limit_order(engine, qty=w(quantity))
    sent(engine, order)
    ref = RefOrder(quantity=quantity)
    for item in deliveries:
        got = [o for o in engine.apply(item) if not isinstance(o, OrderAdopted)]
        expected = ref.apply(item)
        assert normalise(got) == expected, item
        mine = (order.state, order.quantity, order.filled, order.cum_quote, order.executed_qty)
        theirs = (ref.state, ref.quantity, ref.filled, ref.cum_quote, ref.executed)
        assert mine == theirs, item
        assert order.needs_check == ref.needs_check, item
        assert bool(engine.take_checks()) == ref.needs_check
        ref.needs_check = False
    assert order.fees == ref.fees
    assert set(order.fills) == set(ref.fills)
    assert len(engine.orders()) == 1
