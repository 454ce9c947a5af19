"""Our own commands as events through ``Engine.apply``: each one's effect on the order, the
in-flight facts they carry, the decisions the core makes for the manager, and their shape
in the journal (the tag is the kind)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest

from oms.core.commands import (
    COMMAND_TYPES,
    CancelRefused,
    CancelRequested,
    CancelUnknown,
    Command,
    Intent,
    NotFound,
    SendRejected,
    SendUnknown,
    Sent,
)
from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import OrderRejected, OrderStateChanged, ReportIgnored
from oms.core.spec import OrderSpec
from oms.core.state import IN_DOUBT, OrderState
from oms.errors import DuplicateClientOrderId, InvalidTransition
from oms.wire.decoding import decode_body
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.rest import NewOrderResult, QueryOrderResponse

from .helpers import NOW, command, limit_order, new_engine, order_in, report, sent, trade
from .payloads import ack, answer_json, body, cancel_response, execution_report, query_json, w

D = Decimal
S = OrderState
SPEC = OrderSpec(
    symbol="BTCUSDT",
    side=Side.BUY,
    order_type=OrderType.LIMIT,
    quantity=D(1),
    price=D(100),
    time_in_force=TimeInForce.GTC,
    stop_price=D(99),
)


def query(order: Order, status: str, executed: str = "0", time: int = NOW + 50) -> Any:
    answer = answer_json(
        cid=order.client_order_id, order_id=1001, order_type="LIMIT", tif="GTC", side="BUY",
        qty=D(1), price=D(100), executed=D(executed), quote=D(executed) * 100, status=status,
        time=time, fills=None,
    )  # fmt: skip
    return decode_body(body(query_json(answer, update_time=time)), QueryOrderResponse)


def result(order: Order, status: str = "NEW") -> NewOrderResult:
    answer = answer_json(
        cid=order.client_order_id, order_id=1001, order_type="LIMIT", tif="GTC", side="BUY",
        qty=D(1), price=D(100), executed=D(0), quote=D(0), status=status, time=NOW + 10,
        fills=None,
    )  # fmt: skip
    return decode_body(body(answer), NewOrderResult)


# --- each command event ---------------------------------------------------------------


def test_intent_creates_the_order_holding_its_spec() -> None:
    engine = new_engine()
    out = engine.apply(Intent(client_order_id="a-1", at_ms=NOW - 7, spec=SPEC))
    order = engine.order("a-1")
    assert out == [] and order is not None and order.state is S.CREATED
    assert order.spec is SPEC and order.created_ms == NOW - 7
    # The spec's fields read through the order (the public API), new ones via ``spec``.
    assert (order.symbol, order.side, order.order_type) == ("BTCUSDT", Side.BUY, OrderType.LIMIT)
    assert (order.quantity, order.price, order.time_in_force) == (D(1), D(100), TimeInForce.GTC)
    assert order.quote_order_qty is None and order.spec.stop_price == D(99)
    # A second intent for the client id of an open order creates nothing.
    [ignored] = engine.apply(Intent(client_order_id="a-1", at_ms=NOW, spec=SPEC))
    assert isinstance(ignored, ReportIgnored) and engine.orders() == [order]


def test_new_intent_checks_before_anything_exists() -> None:
    engine = new_engine()
    intent = engine.new_intent(SPEC)
    assert intent.client_order_id == "t-1" and intent.at_ms == NOW and engine.orders() == []
    engine.apply(intent)
    with pytest.raises(DuplicateClientOrderId):
        engine.new_intent(SPEC, "t-1")
    assert len(engine.orders()) == 1


def test_sent_starts_a_send_in_flight_that_its_answer_ends() -> None:
    engine = new_engine()
    order = limit_order(engine)
    [changed] = command(engine, Sent, order, at_ms=NOW + 3)
    assert isinstance(changed, OrderStateChanged) and changed.state is S.PENDING_ACK
    assert order.send_in_flight and order.updated_ms == NOW + 3
    engine.apply(report(order))  # the stream's NEW beats the REST answer: still in flight
    assert order.state is S.NEW and order.send_in_flight
    engine.apply(result(order))
    assert not order.send_in_flight


def test_an_ack_ends_the_send_too() -> None:
    engine, order = order_in(S.PENDING_ACK)
    engine.apply(ack(order.client_order_id))
    assert order.state is S.NEW and not order.send_in_flight


def test_send_unknown_ends_the_send_and_leaves_the_order_in_doubt() -> None:
    engine, order = order_in(S.PENDING_ACK)
    [changed] = command(engine, SendUnknown, order, reason="timeout")
    assert isinstance(changed, OrderStateChanged) and "timeout" in changed.why
    assert order.state is S.UNKNOWN and order.in_doubt and not order.send_in_flight


def test_send_unknown_after_the_exchange_reported_ends_the_send_only() -> None:
    engine, order = order_in(S.PENDING_ACK)
    engine.apply(report(order))
    assert command(engine, SendUnknown, order, reason="timeout") == []
    assert order.state is S.NEW and not order.send_in_flight


def test_send_rejected_refuses_the_order_with_the_exchanges_reason() -> None:
    engine, order = order_in(S.PENDING_ACK)
    [rejected] = command(engine, SendRejected, order, code=-2010, msg="insufficient balance")
    assert isinstance(rejected, OrderRejected) and rejected.code == -2010
    assert order.state is S.REJECTED and (order.reject_code, order.reject_msg) == (
        -2010,
        "insufficient balance",
    )
    assert not order.send_in_flight and engine.open_orders() == []


def test_send_rejected_refused_by_the_state_still_ends_the_send() -> None:
    engine, order = order_in(S.PENDING_ACK)
    engine.apply(report(order))  # NEW: the exchange has it
    [ignored] = command(engine, SendRejected, order, code=-1000, msg="odd")
    assert isinstance(ignored, ReportIgnored) and "send_rejected is not allowed" in ignored.why
    assert order.state is S.NEW and order.reject_code is None and not order.send_in_flight


def test_not_found_declares_an_unknown_order_never_placed() -> None:
    engine, order = order_in(S.UNKNOWN)
    [rejected] = command(engine, NotFound, order)
    assert isinstance(rejected, OrderRejected) and rejected.code == -2013
    assert order.state is S.REJECTED and not order.in_doubt
    engine, order = order_in(S.PENDING_ACK)  # not UNKNOWN: refused, nothing changes
    [ignored] = command(engine, NotFound, order)
    assert isinstance(ignored, ReportIgnored) and order.state is S.PENDING_ACK


def test_cancel_requested_starts_a_cancel_in_flight_that_its_answer_ends() -> None:
    engine, order = order_in(S.NEW)
    request = engine.cancel_request(order)
    assert (request.symbol, request.order_id) == ("BTCUSDT", 1001)
    [changed] = command(engine, CancelRequested, order)
    assert changed.state is S.CANCEL_REQUESTED and order.cancel_in_flight  # type: ignore[union-attr]
    engine.apply(cancel_response(cid=order.client_order_id))
    assert order.state is S.CANCELED and not order.cancel_in_flight


def test_cancel_unknown_ends_the_cancel_and_keeps_the_state() -> None:
    engine, order = order_in(S.NEW)
    command(engine, CancelRequested, order)
    assert command(engine, CancelUnknown, order, reason="timeout") == []
    assert order.state is S.CANCEL_REQUESTED and not order.cancel_in_flight


def test_cancel_refused_goes_back_to_open_and_asks_for_a_check() -> None:
    engine, order = order_in(S.NEW)
    command(engine, CancelRequested, order)
    [changed] = command(engine, CancelRefused, order, code=-2011, msg="Unknown order sent.")
    assert isinstance(changed, OrderStateChanged) and changed.state is S.NEW
    assert not order.cancel_in_flight and engine.take_checks() == [order]


def test_cancel_request_of_an_order_not_open_on_the_exchange_raises() -> None:
    for state in (S.CREATED, S.PENDING_ACK, S.UNKNOWN, S.FILLED, S.CANCELED):
        engine, order = order_in(state)
        with pytest.raises(InvalidTransition):
            engine.cancel_request(order)
        assert not order.cancellable and order.state is state


def test_a_command_for_an_untracked_order_is_ignored() -> None:
    [ignored] = new_engine().apply(Sent(client_order_id="nobody", at_ms=NOW))
    assert isinstance(ignored, ReportIgnored) and ignored.key == "nobody"


# --- decisions the core makes for the manager -----------------------------------------


def test_in_doubt_is_the_core_states_before_the_exchanges_word() -> None:
    assert {state for state in S if order_in(state)[1].in_doubt} == IN_DOUBT
    assert {S.CREATED, S.PENDING_ACK, S.UNKNOWN} == IN_DOUBT


def test_a_query_finding_open_an_order_whose_cancel_is_over_takes_it_back() -> None:
    engine, order = order_in(S.NEW)
    command(engine, CancelRequested, order)
    engine.apply(query(order, "NEW"))  # the cancel is still awaited: nothing to conclude
    assert order.state is S.CANCEL_REQUESTED and engine.take_checks() == []
    command(engine, CancelUnknown, order, reason="timeout")
    out = engine.apply(query(order, "NEW", time=NOW + 60))
    assert order.state is S.NEW
    assert any(isinstance(o, OrderStateChanged) and "not in effect" in o.why for o in out)
    assert engine.take_checks() == [order]


def test_a_query_finding_it_canceled_needs_no_correction() -> None:
    engine, order = order_in(S.NEW)
    command(engine, CancelRequested, order)
    command(engine, CancelUnknown, order)
    engine.apply(query(order, "CANCELED"))
    assert order.state is S.CANCELED


def test_cancel_all_targets_are_the_working_orders_of_the_symbol() -> None:
    engine = new_engine()

    def working(cid: str, order_id: int) -> Order:
        order = limit_order(engine, cid)
        sent(engine, order)
        engine.apply(report(order, i=order_id))
        return order

    new, partial, cancelling = working("n", 1), working("p", 2), working("c", 3)
    engine.apply(trade(partial, 5, "0.4", "PARTIALLY_FILLED", "0.4", i=2))
    command(engine, CancelRequested, cancelling)
    sent(engine, limit_order(engine, "in-doubt"))
    assert partial.state is S.PARTIALLY_FILLED and cancelling.state is S.CANCEL_REQUESTED
    assert set(engine.cancel_all_targets("BTCUSDT")) == {new, partial}
    assert engine.cancel_all_targets("ETHBTC") == []


def test_interrupted_ends_what_a_restart_leaves_unanswered() -> None:
    engine = new_engine()
    created = limit_order(engine, "c-created")
    sending = limit_order(engine, "c-sending")
    sent(engine, sending)
    cancelling = limit_order(engine, "c-cancelling")
    sent(engine, cancelling)
    engine.apply(report(cancelling, i=77))
    engine.apply(ack(cancelling.client_order_id, order_id=77))
    command(engine, CancelRequested, cancelling)
    quiet = limit_order(engine, "c-quiet")
    sent(engine, quiet)
    engine.apply(ack(quiet.client_order_id, order_id=78))
    commands = engine.interrupted(NOW + 99)
    assert {(type(c), c.client_order_id) for c in commands} == {
        (SendUnknown, "c-created"),
        (SendUnknown, "c-sending"),
        (CancelUnknown, "c-cancelling"),
    }
    assert all(c.at_ms == NOW + 99 for c in commands)
    for c in commands:
        engine.apply(c)
    assert created.state is S.UNKNOWN and sending.state is S.UNKNOWN
    assert cancelling.state is S.CANCEL_REQUESTED and not cancelling.cancel_in_flight
    assert not any(o.send_in_flight or o.cancel_in_flight for o in engine.orders())
    assert engine.interrupted(NOW + 100) == []


# --- their shape --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", COMMAND_TYPES, ids=lambda k: k.__name__)
def test_a_command_encodes_once_with_its_type_name_as_tag(kind: type[Command]) -> None:
    fields: dict[str, Any] = {"spec": SPEC} if kind is Intent else {}
    event = kind(client_order_id="c-1", at_ms=NOW, **fields)
    raw = msgspec.json.encode(event)
    assert msgspec.json.decode(raw)["kind"] == kind.__name__
    assert msgspec.json.decode(raw, type=kind) == event
    union: Any = COMMAND_TYPES[0]
    for other in COMMAND_TYPES[1:]:
        union = union | other
    assert msgspec.json.decode(raw, type=union) == event  # the tag picks the type
    with pytest.raises(AttributeError):
        event.at_ms = 0  # type: ignore[misc]  # frozen


def test_engine_apply_dispatches_every_command_type() -> None:
    engine: Engine = new_engine()
    for kind in COMMAND_TYPES:
        assert kind in engine._handlers


def test_an_order_adopted_from_a_stop_report_keeps_what_the_report_states() -> None:
    engine = new_engine()
    out = engine.apply(
        execution_report(
            c="elsewhere", i=5, o="STOP_LOSS_LIMIT", P=w("99.5"), F=w(0), d=150, j=7, J=1000000
        )
    )
    adopted = engine.order("elsewhere")
    assert adopted is not None and "OrderAdopted" in [type(o).__name__ for o in out]
    assert adopted.spec.order_type is OrderType.STOP_LOSS_LIMIT
    assert (adopted.spec.stop_price, adopted.spec.trailing_delta) == (D("99.5"), 150)
    assert adopted.spec.iceberg_qty is None  # zero: Binance's "not set"
    assert (adopted.spec.strategy_id, adopted.spec.strategy_type) == (7, 1000000)
    assert adopted.price == D(100) and adopted.quote_order_qty is None
