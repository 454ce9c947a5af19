"""Every (state, trigger) pair through the real engine: allowed edges move the order as the
table says; forbidden pairs leave it unchanged and say why."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import Output, ReportConflict
from oms.core.state import LOCAL_TRIGGERS, REPORTED_TRIGGERS, OrderState, next_state
from oms.errors import InvalidTransition

from .helpers import order_in, report, trade
from .payloads import w

D = Decimal
PAIRS = [(s, t) for s in OrderState for t in REPORTED_TRIGGERS]
LOCAL_PAIRS = [(s, t) for s in OrderState for t in LOCAL_TRIGGERS]


def status_report(order: Order, trigger: str) -> object:
    """A report whose status is ``trigger``; FILLED carries the fill that completes it."""
    if trigger == "FILLED":
        if order.filled == order.quantity:  # already filled: the same final trade again
            return trade(order, 1, "1", "FILLED", "1")
        rest = (order.quantity or D(0)) - order.filled
        return trade(order, 99, str(rest), "FILLED", "1")
    x = {
        "PENDING_NEW": "NEW",
        "PENDING_CANCEL": "NEW",
        "PARTIALLY_FILLED": "REPLACED",
        "EXPIRED_IN_MATCH": "TRADE_PREVENTION",
    }.get(trigger, trigger)
    return report(order, x=x, X=trigger, z=w(order.filled))


def snapshot(order: Order) -> tuple[object, ...]:
    return (order.state, order.filled, order.cum_quote, order.executed_qty, dict(order.fills))


@pytest.mark.parametrize(("state", "trigger"), PAIRS, ids=[f"{s.name}-{t}" for s, t in PAIRS])
def test_reported_status(state: OrderState, trigger: str) -> None:
    engine, order = order_in(state)
    expected = next_state(state, trigger)
    before = snapshot(order)
    out = engine.apply(status_report(order, trigger))  # type: ignore[arg-type]
    if expected is None:
        assert snapshot(order) == before
        conflicts = [o for o in out if isinstance(o, ReportConflict)]
        assert any(
            c.what == "status" and c.ours == state.name and c.theirs == trigger for c in conflicts
        )
        assert engine.take_checks() == [order]
    else:
        assert order.state is expected
        assert (order.state is OrderState.FILLED) == (order.filled == order.quantity)
        assert not any(isinstance(o, ReportConflict) for o in out)


def _local(engine: Engine, order: Order, trigger: str) -> Callable[[], object]:
    return {
        "send": lambda: engine.mark_sent(order),
        "send_unknown": lambda: engine.mark_unknown(order, "timeout"),
        "send_rejected": lambda: engine.mark_rejected(order, -2010, "refused"),
        "not_found": lambda: engine.mark_not_found(order),
        "request_cancel": lambda: engine.request_cancel(order),
        "cancel_rejected": lambda: engine.cancel_failed(order, -2011, "Unknown order sent."),
    }[trigger]


@pytest.mark.parametrize(
    ("state", "trigger"), LOCAL_PAIRS, ids=[f"{s.name}-{t}" for s, t in LOCAL_PAIRS]
)
def test_local_command(state: OrderState, trigger: str) -> None:
    engine, order = order_in(state)
    expected = next_state(state, trigger, has_fills=order.filled > 0)
    before = snapshot(order), order.reject_code, order.reject_msg
    command = _local(engine, order, trigger)
    if expected is None:
        with pytest.raises(InvalidTransition, match=f"{trigger} is not allowed .* {state.name}"):
            command()
        assert (snapshot(order), order.reject_code, order.reject_msg) == before
    else:
        result = command()
        assert order.state is expected
        if isinstance(result, list):
            outputs: list[Output] = result
            assert all(getattr(o, "state", expected) is expected for o in outputs)


def test_cancel_refused_goes_back_by_fills() -> None:
    engine, order = order_in(OrderState.NEW)
    engine.request_cancel(order)
    engine.cancel_failed(order, -2011, "Unknown order sent.")
    assert order.state is OrderState.NEW
    # -2011 on an order we think open: its closing report is probably in flight.
    assert engine.take_checks() == [order]
    engine, order = order_in(OrderState.CANCEL_REQUESTED)  # has a 0.4 fill
    engine.cancel_failed(order, -2011, "Unknown order sent.")
    assert order.state is OrderState.PARTIALLY_FILLED
