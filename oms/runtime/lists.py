"""Order lists, amend and cancel-replace in the order manager: intent before send, one send,
never a blind resend.

Rules:
- The transport must offer ``oms.runtime.ports.OrderListTransport`` (both real ones do);
  otherwise every call here is a ``LocalError`` and nothing is sent.
- Intent before send: a list's ``ListIntent`` (its contingency, client id and each leg's spec
  and client id) and ``ListSent`` are applied and journaled before its request leaves; replay
  is decode-and-apply, as for orders (``oms.core.list_commands``, ``oms.runtime.recovery``).
- An unknown placement is resolved by querying the list by the client id we chose
  (``find_order_list``), then each leg by its client id through the ``Resolver``; it is never
  sent again. Only the legs' definite "does not exist" after their deadline declares the list
  never placed.
- A definite refusal marks the list and its legs rejected and is raised.
- Pre-trade checks before anything is created: each leg's spec (``check_spec``, no balance:
  a list's locks are the exchange's), and the open lists and algo orders we track against
  MAX_NUM_ORDER_LISTS / MAX_NUM_ALGO_ORDERS (filters.md).
- Amend keep priority changes nothing locally until the exchange reports it (the stream's
  ``x=REPLACED``): the answer is returned once that report is applied, or after
  ``balance_settle`` seconds without it (the stream is down: the order is then checked).
- Cancel-replace: the new order is journaled and marked sent like any order and the old one
  marked cancel-requested; the answer's halves (or the -2021 / -2022 ``data``) are applied as
  the cancel answer and the new order's answer they are; an unknown outcome resolves both by
  query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from oms.core.checks import ALGO_TYPES, SymbolRules, check_list_count, check_spec
from oms.core.commands import (
    CancelRefused,
    CancelRequested,
    CancelUnknown,
    SendRejected,
    SendUnknown,
    Sent,
)
from oms.core.list_commands import (
    ListCancelRefused,
    ListCancelRequested,
    ListCancelUnknown,
    ListCommand,
    ListNotFound,
    ListSendRejected,
    ListSendUnknown,
    ListSent,
)
from oms.core.list_engine import settled_but_open
from oms.core.list_state import ListState
from oms.core.lists import OrderList, oco_request, oto_request, otoco_request
from oms.core.order import Order
from oms.core.spec import OrderSpec, new_order_request
from oms.core.state import OrderState
from oms.errors import (
    CancelRejected,
    CancelReplaceFailed,
    Disconnected,
    LocalError,
    OmsError,
    OrderValidationError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
)
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.placing import open_algo_orders, symbol_rules
from oms.runtime.ports import OrderListTransport, Transport
from oms.runtime.resolve import Resolver
from oms.wire.amends import AmendKeepPriority, AmendResponse, CancelReplace, CancelReplaceAnswer
from oms.wire.enums import CancelReplaceMode, ContingencyType
from oms.wire.orderlists import NewOrderList
from oms.wire.rest import CancelResponse, ErrorBody

__all__ = ["ListPlacer"]


class ListPlacer(Part):
    """Places and cancels order lists; amends and cancel-replaces orders."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        resolver: Resolver,
        rules: Mapping[str, SymbolRules],
    ) -> None:
        super().__init__(transport, dispatch, config)
        self.resolver = resolver
        self._rules = rules

    def _lists(self) -> OrderListTransport:
        if not isinstance(self.transport, OrderListTransport):
            raise LocalError("this transport does not offer order lists, amend or cancel-replace")
        return self.transport

    # --- placing --------------------------------------------------------------------------

    async def place(
        self,
        kind: str,
        legs: Sequence[tuple[OrderSpec, str | None]],
        list_client_order_id: str | None,
    ) -> OrderList:
        """Place an OCO (above, below), OTO (working, pending) or OTOCO (working, pending
        above, pending below) from the legs' specs."""
        self.dispatch.check_open()
        transport = self._lists()
        self._precheck([spec for spec, _ in legs])
        contingency = ContingencyType.OCO if kind == "OCO" else ContingencyType.OTO
        intent = self.engine.new_list_intent(contingency, legs, list_client_order_id)
        lid = intent.list_client_order_id
        try:
            request = _request(kind, lid, intent.legs)
        except ValueError as exc:
            raise LocalError(str(exc)) from None  # nothing created, journaled or sent
        self.dispatch.apply(intent)  # journaled before the send
        order_list = self.engine.order_list(lid)
        assert order_list is not None
        self._command(ListSent, order_list)
        self.dispatch.commit()  # durable before the request leaves (specs/durability.md)
        try:
            answer = await transport.place_order_list(request)
        except OutcomeUnknown as exc:
            self._command(ListSendUnknown, order_list, reason=str(exc))
            await self.resolve(order_list, exc.request_time_ms, exc.recv_window_ms)
            return order_list
        except (RemoteError, RateLimited, Disconnected, LocalError) as exc:
            code = getattr(exc, "code", None) or 0
            msg = getattr(exc, "msg", None) or str(exc)
            self._command(ListSendRejected, order_list, code=code, msg=msg)
            raise
        except OmsError as exc:
            self._command(ListSendUnknown, order_list, reason=str(exc))
            await self.resolve(order_list, None, None)
            return order_list
        self.dispatch.apply(answer)
        return order_list

    def _precheck(self, specs: Sequence[OrderSpec]) -> None:
        try:
            for spec in specs:
                rules = symbol_rules(self._rules, spec.symbol)
                check_spec(rules, spec, reference_price=self.dispatch.last_price.get(spec.symbol))
            symbol = specs[0].symbol
            engine = self.engine
            open_lists = sum(1 for lst in engine.lists.open_lists() if lst.symbol == symbol)
            check_list_count(
                symbol_rules(self._rules, symbol),
                open_lists,
                open_algo_orders=open_algo_orders(engine.open_orders(), symbol),
                new_algo_orders=sum(1 for spec in specs if spec.order_type in ALGO_TYPES),
            )
        except OrderValidationError:
            self.metrics.inc("precheck_refused_total")
            raise

    def _command(self, kind: type[ListCommand], order_list: OrderList, **fields: Any) -> None:
        """Apply and journal a list command event."""
        self.dispatch.apply(self.engine.list_command(kind, order_list, **fields))

    async def resolve(
        self, order_list: OrderList, request_ms: int | None, window_ms: int | None
    ) -> None:
        """Query the list by its client id; then each leg by its own (never resend)."""
        try:
            found = await self._lists().find_order_list(order_list.list_client_order_id)
        except OmsError:
            found = None
        if found is not None:
            self.dispatch.apply(found)
        for leg in self.engine.legs(order_list):
            await self.resolver.resolve(leg, request_ms, window_ms)
        legs = self.engine.legs(order_list)
        if order_list.state is ListState.UNKNOWN and all(
            leg.state is OrderState.REJECTED for leg in legs
        ):
            self._command(ListNotFound, order_list)

    def interrupted(self) -> list[OrderList]:
        """After a restart (called by ``start()`` before it returns, so that a list placed
        the moment it returns is not taken for one): each list whose placement the journal
        left open (intent or send without an answer) is marked unknown, and returned to be
        resolved by ``resume``; a list cancel left awaiting its answer is no longer awaited
        (``ListCancelUnknown``; the check loop queries the list)."""
        waiting = (ListState.CREATED, ListState.PENDING_ACK, ListState.UNKNOWN)
        for order_list in [lst for lst in self.engine.lists if lst.cancel_in_flight]:
            self._command(ListCancelUnknown, order_list, reason="no answer: restarted")
        left = [lst for lst in self.engine.lists if lst.state in waiting]
        for order_list in left:
            if order_list.state is not ListState.UNKNOWN:
                self._command(ListSendUnknown, order_list, reason="interrupted by a restart")
        return left

    async def resume(self, left: list[OrderList]) -> None:
        """Resolve the lists ``interrupted`` returned by query, never resending them."""
        for order_list in left:
            await self.resolve(order_list, None, None)

    async def check_lists(self) -> None:
        """Query the lists that need it by their client id: those the engine queued (a
        conflict, a refused cancel) and open lists whose legs have all ended (their
        ``ALL_DONE`` late or lost: every reconnect is a gap)."""
        if not isinstance(self.transport, OrderListTransport):
            return
        wanted = {**dict.fromkeys(self.engine.take_list_checks()),
                  **dict.fromkeys(settled_but_open(self.engine))}  # fmt: skip
        for order_list in wanted:
            try:
                found = await self.transport.find_order_list(order_list.list_client_order_id)
            except OmsError:
                continue
            if found is not None:
                self.dispatch.apply(found)

    async def cancel(self, order_list: OrderList) -> OrderList:
        """Cancel the whole list (``DELETE /api/v3/orderList``)."""
        self.dispatch.check_open()
        transport = self._lists()
        self._command(ListCancelRequested, order_list)
        self.dispatch.commit()  # durable before the request leaves (specs/durability.md)
        try:
            answer = await transport.cancel_order_list(order_list.cancel_request())
        except CancelRejected as exc:
            self._command(ListCancelRefused, order_list, code=exc.code, msg=exc.msg)
            raise
        except BaseException as exc:
            # No answer (a timeout, a drop, a 5xx, a local refusal such as a rate-limit
            # wait, an interruption): unknown is not failed. The list and its legs stay
            # CANCEL_REQUESTED and are queried by client id (the check loop).
            if not self.dispatch.closed:  # closed: the journal keeps it requested
                reason = f"list cancel unanswered: {type(exc).__name__}"
                self._command(ListCancelUnknown, order_list, reason=reason)
            raise
        self.dispatch.apply(answer)
        if order_list.cancel_in_flight:  # the answer named another list
            self._command(ListCancelUnknown, order_list, reason="the answer named another list")
        return order_list

    # --- amend and cancel-replace ---------------------------------------------------------

    async def amend(
        self, order: Order, quantity: Decimal, new_client_order_id: str | None = None
    ) -> AmendResponse:
        """Lower ``order``'s quantity keeping its queue place.

        Without ``new_client_order_id`` the order keeps its client id (sent as the new one,
        which Binance allows: rest-api.md, Order Amend Keep Priority), since Binance would
        otherwise give it a random one and the order is tracked by client id.
        """
        self.dispatch.check_open()
        if order.order_id is None or not order.is_open:
            raise LocalError(f"order {order.client_order_id} is not open on the exchange")
        amend = AmendKeepPriority(
            symbol=order.symbol,
            order_id=order.order_id,
            new_qty=quantity,
            new_client_order_id=new_client_order_id or order.client_order_id,
        )
        try:
            answer = await self._lists().amend_keep_priority(amend)
        except OutcomeUnknown:
            # Maybe applied (5xx, -1007, no answer) and its x=REPLACED report may be lost:
            # the check's query says (and renames the order if it took the new client id).
            self._check(order)
            raise
        # The order changes when the exchange's x=REPLACED report is applied (then journaled);
        # wait briefly for it so a caller that reads the order, or exits, sees the amend.
        try:
            await self.dispatch.wait_for(
                lambda: order.quantity == answer.amended_order.qty,
                timeout=self.config.balance_settle,
            )
        except TimeoutError:
            self._check(order)
        return answer

    def _check(self, order: Order) -> None:
        """Queue ``order`` for the check loop's query (what the engine does on a conflict)."""
        self.dispatch.check_open()  # closed: the next start's reconciliation checks it
        order.needs_check = True
        self.engine._checks[order] = None

    async def cancel_replace(self, order: Order, spec: OrderSpec, mode: CancelReplaceMode) -> Order:
        """Cancel ``order`` and place ``spec`` in one request; the new order is returned."""
        self.dispatch.check_open()
        transport = self._lists()
        cancel = self.engine.cancel_request(order)  # refuses before anything is created
        intent = self.engine.new_intent(spec)
        dispatch, cid = self.dispatch, intent.client_order_id
        dispatch.apply(intent)
        new = self.engine.order(cid)
        assert new is not None
        dispatch.apply(
            CancelRequested(client_order_id=order.client_order_id, at_ms=dispatch.clock())
        )
        dispatch.apply(Sent(client_order_id=cid, at_ms=dispatch.clock()))
        dispatch.commit()  # durable before the request leaves (specs/durability.md)
        request = CancelReplace(
            new_order=new_order_request(spec, cid),
            mode=mode,
            cancel_order_id=cancel.order_id,
            cancel_orig_client_order_id=None if cancel.order_id else cancel.orig_client_order_id,
        )
        try:
            answer = await transport.cancel_replace(request)
        except CancelReplaceFailed as exc:
            if isinstance(exc.answer, CancelReplaceAnswer):
                self._apply_halves(order, new, exc.answer)
            else:
                await self._resolve_both(order, new)
            raise
        except (RemoteError, RateLimited, Disconnected, LocalError) as exc:
            # Definite, as for a new order (placing.py): refused before either half ran,
            # or never sent. The cancel is void and the new order does not exist.
            self._refused_both(order, new, exc)
            raise
        except OmsError:
            await self._resolve_both(order, new)
            raise
        self._apply_halves(order, new, answer)
        return new

    def _apply_halves(self, old: Order, new: Order, answer: CancelReplaceAnswer) -> None:
        dispatch = self.dispatch
        cancelled = answer.cancel()
        if isinstance(cancelled, CancelResponse):
            dispatch.apply(cancelled)
        else:
            dispatch.apply(CancelRefused(client_order_id=old.client_order_id,
                                         at_ms=dispatch.clock(), code=cancelled.code,
                                         msg=cancelled.msg))  # fmt: skip
        placed = answer.new_order()
        if placed is None or isinstance(placed, ErrorBody):
            code, msg = (0, "not attempted") if placed is None else (placed.code, placed.msg)
            dispatch.apply(SendRejected(client_order_id=new.client_order_id,
                                        at_ms=dispatch.clock(), code=code, msg=msg))  # fmt: skip
            return
        dispatch.apply(placed.as_answer())

    def _refused_both(self, old: Order, new: Order, exc: OmsError) -> None:
        dispatch, at_ms = self.dispatch, self.dispatch.clock()
        code = getattr(exc, "code", None) or 0
        msg = getattr(exc, "msg", None) or str(exc)
        dispatch.apply(CancelRefused(client_order_id=old.client_order_id, at_ms=at_ms,
                                     code=code, msg=msg))  # fmt: skip
        dispatch.apply(SendRejected(client_order_id=new.client_order_id, at_ms=at_ms,
                                    code=code, msg=msg))  # fmt: skip

    async def _resolve_both(self, old: Order, new: Order) -> None:
        dispatch = self.dispatch
        dispatch.apply(SendUnknown(client_order_id=new.client_order_id, at_ms=dispatch.clock(),
                                   reason="cancel-replace unknown"))  # fmt: skip
        # The cancel half is no longer awaited either: the check's query then settles it
        # (open: the cancel never took effect, Engine._cancel_not_in_effect).
        dispatch.apply(CancelUnknown(client_order_id=old.client_order_id, at_ms=dispatch.clock(),
                                     reason="cancel-replace unknown"))  # fmt: skip
        await self.resolver.resolve(new, None, None)
        self._check(old)


def _request(kind: str, lid: str, legs: tuple[tuple[OrderSpec, str], ...]) -> NewOrderList:
    if kind == "OCO" and len(legs) == 2:
        return oco_request(lid, legs[0], legs[1])
    if kind == "OTO" and len(legs) == 2:
        return oto_request(lid, legs[0], legs[1])
    if kind == "OTOCO" and len(legs) in (2, 3):
        return otoco_request(lid, legs[0], legs[1], legs[2] if len(legs) == 3 else None)
    raise ValueError(f"{kind} does not take {len(legs)} legs")
