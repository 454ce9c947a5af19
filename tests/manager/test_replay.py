"""Journal round trip: command events and reports applied through the dispatcher's one path,
the journal closed and reopened, and a fresh engine replayed from it (decode-and-apply)
holds exactly the same state, in-flight facts included."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from oms.core.commands import (
    CancelRefused,
    CancelRequested,
    CancelUnknown,
    NotFound,
    SendRejected,
    SendUnknown,
    Sent,
)
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.order import Order
from oms.core.positions import PositionBook
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.runtime.dispatch import Dispatcher
from oms.runtime.journal import Journal
from oms.runtime.metrics import Metrics
from oms.runtime.recovery import replay_journal
from oms.wire.enums import OrderType, Side, TimeInForce
from tests.core.helpers import Clock, report, trade
from tests.core.payloads import cancel_response

D = Decimal
S = OrderState


def dispatcher(journal: Journal, clock: Clock) -> Dispatcher:
    engine = Engine(clock=clock, new_client_order_id=SequentialIds("r-"))
    return Dispatcher(
        engine, journal, metrics=Metrics(), positions=PositionBook(), rules={}, clock=clock
    )


def snapshot(order: Order) -> tuple[object, ...]:
    return (
        order.client_order_id,
        order.spec,
        order.state,
        order.order_id,
        order.quantity,
        order.filled,
        order.cum_quote,
        order.executed_qty,
        dict(order.fills),
        order.created_ms,
        order.updated_ms,
        order.reject_code,
        order.reject_msg,
        order.send_in_flight,
        order.cancel_in_flight,
    )


def state(engine: Engine) -> dict[str, tuple[object, ...]]:
    return {o.client_order_id: snapshot(o) for o in engine.orders()}


def spec(price: str = "100") -> OrderSpec:
    return OrderSpec(
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(1),
        price=D(price),
        time_in_force=TimeInForce.GTC,
    )


def test_commands_and_reports_replay_to_the_same_state(tmp_path: Path) -> None:
    path = str(tmp_path / "journal.sqlite3")
    clock = Clock()
    live = dispatcher(Journal(path), clock)
    engine = live.engine

    def place(price: str) -> Order:
        intent = engine.new_intent(spec(price))
        live.apply(intent)
        clock.now += 1
        live.apply(Sent(client_order_id=intent.client_order_id, at_ms=clock()))
        order = engine.order(intent.client_order_id)
        assert order is not None
        return order

    # r-1: accepted, partly filled, a cancel refused, a second cancel still in flight.
    filled = place("100")
    live.apply(report(filled, c="r-1", i=1))
    live.apply(trade(filled, 1, "0.4", "PARTIALLY_FILLED", "0.4", c="r-1", i=1))
    clock.now += 5
    live.apply(CancelRequested(client_order_id="r-1", at_ms=clock()))
    live.apply(CancelRefused(client_order_id="r-1", at_ms=clock(), code=-2011, msg="refused"))
    live.apply(CancelRequested(client_order_id="r-1", at_ms=clock()))
    # r-2: outcome unknown, then never placed.
    lost = place("101")
    live.apply(SendUnknown(client_order_id=lost.client_order_id, at_ms=clock(), reason="t/o"))
    clock.now += 7
    live.apply(NotFound(client_order_id=lost.client_order_id, at_ms=clock()))
    # r-3: refused by the exchange.
    refused = place("102")
    live.apply(SendRejected(client_order_id="r-3", at_ms=clock(), code=-2010, msg="balance"))
    # r-4: accepted, canceled after an unknown first cancel; r-5 still being sent.
    canceled = place("103")
    live.apply(report(canceled, c="r-4", i=4))
    live.apply(CancelRequested(client_order_id="r-4", at_ms=clock()))
    live.apply(CancelUnknown(client_order_id="r-4", at_ms=clock(), reason="t/o"))
    live.apply(CancelRequested(client_order_id="r-4", at_ms=clock()))
    live.apply(cancel_response(cid="r-4", order_id=4))
    sending = place("104")
    before = state(engine)
    live.journal.close()

    assert filled.state is S.CANCEL_REQUESTED and filled.cancel_in_flight
    assert lost.state is S.REJECTED and refused.state is S.REJECTED
    assert canceled.state is S.CANCELED and not canceled.cancel_in_flight
    assert sending.state is S.PENDING_ACK and sending.send_in_flight

    reopened = Journal(path)
    kinds = [entry.kind for entry in reopened.entries()]
    assert kinds[:2] == ["Intent", "Sent"] and "CancelRefused" in kinds
    clock.now += 1_000_000  # a replay reads no clock: the events carry their times
    fresh = Engine(clock=clock, new_client_order_id=SequentialIds("x-"))
    for _ in replay_journal(fresh, reopened):
        pass
    assert state(fresh) == before
    reopened.close()
