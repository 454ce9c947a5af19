"""One-Pays-the-Other order lists of the simulated exchange (OPO, OPOCO): the requests, and
what sets them apart from the OTO / OTOCO they are built on (``transports.sim.advanced``).

Rules (faqs/opo.md; rest-api.md, New Order List - OPO / New Order List - OPOCO):
- An OPO is an OTO, an OPOCO an OTOCO, whose pending order(s) have no quantity: "the
  quantity will be based on the received quantity from the working order once it fully
  fills". The answers and ``listStatus`` say ``contingencyType`` OTO (the documented
  responses of both requests). An OPOCO's orders come working, pending below, pending above
  (its documented response; fix-api.md's order-list table), where an OTOCO's are working,
  above, below.
- Only a BUY working order and SELL pending order(s): else -1222 "Working order in an OPO
  list must be a bid." / -1223 "Pending orders in an OPO list must be asks." (errors.md).
  The symbol needs ``otoAllowed`` and ``opoAllowed`` (an OPOCO ``ocoAllowed`` too;
  faqs/opo.md, Which symbols allow OPO orders?), else -2010 "OPO orders are not supported
  for this symbol." (errors.md, Messages for -1010, -2010, -2011 and -2038). The sides are
  checked first: they are request errors (-1xxx), the symbol's refusal an engine one.
- On placement only the working order's balance is needed (faqs/opo.md, What is One Pays the
  Other?). The pending orders are checked as the orders they are, less what needs their
  quantity (LOT_SIZE, MARKET_LOT_SIZE, ICEBERG_PARTS, notional filters).
- Every fill of the working order locks what it received for the pending orders ("The
  received funds from the working order are *locked*"). The lock is held as one pending
  order's (``lock_holder``: an OPOCO pair's order that does not wait for a trigger, since it
  can fill first; a triggered stop takes the pair's lock as in an OTOCO), so whatever closes
  that order (a cancel of the list or of any leg, the working order's expiry) unlocks it:
  "If the order list is canceled before the pending order is placed ... these locked funds
  are unlocked". Commission: the simulated exchange charges it
  in the received asset; it is taken from the account's free balance of that asset when the
  asset is not BNB and the free balance covers it, else deducted from the received quantity
  (faqs/opo.md: "The received quantity will have commission deducted as appropriate. The
  commission is taken from the available funds instead (i.e. ``free`` balances) if the
  received asset is not BNB and there are enough available funds.").
- When the working order is FILLED, the pending quantity is the locked amount rounded down to
  LOT_SIZE's ``stepSize`` (and MARKET_LOT_SIZE's for a MARKET pending order) and capped at
  their ``maxQty`` ("adjusted to meet them"); the rest is unlocked to ``free``. Every filter
  of every pending order is then evaluated with that quantity. The docs do not say what a
  failure does; here the pending order(s) expire with ``eR`` REJECTED (user-data-stream.md,
  Order Expiry Reason: REJECTED, "an order that was part of an OTO was rejected by the
  matching engine when trying to place it on the order book. Common reasons are lack of
  funds and rejection by filters."), the whole lock returns to ``free`` and the list is
  ALL_DONE. An OPOCO pair shares one quantity and one lock, as an OTOCO's pair does.
- Until then a pending order's quantity is unknown. The placement and cancel answers leave
  ``origQty`` out of its ``orderReports`` entry, as the documented OPO / OPOCO responses do;
  where Binance documents the quantity as always present (``q`` of ``executionReport``,
  ``origQty`` of an order query or a single cancel; the SBE schemas make it mandatory) it is
  ``0`` (our choice: the docs are silent). Amending it is -2038 "Order amend (pending OPO
  order) is not supported." (errors.md; faqs/opo.md: "may not be amended until the working
  order has been fully filled").
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import msgspec

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side
from oms.wire.money import ZERO
from oms.wire.orderlists import ListLeg
from oms.wire.requests import NewOrder
from oms.wire.rest import LotSizeFilter, SymbolInfo
from transports.sim import errors
from transports.sim.accounts import Ledger
from transports.sim.book import SimOrder
from transports.sim.filters import SymbolFilters

__all__ = [
    "NewOpo",
    "NewOpoco",
    "OpoState",
    "check_opo",
    "hold_received",
    "lock_holder",
    "pending_quantity",
]

# faqs/opo.md: commission comes out of the received quantity when the received asset is BNB.
_BNB = "BNB"


class NewOpo(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /api/v3/orderList/opo`` / ``orderList.place.opo``: a working order and a pending
    order without quantity (rest-api.md, New Order List - OPO). ``pending.side`` is
    ``pendingSide``; ``pending.quantity`` stays None."""

    symbol: str
    working: ListLeg
    pending: ListLeg
    list_client_order_id: str | None = None
    response_type: OrderResponseType | None = None
    self_trade_prevention_mode: SelfTradePreventionMode | None = None

    @property
    def legs(self) -> tuple[ListLeg, ...]:
        return (self.working, self.pending)


