"""Our own commands as typed events: what we did to an order, and when.

Rules:
- A command event is a fact about one of our orders (we created it, handed it to the
  transport, learned its send was refused or has no known outcome, asked to cancel it, had the
  cancel refused). It enters the engine through the same door as the exchange's reports,
  ``Engine.apply``, and is journaled as it is: the tag is the journal's ``kind``, the Struct
  its payload, so replaying the journal is decode-and-apply.
- Each carries the client order id it is about and ``at_ms``, the time it happened (our
  clock, ms): the engine stamps the order with it, so a replay needs no clock of its own.
- The lifecycle trigger of each command is ``Command.trigger`` (``oms.core.state`` declares
  its edges); ``Intent`` creates the order and has none.
- A command the order's state does not allow changes nothing and comes back as a
  ``ReportIgnored`` saying so; ``Engine.apply`` never raises on one.
- In-flight facts: ``Sent`` and ``CancelRequested`` start a request awaiting its answer;
  the answer (the exchange's reply to that request), ``SendUnknown``, ``SendRejected``,
  ``CancelUnknown`` or ``CancelRefused`` ends it (``Order.send_in_flight``,
  ``Order.cancel_in_flight``).
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from oms.core.spec import OrderSpec

__all__ = [
    "COMMAND_TYPES",
    "CancelRefused",
    "CancelRequested",
    "CancelUnknown",
    "Command",
    "Intent",
    "NotFound",
    "SendRejected",
    "SendUnknown",
    "Sent",
]


class Command(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind", tag=True):
    """Base of our own command events: the order (by client id) and when (ms)."""

    # The lifecycle trigger this command fires (``oms.core.state.LOCAL_TRIGGERS``).
    trigger: ClassVar[str] = ""

    client_order_id: str
    at_ms: int


class Intent(Command, frozen=True, kw_only=True):
    """An order was created from ``spec`` (journaled before it is sent): CREATED."""

    spec: OrderSpec


class Sent(Command, frozen=True, kw_only=True):
    """The request was handed to the transport: CREATED -> PENDING_ACK; a send in flight."""

    trigger: ClassVar[str] = "send"


class SendUnknown(Command, frozen=True, kw_only=True):
    """The send's outcome is unknown (5xx, -1006, -1007, a timeout, a drop, a restart).

    Unknown is not failed: the order is resolved by asking the exchange, never resent.
    """

    trigger: ClassVar[str] = "send_unknown"
    reason: str = ""


class SendRejected(Command, frozen=True, kw_only=True):
    """The exchange refused the new order (or a local check did before sending)."""

    trigger: ClassVar[str] = "send_rejected"
    code: int = 0
    msg: str = ""


class NotFound(Command, frozen=True, kw_only=True):
    """A query of an UNKNOWN order was answered -2013 once it could no longer execute: it
    was never placed."""

    trigger: ClassVar[str] = "not_found"


class CancelRequested(Command, frozen=True, kw_only=True):
    """A cancel was sent for an open order: -> CANCEL_REQUESTED; a cancel in flight."""

    trigger: ClassVar[str] = "request_cancel"


class CancelUnknown(Command, frozen=True, kw_only=True):
    """The cancel's answer did not settle the order (a timeout, a drop, a restart, a
    cancel-all that did not name it): no longer in flight; the state stays."""

    trigger: ClassVar[str] = ""
    reason: str = ""


class CancelRefused(Command, frozen=True, kw_only=True):
    """The cancel was refused (-2011, or another error): back to the open state."""

    trigger: ClassVar[str] = "cancel_rejected"
    code: int = 0
    msg: str = ""


COMMAND_TYPES: tuple[type[Command], ...] = (
    Intent,
    Sent,
    SendUnknown,
    SendRejected,
    NotFound,
    CancelRequested,
    CancelUnknown,
    CancelRefused,
)
