"""The engine's order-list half: list commands and list reports, mixed into ``Engine``.

Rules:
- List reports (``listStatus`` events, REST list answers and queries) enter through
  ``Engine.apply`` like every other report; a list answer's ``orderReports`` are then applied
  one by one as the single-order answers they are (``ListOrderReport.as_answer``), so a leg is
  an ordinary order driven by the ordinary path.
- Our list commands are typed events (``oms.core.list_commands``) applied through
  ``Engine.apply``: each moves the list *and* applies the legs' own command of the same
  trigger (``Sent``, ``SendUnknown``, ...) to each leg that allows it, so a leg never
  outruns its list and replaying the journal rebuilds both.
- An unknown placement is resolved by querying the list by the ``listClientOrderId`` we
  chose (``OrderList.query_request``), never by resending (house rule: unknown is not failed).
- Nothing here raises on a report's content; commands raise ``InvalidTransition`` /
  ``OrderValidationError`` and then change nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from oms.core.commands import (
    CancelRefused,
    CancelRequested,
    CancelUnknown,
    Command,
    Intent,
    NotFound,
    SendRejected,
    SendUnknown,
    Sent,
)
from oms.core.ids import is_valid_client_order_id
from oms.core.list_commands import (
    ListCancelRefused,
    ListCancelRequested,
    ListCancelUnknown,
    ListCommand,
    ListIntent,
    ListNotFound,
    ListSendRejected,
    ListSendUnknown,
    ListSent,
)
from oms.core.list_state import TABLE, ListState
from oms.core.lists import OrderList, OrderListBook
from oms.core.order import Order
from oms.core.outputs import Output, ReportIgnored
from oms.core.registry import OrderRegistry
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import DuplicateClientOrderId, InvalidTransition, OrderValidationError
from oms.wire.enums import ContingencyType, ListOrderStatus
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
    new_intent: Callable[..., Any]

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

    def new_list_intent(
        self,
        contingency_type: ContingencyType,
        legs: Sequence[tuple[OrderSpec, str | None]],
        list_client_order_id: str | None = None,
    ) -> ListIntent:
        """The ``ListIntent`` that creates a list and its legs (apply it, journal it).

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
        named: list[tuple[OrderSpec, str]] = []
        for spec, cid in legs:
            intent = self.new_intent(spec, cid)  # validates the leg and its client id
            if any(intent.client_order_id == c for _, c in named):
                raise DuplicateClientOrderId(f"two legs use {intent.client_order_id!r}")
            named.append((spec, intent.client_order_id))
        return ListIntent(
            list_client_order_id=lid,
            at_ms=self._clock(),
            contingency_type=contingency_type,
            legs=tuple(named),
        )

    def create_list(
        self,
        contingency_type: ContingencyType,
        legs: Sequence[tuple[OrderSpec, str | None]],
        list_client_order_id: str | None = None,
    ) -> tuple[OrderList, list[Order]]:
        """Create and track a list and its legs in CREATED (nothing sent, nothing journaled:
        the manager applies and journals ``new_list_intent``'s event instead)."""
        intent = self.new_list_intent(contingency_type, legs, list_client_order_id)
        self.apply(intent)
        order_list = self.lists.by_client_id(intent.list_client_order_id)
        assert order_list is not None
        return order_list, self.legs(order_list)

    def mark_list_sent(self, order_list: OrderList) -> list[Output]:
        return self._list_command(ListSent, order_list)

    def mark_list_unknown(self, order_list: OrderList, reason: str) -> list[Output]:
        """The placement's outcome is unknown: query ``order_list.query_request()`` later."""
        return self._list_command(ListSendUnknown, order_list, reason=reason)

    def mark_list_rejected(self, order_list: OrderList, code: int, msg: str) -> list[Output]:
        return self._list_command(ListSendRejected, order_list, code=code, msg=msg)

    def mark_list_not_found(self, order_list: OrderList) -> list[Output]:
        """A query by the list's client id said it does not exist."""
        return self._list_command(ListNotFound, order_list)

    def list_cancel_request(self, order_list: OrderList) -> tuple[CancelOrderList, list[Output]]:
        """The request that cancels the whole list; the list (and its open legs that allow
        it) move to CANCEL_REQUESTED."""
        return order_list.cancel_request(), self._list_command(ListCancelRequested, order_list)

    def list_cancel_failed(self, order_list: OrderList, code: int, msg: str) -> list[Output]:
        return self._list_command(ListCancelRefused, order_list, code=code, msg=msg)

    def list_command(
        self, kind: type[ListCommand], order_list: OrderList, **fields: Any
    ) -> ListCommand:
        """The command event ``kind`` for ``order_list`` now (apply it, journal it).

        Raises:
            InvalidTransition: the list's state refuses the command's trigger.
        """
        if kind.trigger and TABLE.get((order_list.state, kind.trigger)) is None:
            raise InvalidTransition(
                f"{kind.trigger} is not allowed for list {order_list.list_client_order_id} "
                f"in state {order_list.state.name}"
            )
        return kind(
            list_client_order_id=order_list.list_client_order_id, at_ms=self._clock(), **fields
        )

    def _list_command(
        self, kind: type[ListCommand], order_list: OrderList, **fields: Any
    ) -> list[Output]:
        out: list[Output] = self.apply(self.list_command(kind, order_list, **fields))
        return out

    def _on_list_intent(self, c: ListIntent) -> list[Output]:
        held = self.lists.by_client_id(c.list_client_order_id)
        if held is not None and held.is_open:
            why = "list intent for a client id an open list uses"
            return [ReportIgnored(key=c.list_client_order_id, why=why)]
        out: list[Output] = []
        for spec, cid in c.legs:
            out += self.apply(Intent(client_order_id=cid, at_ms=c.at_ms, spec=spec))
        order_list = OrderList(
            list_client_order_id=c.list_client_order_id,
            symbol=c.legs[0][0].symbol,
            contingency_type=c.contingency_type,
            legs=tuple(cid for _, cid in c.legs),
            created_ms=c.at_ms,
            updated_ms=c.at_ms,
        )
        self.lists.add(order_list)
        return out

    def _on_list_command(self, c: ListCommand) -> list[Output]:
        """Move the list by the command's trigger, and each leg that allows it."""
        if type(c) is ListIntent:
            return self._on_list_intent(c)
        kind = type(c)
        order_list = self.lists.by_client_id(c.list_client_order_id)
        if order_list is None:
            return [ReportIgnored(key=c.list_client_order_id, why="command for an untracked list")]
        if kind is ListCancelRequested:
            order_list.cancel_in_flight = True
        elif kind is ListCancelRefused or kind is ListCancelUnknown:
            order_list.cancel_in_flight = False
        if isinstance(c, ListCancelUnknown):
            return self._on_list_cancel_unknown(order_list, c)
        out: list[Output] = []
        trigger = c.trigger
        why = f"{trigger} ({kind.__name__})"
        if not order_list.fire(trigger, why, out):
            why = f"{trigger} is not allowed for list {c.list_client_order_id}"
            return [ReportIgnored(key=c.list_client_order_id, why=why)]
        if isinstance(c, ListSendRejected | ListCancelRefused):
            order_list.reject_code, order_list.reject_msg = c.code, c.msg
        leg_command = _LEG_COMMANDS[kind]
        for leg in self.legs(order_list):
            if leg.local_next_state(trigger) is None:
                continue
            fields: dict[str, Any] = {}
            if isinstance(c, ListSendRejected | ListCancelRefused):
                fields = {"code": c.code, "msg": c.msg}
            elif isinstance(c, ListSendUnknown):
                fields = {"reason": c.reason}
            out += self.apply(
                leg_command(client_order_id=leg.client_order_id, at_ms=c.at_ms, **fields)
            )
        if isinstance(c, ListCancelRefused) and order_list.is_open:
            order_list.needs_check = True
            self._list_checks[order_list] = None
        order_list.updated_ms = max(order_list.updated_ms, c.at_ms)
        return out

    def _on_list_cancel_unknown(self, order_list: OrderList, c: ListCancelUnknown) -> list[Output]:
        """The list cancel's answer never came: the list and each leg still awaiting it are
        queried by client id (``_cancel_not_in_effect`` and ``_list_cancel_not_in_effect``
        move them back if the exchange still has them open)."""
        out: list[Output] = []
        for leg in self.legs(order_list):
            if leg.cancel_in_flight:
                cid, at_ms = leg.client_order_id, c.at_ms
                out += self.apply(CancelUnknown(client_order_id=cid, at_ms=at_ms, reason=c.reason))
            if leg.state is OrderState.CANCEL_REQUESTED:
                leg.needs_check = True
                self._checks[leg] = None
        if order_list.is_open:
            order_list.needs_check = True
            self._list_checks[order_list] = None
        return out

    def _list_cancel_not_in_effect(
        self, order_list: OrderList, report: ListStatus | OrderListStatus, out: list[Output]
    ) -> None:
        """CANCEL_REQUESTED, no cancel in flight, and a query's answer has the list still
        executing: the cancel never took effect (refused, lost, or a crash before it left).
        Back to EXECUTING, else no report could move the list again before its ALL_DONE."""
        if (
            type(report) is OrderListStatus
            and order_list.state is ListState.CANCEL_REQUESTED
            and not order_list.cancel_in_flight
            and report.list_order_status is ListOrderStatus.EXECUTING
        ):
            why = "list cancel not in effect: the exchange reports EXECUTING"
            order_list.fire("cancel_rejected", why, out)

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
        if not order_list.is_open:
            order_list.cancel_in_flight = False  # nothing left to cancel: nothing awaited
        self._list_cancel_not_in_effect(order_list, report, out)
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


# The leg command each list command applies to the legs that allow it.
_LEG_COMMANDS: dict[type[ListCommand], type[Command]] = {
    ListSent: Sent,
    ListSendUnknown: SendUnknown,
    ListSendRejected: SendRejected,
    ListNotFound: NotFound,
    ListCancelRequested: CancelRequested,
    ListCancelRefused: CancelRefused,
}


def settled_but_open(engine: ListEngine) -> list[OrderList]:
    """Open lists whose tracked legs have all ended: their ``ALL_DONE`` is late or lost, so
    each needs a query by its client id (reconciliation after a gap)."""
    out = []
    for order_list in engine.lists.open_lists():
        legs = engine.legs(order_list)
        if order_list.state is ListState.EXECUTING and legs and all(not o.is_open for o in legs):
            out.append(order_list)
    return out