class NewOpoco(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /api/v3/orderList/opoco`` / ``orderList.place.opoco``: a working order and a
    pending OCO pair of one side, without quantity (rest-api.md, New Order List - OPOCO)."""

    symbol: str
    working: ListLeg
    pending_side: Side
    pending_above: ListLeg
    pending_below: ListLeg | None = None
    list_client_order_id: str | None = None
    response_type: OrderResponseType | None = None
    self_trade_prevention_mode: SelfTradePreventionMode | None = None

    @property
    def legs(self) -> tuple[ListLeg, ...]:
        below = () if self.pending_below is None else (self.pending_below,)
        return (self.working, self.pending_above, *below)


class OpoState:
    """What an OPO list keeps until its pending quantity is known: each pending order as the
    request it is (quantity None), checked again once the quantity is set."""

    __slots__ = ("legs", "sized")

    def __init__(self, legs: list[NewOrder]) -> None:
        self.legs = legs
        self.sized = False


def check_opo(info: SymbolInfo, request: NewOpo | NewOpoco) -> None:
    """The sides, then the symbol's permission (module rules). Raises: SimError."""
    if request.working.side is not Side.BUY:
        raise errors.SimError(-1222, "Working order in an OPO list must be a bid.")
    pending_side = request.pending.side if isinstance(request, NewOpo) else request.pending_side
    if pending_side is not Side.SELL:
        raise errors.SimError(-1223, "Pending orders in an OPO list must be asks.")
    allowed = info.oto_allowed and info.opo_allowed
    if isinstance(request, NewOpoco):
        allowed = allowed and info.oco_allowed
    if not allowed:
        raise errors.SimError(-2010, "OPO orders are not supported for this symbol.")


def hold_received(
    ledger: Ledger, holder: SimOrder, asset: str, received: Decimal, fee: Decimal
) -> None:
    """One fill of the working order: lock what it received for the pending orders, on
    ``holder`` (``lock_holder``). The fill has already credited ``received - fee``
    to free; locking ``received`` succeeds exactly when the free balance held the fee before
    (module rules, commission)."""
    account = holder.account
    if asset != _BNB and ledger.lock(account, asset, received):
        amount = received
    else:
        amount = received - fee
        ledger.lock(account, asset, amount)  # just credited: always free
    holder.lock_asset = asset
    holder.locked += amount


def lock_holder(pending: list[SimOrder]) -> SimOrder:
    """The pending order that holds the received funds: the one that works without a trigger
    (a LIMIT_MAKER of a pair), else the last."""
    return next((o for o in pending if o.algo is None), pending[-1])


def _floor(qty: Decimal, lot: LotSizeFilter | None) -> Decimal:
    if lot is None:
        return qty
    if lot.max_qty and qty > lot.max_qty:
        qty = lot.max_qty
    if lot.step_size:
        qty = (qty / lot.step_size).to_integral_value(ROUND_DOWN) * lot.step_size
    return qty


def pending_quantity(rules: SymbolFilters, legs: list[NewOrder], held: Decimal) -> Decimal:
    """The pending orders' quantity from the ``held`` received amount: adjusted down to
    LOT_SIZE, and MARKET_LOT_SIZE for a MARKET leg (faqs/opo.md: "the quantity of the pending
    order(s) are adjusted to meet them")."""
    qty = _floor(held, rules.lot)
    if any(leg.order_type is OrderType.MARKET for leg in legs):
        qty = _floor(qty, rules.market_lot)
    return max(qty, ZERO).quantize(rules.base_quantum, rounding=ROUND_DOWN)
