"""Rebuild an engine's state from the write-ahead journal.

Rules:
- The journal holds the engine's inputs in order; replaying them into a fresh engine gives
  the same state, because the engine is pure and deterministic. The engine's clock reads
  each entry's recorded time while it replays.
- Replay never talks to the exchange; what happened after the last entry is recovered by
  the reconciliation that follows.
- An entry this version cannot decode is skipped and reported, never fatal: the exchange
  remains the authority and reconciliation repairs what the skip lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import msgspec

from oms.core.engine import Engine, Report
from oms.core.outputs import Output
from oms.runtime.journal import Journal, OrderIntent
from oms.runtime.list_recovery import replay_list_entry
from oms.wire.events import (
    BalanceUpdate,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
)
from oms.wire.orderlists import OrderListAnswer, OrderListStatus
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)

__all__ = ["replay_journal"]

_REPORTS: dict[str, type[msgspec.Struct]] = {
    cls.__name__: cls
    for cls in (
        ListStatus,
        OrderListStatus,
        OrderListAnswer,
        ExecutionReport,
        OutboundAccountPosition,
        BalanceUpdate,
        ExternalLockUpdate,
        NewOrderAck,
        NewOrderResult,
        NewOrderFull,
        CancelResponse,
        QueryOrderResponse,
        MyTrade,
        AccountInfo,
    )
}


class _Mark(msgspec.Struct):
    code: int = 0
    msg: str = ""


def replay_journal(
    engine: Engine, journal: Journal, set_time: Callable[[int | None], None]
) -> Iterator[list[Output]]:
    """Feed every journal entry into ``engine``; yields the outputs of each entry.

    ``set_time(ms)`` pins the engine's clock to the entry's recorded time while it is
    replayed; ``set_time(None)`` releases it at the end.
    """
    try:
        for entry in journal.entries():
            set_time(entry.at_ms)
            try:
                yield _apply_entry(engine, entry.kind, entry.client_order_id, entry.data)
            except (msgspec.DecodeError, msgspec.ValidationError, KeyError):
                continue
    finally:
        set_time(None)


def _apply_entry(engine: Engine, kind: str, cid: str | None, data: bytes) -> list[Output]:
    if kind in _REPORTS:
        report: Report = msgspec.json.decode(data, type=_REPORTS[kind])  # type: ignore[assignment]
        return engine.apply(report)
    if kind == "intent":
        intent = msgspec.json.decode(data, type=OrderIntent)
        engine.create_order(
            symbol=intent.symbol,
            side=intent.side,
            order_type=intent.order_type,
            quantity=intent.quantity,
            quote_order_qty=intent.quote_order_qty,
            price=intent.price,
            time_in_force=intent.time_in_force,
            client_order_id=intent.client_order_id,
        )
        return []
    if kind.startswith("list_"):
        return replay_list_entry(engine, kind, cid or "", data)
    order = engine.order(cid or "")
    if order is None:
        return []
    mark = msgspec.json.decode(data, type=_Mark)
    if kind == "sent":
        return engine.mark_sent(order)
    if kind == "unknown":
        return engine.mark_unknown(order, mark.msg or "replayed")
    if kind == "rejected":
        return engine.mark_rejected(order, mark.code, mark.msg)
    if kind == "not_found":
        return engine.mark_not_found(order)
    if kind == "cancel_requested":
        engine.request_cancel(order)
        return []
    if kind == "cancel_failed":
        return engine.cancel_failed(order, mark.code, mark.msg)
    return []
