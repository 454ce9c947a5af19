"""OPO and OPOCO order lists on the local server: ``POST /api/v3/orderList/opo`` and
``/orderList/opoco``, and the WebSocket API's ``orderList.place.opo`` / ``orderList.place.opoco``.

Rules (rest-api.md, New Order List - OPO / New Order List - OPOCO; web-socket-api.md, OPO /
OPOCO; faqs/opo.md):
- The parameters are the OTO's / OTOCO's without ``pendingQuantity``: the pending order(s)
  get their quantity from the working order's fill (``transports.sim.opo``). A
  ``pendingQuantity`` is an unread parameter, -1104, as any parameter the endpoint does not
  document (errors.md's -1225 "Pending orders should not include the '%s' tag." names FIX
  tags).
- An OPOCO without ``pendingBelowType`` has one pending order; a ``pendingBelowClientOrderId``
  sent with it is read and ignored (our choice; ccxt sends one for every list).
- Each leg is read and checked as the single order it is (``lists._leg``); a pending leg is
  read with a stand-in quantity of 1, only to pass the per-type mandatory check (the
  OTOCO's shared quantity is handed in the same way), and goes to the exchange without one.
- A leg's documented ``*PegPriceType`` / ``*PegOffsetType`` / ``*PegOffsetValue`` is refused
  as a pegged single order is (``lists.refuse_pegs``): -2010 "Pegged orders are not
  supported for this symbol." (``pegInstructionsAllowed`` false).
- The exchange then refuses a SELL working order (-1222), a BUY pending side (-1223) and a
  symbol whose exchangeInfo does not allow OPO (-2010 "OPO orders are not supported for this
  symbol."; ``opoAllowed``, faqs/opo.md, Which symbols allow OPO orders?).
- Weight 1; placed under the ORDERS limit like every list, adding its orders (2 for an OPO,
  3 for an OPOCO with both legs) to the unfilled order count (rest-api.md, "Unfilled Order
  Count"); a successful placement weighs 0 (CHANGELOG.md, 2026-03-27).
"""

from __future__ import annotations

from oms.wire.enums import Side
from oms.wire.orderlists import ListLeg
from transports.sim.opo import NewOpo, NewOpoco
from transports.sim.server.core import ServerState
from transports.sim.server.lists import (
    _LEG_FIELDS,
    ListOperation,
    _leg,
    _list_head,
    _place,
    refuse_pegs,
)
from transports.sim.server.params import Params, mandatory_missing

__all__ = ["OPERATIONS"]

# Stand-in for the missing quantity, for the per-type check only (module rules).
_NO_QUANTITY = {"quantity": "1"}
_PENDING_FIELDS = tuple(f for f in _LEG_FIELDS if f != "Quantity")


def _pending(
    state: ServerState, params: Params, prefix: str, symbol: str, **shared: str
) -> ListLeg:
    """A pending leg, read from every parameter but a quantity (left unread: -1104)."""
    values = {}
    for field in _PENDING_FIELDS:
        raw = params.raw(prefix + field)
        if raw is not None:
            values[prefix + field] = raw
    view = Params(values, ip=params.ip)
    return _leg(state, view, prefix, symbol, **shared, **_NO_QUANTITY)


def _opo(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    refuse_pegs(params, "working", "pending")
    working = _leg(state, params, "working", head["symbol"])
    if params.raw("pendingSide") is None:
        raise mandatory_missing("pendingSide")
    pending = _pending(state, params, "pending", head["symbol"])
    params.finish()
    return _place(state, params, account, NewOpo(working=working, pending=pending, **head))


def _opoco(state: ServerState, params: Params, account: str) -> object:
    head = _list_head(params)
    refuse_pegs(params, "working", "pendingAbove", "pendingBelow")
    working = _leg(state, params, "working", head["symbol"])
    side = params.enum("pendingSide", Side, (-1117, "Invalid side."))
    if side is None:
        raise mandatory_missing("pendingSide")
    above = _pending(state, params, "pendingAbove", head["symbol"], side=side.value)
    below = None
    if params.raw("pendingBelowType") is not None:
        below = _pending(state, params, "pendingBelow", head["symbol"], side=side.value)
    else:
        # ccxt sends a generated id for every leg's client id, a below leg or not: an id for
        # a leg that is not there changes nothing.
        params.raw("pendingBelowClientOrderId")
    params.finish()
    request = NewOpoco(
        working=working, pending_side=side, pending_above=above, pending_below=below, **head
    )
    return _place(state, params, account, request)


# rest-api.md, New Order List - OPO / OPOCO: weight 1 each.
OPERATIONS: tuple[ListOperation, ...] = (
    ListOperation("POST", "/api/v3/orderList/opo", "orderList.place.opo", 1, _opo, True),
    ListOperation("POST", "/api/v3/orderList/opoco", "orderList.place.opoco", 1, _opoco, True),
)
