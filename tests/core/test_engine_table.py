"""Every (state, trigger) pair through the real engine: allowed edges move the order as the
table says; forbidden pairs leave it unchanged and say why."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from oms.core.commands import (
    CancelRefused,
    CancelRequested,
    Command,
    NotFound,
    SendRejected,
    SendUnknown,
    Sent,
)
from oms.core.order import Order
from oms.core.outputs import ReportConflict, ReportIgnored
from oms.core.state import LOCAL_TRIGGERS, REPORTED_TRIGGERS, OrderState, next_state
from oms.errors import InvalidTransition

from .helpers import NOW, command, order_in, report, trade
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


# Each local trigger's command event (``Command.trigger`` names it).
COMMANDS: dict[str, tuple[type[Command], dict[str, object]]] = {
    "send": (Sent, {}),
    "send_unknown": (SendUnknown, {"reason": "timeout"}),
    "send_rejected": (SendRejected, {"code": -2010, "msg": "refused"}),
    "not_found": (NotFound, {}),
    "request_cancel": (CancelRequested, {}),
    "cancel_rejected": (CancelRefused, {"code": -2011, "msg": "Unknown order sent."}),
}


def test_every_local_trigger_has_its_command_event() -> None:
    assert {kind.trigger for kind, _ in COMMANDS.values()} == set(LOCAL_TRIGGERS)
    assert all(kind.trigger == trigger for trigger, (kind, _) in COMMANDS.items())


@pytest.mark.parametrize(
    ("state", "trigger"), LOCAL_PAIRS, ids=[f"{s.name}-{t}" for s, t in LOCAL_PAIRS]
)
def test_local_command(state: OrderState, trigger: str) -> None:
    """Each command event through ``Engine.apply``: an allowed one moves the order as the
    table says; a refused one changes nothing, says why, and never raises."""
    engine, order = order_in(state)
    expected = next_state(state, trigger, has_fills=order.filled > 0)
    before = snapshot(order), order.reject_code, order.reject_msg
    kind, fields = COMMANDS[trigger]
    out = command(engine, kind, order, at_ms=NOW + 5, **fields)
    if expected is None:
        assert (snapshot(order), order.reject_code, order.reject_msg) == before
        [ignored] = out
        assert isinstance(ignored, ReportIgnored) and not ignored.duplicate
        assert re.search(f"{trigger} is not allowed .* {state.name}", ignored.why)
    else:
        assert order.state is expected
        assert all(getattr(o, "state", expected) is expected for o in out)
        assert order.updated_ms == (NOW + 5 if out else before_updated(state))
    if trigger == "request_cancel":
        # The core decides which orders may be cancelled before anything is sent.
        if expected is None:
            with pytest.raises(
                InvalidTransition, match=f"{trigger} is not allowed .* {state.name}"
            ):
                engine.cancel_request(order)
        else:
            cancel = engine.cancel_request(order)
            assert (cancel.order_id, cancel.orig_client_order_id) == (order.order_id, None)


def before_updated(state: OrderState) -> int:
    return order_in(state)[1].updated_ms


def test_cancel_refused_goes_back_by_fills() -> None:
    engine, order = order_in(OrderState.NEW)
    command(engine, CancelRequested, order)
    command(engine, CancelRefused, order, code=-2011, msg="Unknown order sent.")
    assert order.state is OrderState.NEW
    # -2011 on an order we think open: its closing report is probably in flight.
    assert engine.take_checks() == [order]
    engine, order = order_in(OrderState.CANCEL_REQUESTED)  # has a 0.4 fill
    command(engine, CancelRefused, order, code=-2011, msg="Unknown order sent.")
    assert order.state is OrderState.PARTIALLY_FILLED
