"""Order lists in the core: one ``OrderList`` per OCO / OTO / OTOCO, linked to its legs.

Rules:
- A list's state moves only by ``oms.core.list_state.TABLE``; a refused trigger changes
  nothing, is a ``ReportConflict`` and queues the list for a check (query by its
  ``listClientOrderId``), exactly as for orders.
- Each leg is an ordinary ``Order`` (``oms.core.order``) tracked by the engine's book; the list
  holds the legs' client ids in Binance's order (``orders`` / ``O``), and
  ``OrderListBook.list_of`` finds a leg's list. Leg client ids change on an amend
  (``UPDATED``; rest-api.md, Order Amend Keep Priority): the list takes the ids each report
  names.
- ``leg_of`` is the one mapping from an ``OrderSpec`` to a leg of a list request; the list's
  requests (``oco_request``, ``oto_request``, ``otoco_request``) take the legs' specs in
  Binance's roles: above / below (OCO), working / pending (OTO), working / pending above /
  pending below (OTOCO) (rest-api.md, New Order list - OCO / OTO / OTOCO).
- Pure: no clock, no I/O; times come in with the reports or from the engine's clock.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import msgspec

from oms.core.list_state import TABLE, TERMINAL_STATES, ListState, trigger_of
from oms.core.outputs import ListStateChanged, Output, ReportConflict
from oms.core.spec import OrderSpec
from oms.wire.enums import ContingencyType, OrderResponseType
from oms.wire.events import ListStatus
from oms.wire.orderlists import (
    CancelOrderList,
    ListLeg,
    NewOco,
    NewOto,
    NewOtoco,
    OrderListStatus,
    QueryOrderList,
)

__all__ = [
    "OrderList",
    "OrderListBook",
    "leg_of",
    "oco_request",
    "oto_request",
    "otoco_request",
]

_L = ListState


class OrderList(msgspec.Struct, kw_only=True, eq=False):
    """One tracked order list, compared and hashed by identity."""

    list_client_order_id: str
    symbol: str
    contingency_type: ContingencyType
    # The legs' client ids, in the list's order.
    legs: tuple[str, ...]
    order_list_id: int | None = None
    state: ListState = _L.CREATED
    created_ms: int = 0
    updated_ms: int = 0
    reject_code: int | None = None
    reject_msg: str | None = None
    needs_check: bool = False
    # Our DELETE orderList awaits its answer (set by ListCancelRequested, cleared by the
    # answer, ListCancelRefused or ListCancelUnknown): while it does, a query's EXECUTING does
    # not void the cancel.
    cancel_in_flight: bool = False

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    def fire(self, trigger: str, why: str, out: list[Output]) -> bool:
        """Move by ``trigger``; False (and no change) when the table refuses it."""
        dest = TABLE.get((self.state, trigger))
        if dest is None:
            return False
        if dest is not self.state:
            previous, self.state = self.state, dest
            out.append(
                ListStateChanged(
                    list_client_order_id=self.list_client_order_id,
                    symbol=self.symbol,
                    order_list_id=self.order_list_id,
                    previous_state=previous,
                    state=dest,
                    why=why,
                )
            )
        return True

    def conflict(self, what: str, ours: str, theirs: str, out: list[Output]) -> None:
        self.needs_check = True
        out.append(
            ReportConflict(
                key=self.list_client_order_id,
                symbol=self.symbol,
                order_id=self.order_list_id,
                what=what,
                ours=ours,
                theirs=theirs,
            )
        )

    def apply_status(self, report: ListStatus | OrderListStatus, out: list[Output]) -> None:
        """Apply a ``listStatus`` event or a REST list answer (never raises)."""
        if self.order_list_id is None:
            self.order_list_id = report.order_list_id
        elif self.order_list_id != report.order_list_id:
            self.conflict("order list id", str(self.order_list_id), str(report.order_list_id), out)
            return
        trigger = trigger_of(report.list_status_type, report.list_order_status)
        if not self.fire(trigger, f"list {trigger}", out):
            self.conflict("list status", self.state.name, trigger, out)
            return
        self.updated_ms = max(self.updated_ms, report.transaction_time or 0)
        refs = tuple(o.client_order_id for o in report.orders)
        if refs and len(refs) == len(self.legs):
            self.legs = refs

    def cancel_request(self, new_client_order_id: str | None = None) -> CancelOrderList:
        """The ``DELETE /api/v3/orderList`` that cancels this list (by both ids it has)."""
        return CancelOrderList(
            symbol=self.symbol,
            order_list_id=self.order_list_id,
            list_client_order_id=self.list_client_order_id,
            new_client_order_id=new_client_order_id,
        )

    def query_request(self) -> QueryOrderList:
        """The query that resolves an unknown placement: by the list's client id, which we
        chose, so it names this list whether or not it reached the exchange."""
        return QueryOrderList(list_client_order_id=self.list_client_order_id)


class OrderListBook:
    """Every tracked list: by list client id, by (symbol, orderListId), and by leg client id."""

    def __init__(self) -> None:
        self._by_client: dict[str, OrderList] = {}
        self._by_id: dict[tuple[str, int], OrderList] = {}
        self._by_leg: dict[str, OrderList] = {}

    def __len__(self) -> int:
        return len(self._by_client)

    def __iter__(self) -> Iterator[OrderList]:
        return iter(self._by_client.values())

    def add(self, order_list: OrderList) -> None:
        self._by_client[order_list.list_client_order_id] = order_list
        self.bind(order_list)

    def bind(self, order_list: OrderList) -> None:
        """Index the list by its exchange id and legs (after either became known)."""
        if order_list.order_list_id is not None:
            self._by_id[(order_list.symbol, order_list.order_list_id)] = order_list
        for leg in order_list.legs:
            self._by_leg[leg] = order_list

    def by_client_id(self, list_client_order_id: str) -> OrderList | None:
        return self._by_client.get(list_client_order_id)

    def by_id(self, symbol: str, order_list_id: int) -> OrderList | None:
        return self._by_id.get((symbol, order_list_id))

    def list_of(self, leg_client_order_id: str) -> OrderList | None:
        """The list an order (by its client id) is a leg of, or None."""
        return self._by_leg.get(leg_client_order_id)

    def find(self, symbol: str, order_list_id: int, list_client_order_id: str) -> OrderList | None:
        found = self._by_id.get((symbol, order_list_id))
        if found is not None:
            return found
        found = self._by_client.get(list_client_order_id)
        if found is None or found.symbol != symbol:
            return None
        if found.order_list_id not in (None, order_list_id) and not found.is_open:
            # A new list reusing a finished list's client id, as Binance allows (rest-api.md,
            # New Order list - OCO: listClientOrderId).
            return None
        return found

    def open_lists(self) -> list[OrderList]:
        return [lst for lst in self._by_client.values() if lst.is_open]


# --- requests -----------------------------------------------------------------------------


def leg_of(spec: OrderSpec, client_order_id: str | None, *, own_side: bool = True) -> ListLeg:
    """One leg of a list request from an order's spec; ``own_side`` keeps the spec's side and
    quantity (OTO legs, OTOCO working leg), else they are the list's (OCO legs)."""
    return ListLeg(
        order_type=spec.order_type,
        side=spec.side if own_side else None,
        quantity=spec.quantity if own_side else None,
        client_order_id=client_order_id,
        price=spec.price,
        stop_price=spec.stop_price,
        trailing_delta=spec.trailing_delta,
        time_in_force=spec.time_in_force,
        iceberg_qty=spec.iceberg_qty,
        strategy_id=spec.strategy_id,
        strategy_type=spec.strategy_type,
    )


