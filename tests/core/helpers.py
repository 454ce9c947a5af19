"""Drive a real engine into each lifecycle state through its public API (no shortcuts)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from oms.core.commands import CancelRequested, Command, SendRejected, SendUnknown, Sent
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.order import Order
from oms.core.outputs import Output
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.wire.enums import OrderType, Side, TimeInForce

from .payloads import execution_report, w

D = Decimal
S = OrderState


class Clock:
    """A settable clock in ms."""

    def __init__(self, now: int = 1_700_000_000_000) -> None:
        self.now = now

    def __call__(self) -> int:
        return self.now


def new_engine() -> Engine:
    return Engine(clock=Clock(), new_client_order_id=SequentialIds("t-"))


NOW = 1_700_000_000_000


def create(engine: Engine, client_order_id: str | None = None, **spec: Any) -> Order:
    """``Engine.create_order`` of an ``OrderSpec`` made of ``spec``."""
    return engine.create_order(OrderSpec(**spec), client_order_id)


def command(engine: Engine, kind: type[Command], order: Order, **fields: Any) -> list[Output]:
    """Apply one of our command events about ``order`` through ``Engine.apply``."""
    event = kind(client_order_id=order.client_order_id, at_ms=fields.pop("at_ms", NOW), **fields)
    return engine.apply(event)


def sent(engine: Engine, order: Order) -> list[Output]:
    return command(engine, Sent, order)


def limit_order(engine: Engine, cid: str = "cid-1", qty: str = "1") -> Order:
    return create(
        engine,
        cid,
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D(qty),
        price=D(100),
        time_in_force=TimeInForce.GTC,
    )


def report(order: Order, **over: Any) -> Any:
    """An executionReport about ``order`` (its ids and quantity), ``over`` replacing keys."""
    fields: dict[str, Any] = {"c": order.client_order_id, "i": 1001, "q": w(order.quantity or 0)}
    fields.update(over)
    return execution_report(**fields)


def trade(order: Order, trade_id: int, qty: str, status: str, cum: str, **over: Any) -> Any:
    return report(
        order, x="TRADE", X=status, t=trade_id, l=w(qty), z=w(cum), L=w(100),
        Y=w(D(qty) * 100), Z=w(D(cum) * 100), n=w("0.001"), N="BNB", **over,
    )  # fmt: skip


def order_in(state: OrderState, engine: Engine | None = None) -> tuple[Engine, Order]:
    """A fresh engine holding one order of quantity 1 driven into ``state`` for real."""
    engine = engine or new_engine()
    order = limit_order(engine)
    steps = {
        S.CREATED: [],
        S.PENDING_ACK: ["sent"],
        S.UNKNOWN: ["sent", "unknown"],
        S.NEW: ["sent", "NEW"],
        S.PENDING_NEW: ["sent", "PENDING_NEW"],
        S.PARTIALLY_FILLED: ["sent", "NEW", "trade"],
        S.CANCEL_REQUESTED: ["sent", "NEW", "trade", "cancel"],
        S.FILLED: ["sent", "NEW", "fill"],
        S.CANCELED: ["sent", "NEW", "trade", "CANCELED"],
        S.REJECTED: ["sent", "rejected"],
        S.EXPIRED: ["sent", "NEW", "trade", "EXPIRED"],
        S.EXPIRED_IN_MATCH: ["sent", "NEW", "EXPIRED_IN_MATCH"],
    }[state]
    for step in steps:
        _step(engine, order, step)
    assert order.state is state
    engine.take_checks()
    return engine, order


def _step(engine: Engine, order: Order, step: str) -> None:
    if step == "sent":
        sent(engine, order)
    elif step == "unknown":
        command(engine, SendUnknown, order, reason="timeout")
    elif step == "rejected":
        msg = "Account has insufficient balance for requested action."
        command(engine, SendRejected, order, code=-2010, msg=msg)
    elif step == "cancel":
        command(engine, CancelRequested, order)
    elif step == "trade":
        engine.apply(trade(order, 1, "0.4", "PARTIALLY_FILLED", "0.4"))
    elif step == "fill":
        engine.apply(trade(order, 1, "1", "FILLED", "1"))
    else:
        x = {"EXPIRED_IN_MATCH": "TRADE_PREVENTION", "PENDING_NEW": "NEW"}.get(step, step)
        engine.apply(report(order, x=x, X=step, z=w(order.filled)))
