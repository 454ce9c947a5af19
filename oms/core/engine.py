"""The engine: the one synchronous facade the order manager drives.

Rules:
- Sans-IO: the clock and the client-id generator are injected; nothing here sleeps, sends,
  reads a clock of its own or draws randomness. The caller performs every request the
  engine hands back (``NewOrder``, ``CancelOrder``) and feeds the answers back in.
- ONE door, ``apply``, like h11's: the exchange's reports (stream events, REST answers) and
  our own command events (``oms.core.commands``: ``Intent``, ``Sent``, ``SendUnknown``, ...)
  both enter there, and the manager journals exactly what went in. It never raises on
  content: contradictions come back as ``ReportConflict`` outputs and the order is queued for
  a check (``take_checks``); a command the state refuses changes nothing and comes back as a
  ``ReportIgnored`` saying why.
- Decisions before a request is sent are the engine's too, and raise when refused, changing
  nothing: ``new_intent`` / ``create_order`` (a valid spec and client id),
  ``cancel_request`` (only an order open on the exchange may be cancelled).
- The lifecycle facts the manager asks about are the core's: ``Order.in_doubt``,
  ``Order.send_in_flight``, ``Order.cancel_in_flight``, ``cancel_all_targets``,
  ``interrupted`` (what a restart leaves unanswered), and the correction a query answer
  implies (a cancel that never took effect).
- An ``executionReport`` is handled in ``apply``'s own body (the hot path); other reports
  and the command events are dispatched on ``type(report)`` through a dict built once.
- A report about an order the engine does not know is adopted (an order opened elsewhere),
  except where the report lacks what an order needs (an ACK, a trade row).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import ClassVar

from oms.core.balances import BalanceLedger
from oms.core.commands import (
    COMMAND_TYPES,
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
from oms.core.list_commands import LIST_COMMAND_TYPES, ListCommand
from oms.core.list_engine import ListEngine
from oms.core.lists import OrderList, OrderListBook
from oms.core.order import Order, allocation_key
from oms.core.outputs import FillApplied, OrderAdopted, Output, ReconcileNeeded, ReportIgnored
from oms.core.registry import OrderRegistry
from oms.core.spec import OrderSpec, new_order_request, spec_of_answer, spec_of_report
from oms.core.state import TERMINAL_STATES, WORKING_STATES, OrderState, state_of_status
from oms.core.triggers import take_trigger_keys
from oms.errors import DuplicateClientOrderId, InvalidTransition, OrderValidationError
from oms.wire.enums import (
    ExecutionType,
    OrderResponseType,
    OrderStatus,
    OrderType,
)
from oms.wire.events import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
    ServerShutdown,
    Unrecognised,
)
from oms.wire.money import ZERO
from oms.wire.orderlists import OrderListAnswer, OrderListStatus
from oms.wire.requests import CancelOrder, NewOrder
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    MyAllocation,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    OrderFill,
    QueryOrderResponse,
)
from oms.wire.stream import BadFrame, StreamGap

__all__ = ["Engine", "Report"]

_X_REPLACED = ExecutionType.REPLACED

Report = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | ExternalLockUpdate
    | ListStatus
    | EventStreamTerminated
    | ServerShutdown
    | Unrecognised
    | NewOrderAck
    | NewOrderResult
    | NewOrderFull
    | CancelResponse
    | QueryOrderResponse
    | MyTrade
    | MyAllocation
    | AccountInfo
    | StreamGap
    | BadFrame
    | Command
    | ListCommand
    | OrderListStatus
    | OrderListAnswer
)

_OrderAnswer = NewOrderResult | CancelResponse | QueryOrderResponse
_OPEN_STATUSES = frozenset({OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED})
# Orders without a trigger (LIMIT, MARKET; LIMIT_MAKER is rare enough to take the slow
# branch): their w / W / d / D say nothing the state does not.
_LIMIT, _MARKET = OrderType.LIMIT, OrderType.MARKET


class Engine(ListEngine):
    """Tracks orders, order lists and balances; turns commands into requests and reports
    into outputs (the order-list half is ``oms.core.list_engine``)."""

    # The Order class the engine creates (the benchmark swaps in its naive variant).
    order_class: ClassVar[type[Order]] = Order

    def __init__(self, clock: Callable[[], int], new_client_order_id: Callable[[], str]) -> None:
        """Create an engine.

        Args:
            clock: current time in ms (the caller's clock; used for local commands).
            new_client_order_id: generator of client order ids for ``create_order``.
        """
        self._clock = clock
        self._new_client_order_id = new_client_order_id
        self.book = OrderRegistry()
        self._by_id = self.book._by_id  # the book's id index, read directly per report
        self.balances = BalanceLedger()
        self._checks: dict[Order, None] = {}
        # Orders awaiting their ack -> the newest exchange time known at their creation.
        self._exchange_ms_at_creation: dict[Order, int] = {}
        self.lists = OrderListBook()
        self._list_checks: dict[OrderList, None] = {}
        self._handlers: dict[type, Callable[[object], list[Output]]] = {
            OutboundAccountPosition: self.balances.apply_position,  # type: ignore[dict-item]
            BalanceUpdate: self.balances.apply_balance_update,  # type: ignore[dict-item]
            ExternalLockUpdate: self.balances.apply_lock_update,  # type: ignore[dict-item]
            AccountInfo: self.balances.apply_account,  # type: ignore[dict-item]
            NewOrderAck: self._on_ack,  # type: ignore[dict-item]
            NewOrderResult: self._on_answer,  # type: ignore[dict-item]
            NewOrderFull: self._on_answer,  # type: ignore[dict-item]
            CancelResponse: self._on_answer,  # type: ignore[dict-item]
            QueryOrderResponse: self._on_answer,  # type: ignore[dict-item]
            MyTrade: self._on_trade,  # type: ignore[dict-item]
            MyAllocation: self._on_trade,  # type: ignore[dict-item]
            ListStatus: self._on_list_status,  # type: ignore[dict-item]
            OrderListStatus: self._on_list_status,  # type: ignore[dict-item]
            OrderListAnswer: self._on_list_answer,  # type: ignore[dict-item]
            EventStreamTerminated: _nothing,
            ServerShutdown: _nothing,
            Unrecognised: _unrecognised,  # type: ignore[dict-item]
            StreamGap: _gap,  # type: ignore[dict-item]
            BadFrame: _bad_frame,  # type: ignore[dict-item]
            Intent: self._on_intent,  # type: ignore[dict-item]
        }
        for command in COMMAND_TYPES:
            if command is not Intent:
                self._handlers[command] = self._on_command  # type: ignore[assignment]
        for list_command in LIST_COMMAND_TYPES:
            self._handlers[list_command] = self._on_list_command  # type: ignore[assignment]

    # --- queries ------------------------------------------------------------------------

    def order(self, client_order_id: str) -> Order | None:
        """The latest tracked order with this client id."""
        return self.book.by_client_id(client_order_id)

    def order_by_id(self, symbol: str, order_id: int) -> Order | None:
        return self.book.by_order_id(symbol, order_id)

    def orders(self) -> list[Order]:
        """Every tracked order (the latest per client id)."""
        return list(self.book.orders())

    def open_orders(self) -> list[Order]:
        """Tracked orders not in a terminal state."""
        return list(self.book.open_orders())

    def take_checks(self) -> list[Order]:
        """The orders to check against the exchange (query, myTrades); clears the set."""
        checks = list(self._checks)
        self._checks.clear()
        for order in checks:
            order.needs_check = False
        return checks

    def forget(self, order: Order) -> None:
        """Stop tracking a terminal order (archive it first if it matters).

        Raises:
            InvalidTransition: the order is still open.
        """
        if order.is_open:
            raise InvalidTransition(f"order {order.client_order_id} is open; cannot forget it")
        self.book.forget(order)
        self._checks.pop(order, None)
        self._exchange_ms_at_creation.pop(order, None)

    # --- our own commands -----------------------------------------------------------------

    def new_intent(self, spec: OrderSpec, client_order_id: str | None = None) -> Intent:
        """The ``Intent`` that creates an order of ``spec`` (apply it, journal it).

        Stamped with the engine's clock; the client id is generated when not given.

        Raises:
            DuplicateClientOrderId: a tracked open order already uses the client id.
            OrderValidationError: no positive quantity (or ``quote_order_qty`` for MARKET),
                both given, or a client id Binance would refuse.
        """
        _check_amounts(spec.order_type, spec.quantity, spec.quote_order_qty)
        cid = self._new_client_order_id() if client_order_id is None else client_order_id
        if not is_valid_client_order_id(cid):
            raise OrderValidationError(
                f"client order id {cid!r} must match ^[a-zA-Z0-9-_]{{1,36}}$",
                rule="newClientOrderId",
            )
        if self.book.open_by_client_id(cid) is not None:
            raise DuplicateClientOrderId(f"client order id {cid!r} is used by an open order")
        return Intent(client_order_id=cid, at_ms=self._clock(), spec=spec)

    def create_order(self, spec: OrderSpec, client_order_id: str | None = None) -> Order:
        """Create and track an order of ``spec`` in CREATED (nothing is sent, nothing is
        journaled: the manager applies and journals ``new_intent``'s event instead).

        Raises:
            as ``new_intent``.
        """
        intent = self.new_intent(spec, client_order_id)
        order = self.order_class.create(spec, intent.client_order_id, intent.at_ms)
        self.book.add(order)
        # The exchange's time as far as we know it (see _may_be).
        self._exchange_ms_at_creation[order] = self.balances.newest_version()
        return order

    def new_order_request(
        self, order: Order, *, response_type: OrderResponseType | None = None
    ) -> NewOrder:
        """The ``NewOrder`` request that places ``order`` (apply ``Sent``, then send it)."""
        return new_order_request(order.spec, order.client_order_id, response_type)

    def cancel_request(self, order: Order) -> CancelOrder:
        """The ``CancelOrder`` for ``order`` (apply ``CancelRequested``, then send it).

        Raises:
            InvalidTransition: the order is terminal, or not yet known to the exchange
                (CREATED, PENDING_ACK, UNKNOWN: resolve it first).
        """
        if not order.cancellable:
            raise InvalidTransition(
                f"request_cancel is not allowed for order {order.client_order_id} "
                f"in state {order.state.name}"
            )
        # By exchange order id alone once known (rest-api.md, Cancel order: with both ids
        # the client id must still be the order's, and an amend may have renamed it
        # unseen, its x=REPLACED report lost; orderId alone is also the faster cancel).
        oid = order.order_id
        return CancelOrder(
            symbol=order.symbol,
            order_id=oid,
            orig_client_order_id=order.client_order_id if oid is None else None,
        )

    def cancel_all_targets(self, symbol: str) -> list[Order]:
        """The orders on ``symbol`` a cancel-all asks to cancel (apply ``CancelRequested`` to
        each): open on the exchange and not already being cancelled (NEW, PENDING_NEW,
        PARTIALLY_FILLED)."""
        return [
            o for o in self.book.open_orders() if o.symbol == symbol and o.state in WORKING_STATES
        ]

    def interrupted(self, at_ms: int) -> list[Command]:
        """After a restart (a replay), the commands that end what the old process left
        unfinished: its requests will never be answered to it.

        An intent never marked sent, or a send in flight, has an unknown outcome
        (``SendUnknown``: resolved by query, never resent); a cancel in flight is no longer
        awaited (``CancelUnknown``). Apply and journal each.
        """
        commands: list[Command] = []
        for order in self.book.open_orders():
            cid = order.client_order_id
            if order.state is OrderState.CREATED:
                commands.append(
                    SendUnknown(client_order_id=cid, at_ms=at_ms, reason="intent without send")
                )
            elif order.send_in_flight:
                commands.append(
                    SendUnknown(client_order_id=cid, at_ms=at_ms, reason="no answer: restarted")
                )
            if order.cancel_in_flight:
                commands.append(
                    CancelUnknown(client_order_id=cid, at_ms=at_ms, reason="no answer: restarted")
                )
        return commands

    def _on_intent(self, c: Intent) -> list[Output]:
        if self.book.open_by_client_id(c.client_order_id) is not None:
            why = "intent for a client id an open order uses"
            return [ReportIgnored(key=c.client_order_id, why=why)]
        self.book.add(self.order_class.create(c.spec, c.client_order_id, c.at_ms))
        return []

    def _on_command(self, c: Command) -> list[Output]:
        """Apply one of our command events (other than ``Intent``) to its order."""
        order = self.book.by_client_id(c.client_order_id)
        kind = type(c)
        if order is None:
            why = f"{kind.__name__} for an untracked order"
            return [ReportIgnored(key=c.client_order_id, why=why)]
        # The answer (or the end of waiting for it) to a request in flight: a fact,
        # whatever the state machine says of the trigger.
        if kind is SendUnknown or kind is SendRejected:
            order.send_in_flight = False
        elif kind is CancelRefused or kind is CancelUnknown:
            order.cancel_in_flight = False
        if not c.trigger:
            return []
        out: list[Output] = []
        dest = order.local_next_state(c.trigger)
        if dest is None:
            why = f"{c.trigger} is not allowed for order {c.client_order_id} in {order.state.name}"
            return [ReportIgnored(key=c.client_order_id, why=why)]
        if isinstance(c, SendRejected):
            order.reject_code, order.reject_msg = c.code, c.msg
        elif kind is NotFound:
            order.reject_code, order.reject_msg = -2013, "Order does not exist."
        elif kind is Sent:
            order.send_in_flight = True
        elif kind is CancelRequested:
            order.cancel_in_flight = True
        order.fire_local(c.trigger, _why(c), out)
        if kind is CancelRefused and order.is_open:
            # -2011 on an order we think open: its closing report is probably in flight.
            order.needs_check = True
        if out and c.at_ms > order.updated_ms:
            order.updated_ms = c.at_ms
        self._after(order)
        return out

    # --- the one door: exchange reports and our own command events -------------------------

    def apply(self, report: Report) -> list[Output]:
        """Apply one exchange report (stream event or REST answer) or one of our command
        events (``oms.core.commands``); never raises on content.

        Returns:
            What changed, in order: state changes, fills, balances, conflicts, or a
            ``ReportIgnored`` when nothing did.
        """
        if type(report) is not ExecutionReport:
            if type(report) is OutboundAccountPosition:  # the next most frequent report
                return self.balances.apply_position(report)
            handler = self._handlers.get(type(report))
            if handler is None:
                why = f"unsupported report type {type(report).__name__}"
                return [ReportIgnored(key=None, why=why)]
            return handler(report)
        # The hot path, in this method's own body (one call per report fewer).
        out: list[Output] = []
        # By exchange order id, OrderRegistry.by_order_id's common case inline.
        order = self._by_id.get(report.order_id)
        if order is None or order.symbol != report.symbol:
            order = self._find_or_adopt(report, out)
        order.apply_execution_report(report, out)
        if report.execution_type is _X_REPLACED:
            self._follow_amend(order, report)
        kind = report.order_type  # identity tests: the cheapest check on the hot path
        if (kind is not _LIMIT and kind is not _MARKET) or report.order_list_id != -1:
            take_trigger_keys(order, report)
        if order.state in TERMINAL_STATES:  # _after(), inlined: per report
            self.book.update_open(order)
            own = report.orig_client_order_id or report.client_order_id
            if own and own != order.client_order_id:
                # Its closing report names it by another client id: an amend renamed it and
                # that x=REPLACED report was lost (``C``, else ``c``, is the order's own id:
                # user-data-stream.md, Order Update).
                self.book.rename(order, own)
        if order.needs_check:
            self._checks[order] = None
        return out

    def _after(self, order: Order) -> None:
        if order.state in TERMINAL_STATES:
            self.book.update_open(order)
        if order.needs_check:
            self._checks[order] = None

    def _may_be(self, order: Order, r: ExecutionReport) -> bool:
        """Whether ``r`` can be about ``order``, which awaits its acknowledgement (so has no
        order id to compare): the same quantity, and not created on the exchange before the
        newest exchange time we knew when we created ours (the ledger's newest balance
        version: the exchange's clock, whatever ours says)."""
        if order.quantity is not None and r.quantity != order.quantity:
            return False
        return r.created_time >= self._exchange_ms_at_creation.get(order, 0)

    def _follow_amend(self, order: Order, r: ExecutionReport) -> None:
        """An applied amend may give the order a new client id (random unless asked;
        faqs/order_amend_keep_priority.md): from now on the order is known by it."""
        cid = r.client_order_id
        if cid and cid != order.client_order_id and order.quantity == r.quantity:
            self.book.rename(order, cid)

    def _find_or_adopt(self, r: ExecutionReport, out: list[Output]) -> Order:
        """The order of a report not found on the hot path: by id on another symbol, by
        client id, else adopted."""
        book = self.book
        if r.orig_client_order_id or book._displaced or book._by_symbol_id:
            order = book.find(r.symbol, r.order_id, r.orig_client_order_id, r.client_order_id)
        else:
            # find()'s common case inline (a report's first sight of our order: ``C`` empty,
            # no displaced order, no id shared across symbols, and the id index missed).
            order = book._by_client.get(r.client_order_id)
            if order is not None and order.symbol != r.symbol:
                order = None
        if order is not None and order.order_id is not None and order.order_id != r.order_id:
            order = None  # that client id now belongs to another order
        if order is not None and order.order_id is None and not self._may_be(order, r):
            order = None  # a late report about an older order that used our client id
        if order is None:
            # On a cancel report ``C`` is the order's own id and ``c`` the cancel's
            # (user-data-stream.md, Order Update).
            cid = r.orig_client_order_id or r.client_order_id
            held = self.book.open_by_client_id(cid)
            if held is not None and held.symbol == r.symbol and held.order_id is not None:
                # Client ids are unique among open orders (rest-api.md, New order
                # (newClientOrderId)): another order using ours means ours has ended unseen. Both
                # are tracked; ours is checked with the exchange (by its order id).
                held.conflict(
                    "client id reused", f"order {held.order_id}", f"order {r.order_id}", out
                )
                self._checks[held] = None
            spec = spec_of_report(r)
            return self._adopt(
                out, "executionReport", cid, spec, r.created_time, r.order_id, r.status
            )
        if order.order_id is None:
            order.order_id = r.order_id
            self.book.bind(order)
            self._exchange_ms_at_creation.pop(order, None)
        return order

    def _on_ack(self, ack: NewOrderAck) -> list[Output]:
        order = self.book.find(ack.symbol, ack.order_id, "", ack.client_order_id)
        if order is None:
            # An ACK carries no side, type or quantity: nothing to adopt from.
            return [ReportIgnored(key=ack.client_order_id, why="ACK for an untracked order")]
        order.send_in_flight = False  # the place request's answer
        return self._answer(
            order,
            [],
            order_id=ack.order_id,
            trigger="NEW",
            quantity=None,
            executed=None,
            fills=(),
            expiry_reason=None,
            time_ms=ack.transact_time,
        )

    def _on_answer(self, r: _OrderAnswer) -> list[Output]:
        out: list[Output] = []
        # A cancel answer's ``clientOrderId`` is the cancel's own id (rest-api.md, Cancel order).
        own_id = r.orig_client_order_id if type(r) is CancelResponse else r.client_order_id
        order = self.book.find(r.symbol, r.order_id, own_id, "")
        if order is None:
            spec = spec_of_answer(r)
            time_ms = _answer_time(r)
            order = self._adopt(out, type(r).__name__, own_id, spec, time_ms, r.order_id, r.status)
        elif type(r) is CancelResponse:
            order.cancel_in_flight = False  # the cancel request's answer
        elif type(r) is not QueryOrderResponse:
            order.send_in_flight = False  # the place request's answer
        fills = r.fills if type(r) is NewOrderFull else ()
        trigger = r.status.value
        self._answer(
            order,
            out,
            order_id=r.order_id,
            trigger=trigger,
            quantity=r.orig_qty,
            executed=r.executed_qty,
            fills=fills,
            expiry_reason=r.expiry_reason,
            time_ms=_answer_time(r),
        )
        if type(r) is QueryOrderResponse:
            self._cancel_not_in_effect(order, r, out)
        if own_id and own_id != order.client_order_id and order.order_id == r.order_id:
            self._follow_rename(order, own_id, r)
        return out

    def _follow_rename(self, order: Order, own_id: str, r: _OrderAnswer) -> None:
        """An answer about ``order`` (matched by exchange order id) names it by another
        client id: an amend renamed it (faqs/order_amend_keep_priority.md) and its
        x=REPLACED report was lost. Trusted from a cancel answer's ``origClientOrderId``
        (the order's own id, rest-api.md, Cancel order) and from an answer showing the order
        open (a query, a new order's answer); a closed order's ``clientOrderId`` is left
        alone."""
        if type(r) is CancelResponse or r.status in _OPEN_STATUSES:
            self.book.rename(order, own_id)

    def _cancel_not_in_effect(self, order: Order, r: QueryOrderResponse, out: list[Output]) -> None:
        """CANCEL_REQUESTED, no cancel in flight, and the exchange's answer to a query has the
        order open: the cancel never took effect (refused, lost, or a crash before it left).
        Back to the open state, else no report could ever move the order again (NEW and
        PARTIALLY_FILLED are self-loops of CANCEL_REQUESTED)."""
        if (
            order.state is OrderState.CANCEL_REQUESTED
            and not order.cancel_in_flight
            and order.order_id == r.order_id
            and r.status in _OPEN_STATUSES
        ):
            why = f"cancel not in effect: the exchange reports {r.status.value}"
            order.fire_local("cancel_rejected", why, out)
            order.needs_check = True
            self._after(order)

    def _answer(
        self,
        order: Order,
        out: list[Output],
        *,
        order_id: int,
        trigger: str,
        quantity: Decimal | None,
        executed: Decimal | None,
        fills: Iterable[OrderFill],
        expiry_reason: str | None,
        time_ms: int,
    ) -> list[Output]:
        if order.order_id is None:
            order.order_id = order_id
            self.book.bind(order)
            self._exchange_ms_at_creation.pop(order, None)
        order.apply_order_answer(
            order_id=order_id,
            trigger=trigger,
            quantity=quantity if quantity else None,
            executed=executed,
            fills=[_full_fill(order, f, time_ms) for f in fills],
            expiry_reason=expiry_reason,
            time_ms=time_ms,
            out=out,
        )
        self._after(order)
        return out

    def _on_trade(self, trade: MyTrade | MyAllocation) -> list[Output]:
        """A ``myTrades`` row, or a ``myAllocations`` row (an SOR fill, keyed by
        ``allocation_key``: see ``oms.core.order``)."""
        if isinstance(trade, MyAllocation):
            what, trade_id = "allocation", allocation_key(trade.allocation_id)
            row_id = trade.allocation_id
        else:
            what, trade_id = "trade", trade.id
            row_id = trade.id
        order = self.book.by_order_id(trade.symbol, trade.order_id)
        if order is None:
            # A trade row has no client id, type or quantity: nothing to adopt from.
            why = f"{what} {row_id} of untracked order {trade.order_id}"
            return [ReportIgnored(key=None, why=why)]
        fill = FillApplied(
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            order_id=trade.order_id,
            side=order.side,
            trade_id=trade_id,
            quantity=trade.qty,
            price=trade.price,
            quote_quantity=trade.quote_qty,
            commission=trade.commission,
            commission_asset=trade.commission_asset,
            is_maker=trade.is_maker,
            time_ms=trade.time,
        )
        out: list[Output] = []
        order.apply_order_answer(
            order_id=trade.order_id,
            trigger="",
            quantity=None,
            executed=None,
            fills=(fill,),
            expiry_reason=None,
            time_ms=trade.time,
            out=out,
        )
        self._after(order)
        return out

    def _adopt(  # noqa: PLR0917 - one call per adopted order, all of it needed
        self,
        out: list[Output],
        source: str,
        client_order_id: str,
        spec: OrderSpec,
        created_ms: int,
        order_id: int,
        status: OrderStatus,
    ) -> Order:
        order = self.order_class.create(spec, client_order_id, created_ms, order_id)
        self.book.add(order)
        out.append(
            OrderAdopted(
                client_order_id=client_order_id,
                symbol=spec.symbol,
                order_id=order_id,
                state=state_of_status(status),
                source=source,
            )
        )
        return order


def _why(c: Command) -> str:
    if isinstance(c, SendUnknown):
        return f"outcome unknown: {c.reason}"
    if isinstance(c, SendRejected):
        return f"rejected {c.code}: {c.msg}"
    if isinstance(c, CancelRefused):
        return f"cancel refused {c.code}: {c.msg}"
    return {"send": "sent", "not_found": "not found", "request_cancel": "cancel requested"}.get(
        c.trigger, c.trigger
    )


def _check_amounts(
    order_type: OrderType, quantity: Decimal | None, quote_order_qty: Decimal | None
) -> None:
    if quote_order_qty is not None:
        if order_type is not OrderType.MARKET or quantity is not None:
            raise OrderValidationError(
                "quote_order_qty is for MARKET orders, instead of quantity "
                "(rest-api.md, New order)",
                rule="quoteOrderQty",
            )
        amount, name = quote_order_qty, "quote_order_qty"
    elif quantity is None:
        raise OrderValidationError("quantity is required", rule="quantity")
    else:
        amount, name = quantity, "quantity"
    if not (amount.is_finite() and amount > ZERO):
        raise OrderValidationError(f"{name} must be a positive amount, not {amount}", rule=name)


def _answer_time(r: _OrderAnswer) -> int:
    return r.update_time if isinstance(r, QueryOrderResponse) else r.transact_time


def _full_fill(order: Order, f: OrderFill, time_ms: int) -> FillApplied:
    # FULL ``fills[]`` have no quote quantity or maker flag: the order took liquidity as it
    # arrived, so these are taker fills (rest-api.md, New order).
    return FillApplied(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        order_id=order.order_id,
        side=order.side,
        trade_id=f.trade_id
        if f.trade_id >= 0 or f.alloc_id is None
        else allocation_key(f.alloc_id),
        quantity=f.qty,
        price=f.price,
        quote_quantity=f.price * f.qty,
        commission=f.commission,
        commission_asset=f.commission_asset,
        is_maker=False,
        time_ms=time_ms,
    )


def _nothing(_: object) -> list[Output]:
    return []


def _unrecognised(event: Unrecognised) -> list[Output]:
    return [ReportIgnored(key=None, why=f"unrecognised event type {event.event_type!r}")]


def _gap(gap: StreamGap) -> list[Output]:
    return [ReconcileNeeded(reason=f"stream gap: {gap.reason}")]


def _bad_frame(frame: BadFrame) -> list[Output]:
    return [ReconcileNeeded(reason=f"undecodable frame ({frame.error}): a report may be lost")]
