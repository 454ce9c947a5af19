"""Replaying an order list's journal entries: its intent and our marks on it.

Rules (as ``oms.runtime.recovery`` for orders): replaying is applying, in journal order, the
same commands the manager applied: ``list_intent`` recreates the list and its legs,
``list_sent`` / ``list_unknown`` / ``list_rejected`` / ``list_not_found`` /
``list_cancel_requested`` / ``list_cancel_failed`` move them again. An entry the engine refuses
(an illegal move) is skipped: the exchange's reports, replayed too, say where the list is.
"""

from __future__ import annotations

import msgspec

from oms.core.engine import Engine
from oms.core.outputs import Output
from oms.errors import OmsError
from oms.runtime.lists import ListIntent

__all__ = ["replay_list_entry"]


class _Entry(msgspec.Struct):
    intent: ListIntent | None = None
    code: int = 0
    msg: str = ""


def replay_list_entry(
    engine: Engine, kind: str, list_client_order_id: str, data: bytes
) -> list[Output]:
    entry = msgspec.json.decode(data, type=_Entry)
    try:
        if kind == "list_intent" and entry.intent is not None:
            engine.create_list(entry.intent.contingency_type, list(entry.intent.legs),
                               list_client_order_id)  # fmt: skip
            return []
        order_list = engine.order_list(list_client_order_id)
        if order_list is None:
            return []
        if kind == "list_sent":
            return engine.mark_list_sent(order_list)
        if kind == "list_unknown":
            return engine.mark_list_unknown(order_list, entry.msg or "replayed")
        if kind == "list_rejected":
            return engine.mark_list_rejected(order_list, entry.code, entry.msg)
        if kind == "list_not_found":
            return engine.mark_list_not_found(order_list)
        if kind == "list_cancel_requested":
            return engine.list_cancel_request(order_list)[1]
        if kind == "list_cancel_failed":
            return engine.list_cancel_failed(order_list, entry.code, entry.msg)
    except OmsError:
        return []
    return []
