"""Our own commands on order lists, as typed events applied through ``Engine.apply``.

Rules (as ``oms.core.commands`` for orders):
- Each command is a frozen Struct with the list's client id and the time it happened; the
  manager applies it through the one ``Engine.apply`` and journals it by its type; replaying
  the journal is decode-and-apply.
- ``ListIntent`` creates the list and its legs (each leg an ordinary order of its spec and
  client id). The other commands move the list by their ``trigger`` (``oms.core.list_state``)
  and each leg that allows it by the same local trigger, so a leg never outruns its list.
- ``ListCancelUnknown`` has no trigger: it ends the cancel's wait (as ``CancelUnknown`` for
  an order); the queries it queues settle the list and its legs.
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from oms.core.spec import OrderSpec
from oms.wire.enums import ContingencyType

__all__ = [
    "LIST_COMMAND_TYPES",
    "ListCancelRefused",
    "ListCancelRequested",
    "ListCancelUnknown",
    "ListCommand",
    "ListIntent",
    "ListNotFound",
    "ListSendRejected",
    "ListSendUnknown",
    "ListSent",
]


class ListCommand(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag=True):
    """Base of the list commands: which list, and when (ms)."""

    trigger: ClassVar[str] = ""

    list_client_order_id: str
    at_ms: int


class ListIntent(ListCommand, frozen=True, kw_only=True):
    """Create the list and its legs (Binance's order: above/below, working/pending...)."""

    contingency_type: ContingencyType
    legs: tuple[tuple[OrderSpec, str], ...]


class ListSent(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "send"


class ListSendUnknown(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "send_unknown"
    reason: str = ""


class ListSendRejected(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "send_rejected"
    code: int = 0
    msg: str = ""


class ListNotFound(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "not_found"


class ListCancelRequested(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "request_cancel"


class ListCancelRefused(ListCommand, frozen=True, kw_only=True):
    trigger: ClassVar[str] = "cancel_rejected"
    code: int = 0
    msg: str = ""


class ListCancelUnknown(ListCommand, frozen=True, kw_only=True):
    """The list cancel ended without the exchange's answer (a timeout, a drop, a local
    refusal before sending, a restart): no longer in flight; the list and its legs stay
    CANCEL_REQUESTED until a query by client id says what the exchange has."""

    reason: str = ""


LIST_COMMAND_TYPES: tuple[type[ListCommand], ...] = (
    ListIntent,
    ListSent,
    ListSendUnknown,
    ListSendRejected,
    ListNotFound,
    ListCancelRequested,
    ListCancelRefused,
    ListCancelUnknown,
)