def _same_side_and_quantity(specs: Sequence[OrderSpec], role: str) -> None:
    first = specs[0]
    for spec in specs[1:]:
        if spec.side is not first.side or spec.quantity != first.quantity:
            raise ValueError(f"the {role} legs must have one side and one quantity")
        if spec.symbol != first.symbol:
            raise ValueError("every leg of a list is on one symbol")


def oco_request(
    list_client_order_id: str,
    above: tuple[OrderSpec, str],
    below: tuple[OrderSpec, str],
    response_type: OrderResponseType | None = None,
) -> NewOco:
    """``orderList/oco`` from the above and below legs' specs and client ids.

    Raises:
        ValueError: the legs differ in side, quantity or symbol (rest-api.md, New Order list
            - OCO: one side and one quantity for both orders).
    """
    _same_side_and_quantity([above[0], below[0]], "OCO")
    spec = above[0]
    if spec.quantity is None:
        raise ValueError("an OCO needs a quantity")
    return NewOco(
        symbol=spec.symbol,
        side=spec.side,
        quantity=spec.quantity,
        list_client_order_id=list_client_order_id,
        above=leg_of(above[0], above[1], own_side=False),
        below=leg_of(below[0], below[1], own_side=False),
        response_type=response_type,
    )


def oto_request(
    list_client_order_id: str,
    working: tuple[OrderSpec, str],
    pending: tuple[OrderSpec, str],
    response_type: OrderResponseType | None = None,
) -> NewOto:
    """``orderList/oto`` from the working and pending legs' specs and client ids."""
    if working[0].symbol != pending[0].symbol:
        raise ValueError("every leg of a list is on one symbol")
    return NewOto(
        symbol=working[0].symbol,
        list_client_order_id=list_client_order_id,
        working=leg_of(*working),
        pending=leg_of(*pending),
        response_type=response_type,
    )


def otoco_request(
    list_client_order_id: str,
    working: tuple[OrderSpec, str],
    pending_above: tuple[OrderSpec, str],
    pending_below: tuple[OrderSpec, str] | None,
    response_type: OrderResponseType | None = None,
) -> NewOtoco:
    """``orderList/otoco``: a working leg and a pending OCO pair of one side and quantity."""
    pending = [pending_above[0]] + ([pending_below[0]] if pending_below else [])
    _same_side_and_quantity([*pending], "pending")
    if working[0].symbol != pending_above[0].symbol:
        raise ValueError("every leg of a list is on one symbol")
    quantity = pending_above[0].quantity
    if quantity is None:
        raise ValueError("the pending legs need a quantity")
    return NewOtoco(
        symbol=working[0].symbol,
        list_client_order_id=list_client_order_id,
        working=leg_of(*working),
        pending_side=pending_above[0].side,
        pending_quantity=quantity,
        pending_above=leg_of(*pending_above, own_side=False),
        pending_below=None if pending_below is None else leg_of(*pending_below, own_side=False),
        response_type=response_type,
    )
