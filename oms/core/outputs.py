"""What the engine tells its caller: typed, frozen, past-tense outputs (no callbacks).

Rules:
- Every engine call returns ``list[Output]`` in the order things happened; the caller
  dispatches them. The core never calls back into application code.
- Outputs are small frozen msgspec Structs (``gc=False``: they hold no cycles, so the
  collector never has to walk them). Money is ``Decimal``.
- Order outputs carry the order's key (``client_order_id``, ``symbol``, ``order_id``).
  Those announcing a state change also carry ``previous_state`` and ``state``.
- ``FillApplied`` *is* the fill: ``Order.fills`` keeps the very object that announced it,
  keyed by trade id, so a fill costs one allocation.
- ``ReportConflict`` says what disagreed with what; its values are text (``money.show``
  for decimals) so one type covers statuses, quantities and trade ids.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.core.list_state import ListState
from oms.core.state import OrderState
from oms.wire.enums import Side

__all__ = [
    "BalanceChanged",
    "FillApplied",
    "ListStateChanged",
    "OrderAccepted",
    "OrderAdopted",
    "OrderAmended",
    "OrderCanceled",
    "OrderExpired",
    "OrderFilled",
    "OrderOutput",
    "OrderPartiallyFilled",
    "OrderRejected",
    "OrderStateChanged",
    "Output",
    "ReconcileNeeded",
    "ReportConflict",
    "ReportIgnored",
    "StateOutput",
]


class OrderOutput(msgspec.Struct, frozen=True, gc=False):
    """Base of outputs about one order: its key."""

    client_order_id: str
    symbol: str
    order_id: int | None


class StateOutput(OrderOutput, frozen=True, gc=False):
    """Base of outputs announcing that an order entered ``state``."""

    previous_state: OrderState
    state: OrderState


class OrderAccepted(StateOutput, frozen=True, gc=False):
    """The exchange accepted the order (it entered NEW)."""


class OrderPartiallyFilled(StateOutput, frozen=True, gc=False):
    """The order entered PARTIALLY_FILLED; ``filled`` is the sum of its applied fills."""

    filled: Decimal


class OrderFilled(StateOutput, frozen=True, gc=False):
    """The order's applied fills reached its quantity (it entered FILLED)."""

    filled: Decimal
    cum_quote: Decimal


class OrderCanceled(StateOutput, frozen=True, gc=False):
    """The order was canceled; ``filled`` is what it had filled by then."""

    filled: Decimal


class OrderRejected(StateOutput, frozen=True, gc=False):
    """The order was refused or declared not to exist; Binance's code and text when known."""

    code: int | None = None
    reason: str = ""


class OrderExpired(StateOutput, frozen=True, gc=False):
    """The order expired (EXPIRED or EXPIRED_IN_MATCH); ``expiry_reason`` is Binance's ``eR``."""

    filled: Decimal
    expiry_reason: str | None = None


class OrderStateChanged(StateOutput, frozen=True, gc=False):
    """Any other state change (PENDING_ACK, UNKNOWN, CANCEL_REQUESTED, PENDING_NEW, ...)."""

    why: str


class FillApplied(OrderOutput, frozen=True, gc=False):
    """One trade applied to an order, once, whatever the number of deliveries."""

    side: Side
    # The trade's id; below -1 for an SOR allocation (``oms.core.order.allocation_key``).
    trade_id: int
    quantity: Decimal
    price: Decimal
    quote_quantity: Decimal
    commission: Decimal
    # None when Binance sent no asset (``N`` null) with a zero commission.
    commission_asset: str | None
    is_maker: bool
    time_ms: int


class OrderAmended(OrderOutput, frozen=True, gc=False):
    """``x=REPLACED``: an amend (keep priority) lowered the order's quantity (rest-api.md, Order
    Amend Keep Priority)."""

    previous_quantity: Decimal
    quantity: Decimal


class OrderAdopted(OrderOutput, frozen=True, gc=False):
    """A report for an order this engine did not know: it now tracks it (opened elsewhere)."""

    state: OrderState
    source: str


class ReportConflict(msgspec.Struct, frozen=True, gc=False):
    """A report disagreed with what we know; we kept ours and flagged a check.

    ``key`` is the order's client id (or the asset, for balances); ``what`` names the
    disagreement; ``ours`` and ``theirs`` are the two values.
    """

    key: str
    symbol: str | None
    order_id: int | None
    what: str
    ours: str
    theirs: str


class ReportIgnored(msgspec.Struct, frozen=True, gc=False):
    """A report that changed nothing: a duplicate (``duplicate``) or stale/unusable one."""

    key: str | None
    why: str
    duplicate: bool = False


class BalanceChanged(msgspec.Struct, frozen=True, gc=False):
    """An asset's balance now; ``previous`` is (free, locked) before, None if it was unknown."""

    asset: str
    free: Decimal
    locked: Decimal
    version: int
    previous: tuple[Decimal, Decimal] | None = None


class ReconcileNeeded(msgspec.Struct, frozen=True, gc=False):
    """Events may have been lost (a stream gap, an undecodable frame): reconcile now."""

    reason: str


class ListStateChanged(msgspec.Struct, frozen=True, gc=False):
    """An order list entered ``state`` (``oms.core.list_state``); its legs report apart."""

    list_client_order_id: str
    symbol: str
    order_list_id: int | None
    previous_state: ListState
    state: ListState
    why: str


Output = (
    OrderAccepted
    | OrderPartiallyFilled
    | OrderFilled
    | OrderCanceled
    | OrderRejected
    | OrderExpired
    | OrderStateChanged
    | FillApplied
    | OrderAmended
    | OrderAdopted
    | ReportConflict
    | ReportIgnored
    | BalanceChanged
    | ReconcileNeeded
    | ListStateChanged
)
