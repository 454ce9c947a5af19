"""The engine's order-list half: list commands and list reports, mixed into ``Engine``.

Rules:
- List reports (``listStatus`` events, REST list answers and queries) enter through
  ``Engine.apply`` like every other report; a list answer's ``orderReports`` are then applied
  one by one as the single-order answers they are (``ListOrderReport.as_answer``), so a leg is
  an ordinary order driven by the ordinary path.
- A list command moves the list *and* its legs by the same local trigger (sent, unknown,
  rejected, not found, cancel requested / refused): a leg never outruns its list.
- An unknown placement is resolved by querying the list by the ``listClientOrderId`` we
  chose (``OrderList.query_request``), never by resending (house rule: unknown is not failed).
- Nothing here raises on a report's content; commands raise ``InvalidTransition`` /
  ``OrderValidationError`` and then change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from oms.core.ids import is_valid_client_order_id
from oms.core.list_state import ListState
from oms.core.lists import OrderList, OrderListBook
from oms.core.order import Order
from oms.core.outputs import Output, ReportIgnored
from oms.core.registry import OrderRegistry
from oms.core.spec import OrderSpec
from oms.errors import DuplicateClientOrderId, InvalidTransition, OrderValidationError
from oms.wire.enums import ContingencyType
from oms.wire.events import ListStatus
from oms.wire.orderlists import CancelOrderList, OrderListAnswer, OrderListStatus

__all__ = ["ListEngine", "settled_but_open"]


class ListEngine:
    """Order-list commands and reports; ``Engine`` inherits them (see ``oms.core.engine``)."""

    book: OrderRegistry
    lists: OrderListBook
    _clock: Callable[[], int]
    _new_client_order_id: Callable[[], str]
    _checks: dict[Order, None]
    _list_checks: dict[OrderList, None]

    # Provided by Engine.
    apply: Callable[..., list[Output]]
    create_order: Callable[..., Order]
    _local: Callable[[Order, str, str], list[Output]]

    # --- queries ------------------------------------------------------------------------

    def order_list(self, list_client_order_id: str) -> OrderList | None:
        return self.lists.by_client_id(list_client_order_id)

    def list_of(self, order: Order) -> OrderList | None:
        """The list ``order`` is a leg of, or None."""
        return self.lists.list_of(order.client_order_id)

    def legs(self, order_list: OrderList) -> list[Order]:
        """The list's legs the engine tracks, in the list's order."""
        found = (self.book.by_client_id(cid) for cid in order_list.legs)
        return [o for o in found if o is not None]

    def take_list_checks(self) -> list[OrderList]:
        """The lists to query by their client id; clears the set."""
        checks = list(self._list_checks)
        self._list_checks.clear()
        for order_list in checks:
            order_list.needs_check = False
        return checks

    # --- commands -----------------------------------------------------------------------

    def create_list(
        self,
        contingency_type: ContingencyType,
        legs: Sequence[tuple[OrderSpec, str | None]],
        list_client_order_id: str | None = None,
    ) -> tuple[OrderList, list[Order]]:
        """Create and track a list and its legs in CREATED (nothing is sent).

        Args:
            contingency_type: OCO, or OTO (also for an OTOCO, as Binance reports it).
            legs: each leg's spec and client id (None: generated), in Binance's order.
            list_client_order_id: the list's client id (None: generated).

        Raises:
            OrderValidationError: a bad leg or id; DuplicateClientOrderId: an id in use.
        """
        lid = self._new_client_order_id() if list_client_order_id is None else list_client_order_id
        if not is_valid_client_order_id(lid):
            raise OrderValidationError(
                f"list client order id {lid!r} must match ^[a-zA-Z0-9-_]{{1,36}}$",
                rule="listClientOrderId",
            )
        held = self.lists.by_client_id(lid)
        if held is not None and held.is_open:
            raise DuplicateClientOrderId(f"list client order id {lid!r} is used by an open list")
        if not legs or len({spec.symbol for spec, _ in legs}) != 1:
            raise OrderValidationError("a list has legs, all on one symbol", rule="symbol")
        orders: list[Order] = []
        try:
            for spec, cid in legs:
                orders.append(
                    self.create_order(
                        symbol=spec.symbol,
                        side=spec.side,
                        order_type=spec.order_type,
                        quantity=spec.quantity,
                        price=spec.price,
                        time_in_force=spec.time_in_force,
                        client_order_id=cid,
                    )
                )
        except (OrderValidationError, DuplicateClientOrderId):
            for order in orders:
                self.book.forget(order)
            raise
        now = self._clock()
        order_list = OrderList(
            list_client_order_id=lid,
            symbol=legs[0][0].symbol,
            contingency_type=contingency_type,
            legs=tuple(o.client_order_id for o in orders),
            created_ms=now,
            updated_ms=now,
        )
        self.lists.add(order_list)
        return order_list, orders

    def mark_list_sent(self, order_list: OrderList) -> list[Output]:
        return self._list_local(order_list, "send", "sent")

    def mark_list_unknown(self, order_list: OrderList, reason: str) -> list[Output]:
        """The placement's outcome is unknown: query ``order_list.query_request()`` later."""
        return self._list_local(order_list, "send_unknown", f"outcome unknown: {reason}")

    def mark_list_rejected(self, order_list: OrderList, code: int, msg: str) -> list[Output]:
        order_list.reject_code, order_list.reject_msg = code, msg
        for leg in self.legs(order_list):
            leg.reject_code, leg.reject_msg = code, msg
        return self._list_local(order_list, "send_rejected", f"rejected {code}: {msg}")

    def mark_list_not_found(self, order_list: OrderList) -> list[Output]:
        """A query by the list's client id said it does not exist (-2011 / -2013)."""
        order_list.reject_msg = "Order list does not exist."
        return self._list_local(order_list, "not_found", "not found")

    def list_cancel_request(self, order_list: OrderList) -> tuple[CancelOrderList, list[Output]]:
        """The request that cancels the whole list; the list (and its open legs that allow
        it) move to CANCEL_REQUESTED."""
        out = self._list_local(order_list, "request_cancel", "cancel requested")
        return order_list.cancel_request(), out

    def list_cancel_failed(self, order_list: OrderList, code: int, msg: str) -> list[Output]:
        out = self._list_local(order_list, "cancel_rejected", f"cancel refused {code}: {msg}")
        if order_list.is_open:
            order_list.needs_check = True
            self._list_checks[order_list] = None
        return out

    def _list_local(self, order_list: OrderList, trigger: str, why: str) -> list[Output]:
        out: list[Output] = []
        if not order_list.fire(trigger, why, out):
            raise InvalidTransition(
                f"{trigger} is not allowed for list {order_list.list_client_order_id} "
                f"in state {order_list.state.name}"
            )
        for leg in self.legs(order_list):
            if leg.local_next_state(trigger) is not None:
                out += self._local(
                    leg, trigger, f"{why} (leg of {order_list.list_client_order_id})"
                )
        order_list.updated_ms = max(order_list.updated_ms, self._clock())
        return out

    # --- reports --------------------------------------------------------------------------

    def _on_list_status(self, report: ListStatus | OrderListStatus) -> list[Output]:
        out: list[Output] = []
        lid = report.list_client_order_id
        order_list = self.lists.find(report.symbol, report.order_list_id, lid)
        if order_list is None:
            # A list opened elsewhere (another client, the web UI): track it as reported.
            order_list = OrderList(
                list_client_order_id=lid,
                symbol=report.symbol,
                contingency_type=report.contingency_type,
                legs=tuple(o.client_order_id for o in report.orders),
                created_ms=report.transaction_time or 0,
            )
            self.lists.add(order_list)
        order_list.apply_status(report, out)
        if isinstance(report, ListStatus) and report.list_reject_reason != "NONE":
            order_list.reject_msg = report.list_reject_reason
        self.lists.bind(order_list)
        for ref in report.orders:
            leg = self.book.by_client_id(ref.client_order_id)
            if leg is not None and leg.order_id is None and leg.symbol == ref.symbol:
                leg.order_id = ref.order_id
                self.book.bind(leg)
        if order_list.needs_check:
            self._list_checks[order_list] = None
        return out

    def _on_list_answer(self, answer: OrderListAnswer) -> list[Output]:
        out = self._on_list_status(answer)
        for report in answer.order_reports:
            try:
                single = report.as_answer()
            except msgspec.ValidationError as exc:
                out.append(ReportIgnored(key=report.client_order_id, why=f"list report: {exc}"))
                continue
            out += self.apply(single)
        return out


def settled_but_open(engine: ListEngine) -> list[OrderList]:
    """Open lists whose tracked legs have all ended: their ``ALL_DONE`` is late or lost, so
    each needs a query by its client id (reconciliation after a gap)."""
    out = []
    for order_list in engine.lists.open_lists():
        legs = engine.legs(order_list)
        if order_list.state is ListState.EXECUTING and legs and all(not o.is_open for o in legs):
            out.append(order_list)
    return out
