"""Reconciliation: compare our view with the exchange's, correct it, report what differed.

Rules:
- The exchange is the authority. Every stream (re)subscription is a gap (Binance replays
  nothing, web-socket-api.md, User Data Stream requests), so the manager reconciles after each, at
  start, and periodically: account, open orders, every tracked order not settled, and its trades.
- Corrections go through the one path into the state (``Dispatcher.apply``); nothing here
  writes the engine directly. What an answer corrects is the core's decision (a query that
  finds open an order whose cancel is no longer in flight: the cancel never took effect,
  ``Engine`` moves it back to the open state).
- A failure to ask is recorded in the report's ``errors``, never raised: the next
  reconciliation tries again.
- An order the exchange does not know while it is in doubt is handed to the resolver
  (query by client id with the recvWindow deadline), never declared failed here.
- Order lists like orders (when the transport offers ``OrderListTransport``): the open
  lists (``GET /api/v3/openOrderList``, rest-api.md, Query Open Order lists) are applied, a
  list opened elsewhere is adopted, and every list we hold open that the exchange no longer
  lists as open is queried by its list client id (rest-api.md, Query Order list:
  ``origClientOrderId``); one it does not know is left to the placement's resolution.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

import msgspec

from oms.core.list_state import ListState
from oms.core.lists import OrderList
from oms.core.order import Order
from oms.core.outputs import BalanceChanged, FillApplied, OrderAdopted, Output, ReportIgnored
from oms.errors import ManagerClosed, NoSuchOrder, OmsError
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.ports import OrderListTransport, Transport
from oms.runtime.resolve import Resolver
from oms.wire.orderlists import OrderListStatus
from oms.wire.requests import QueryOrder
from oms.wire.rest import QueryOrderResponse

__all__ = ["Correction", "ReconcileReport", "Reconciler"]

log = logging.getLogger("oms.runtime.manager")


class Correction(msgspec.Struct, frozen=True, kw_only=True):
    """One difference a reconciliation found and corrected."""

    kind: str  # "order", "fill", "balance", "adopted", "list", "adopted list"
    key: str
    before: str
    after: str


class ReconcileReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a reconciliation compared, what differed and what it corrected."""

    reason: str
    started_ms: int
    finished_ms: int
    orders_checked: int
    open_on_exchange: int
    corrections: tuple[Correction, ...]
    errors: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.corrections and not self.errors


class Reconciler(Part):
    """Checks single orders and whole accounts against the exchange."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        resolver: Resolver,
        *,
        wall: Callable[[], int],
    ) -> None:
        super().__init__(transport, dispatch, config)
        self.resolver = resolver
        self._wall = wall
        self.last: ReconcileReport | None = None
        self.reconciled_at = 0  # wall ms of the last reconciliation's start

    async def check_order(self, order: Order) -> None:
        """Ask the exchange for one order's truth and its trades, and apply them."""
        query = QueryOrder(
            symbol=order.symbol,
            order_id=order.order_id,
            orig_client_order_id=None if order.order_id else order.client_order_id,
        )
        try:
            response = await self.transport.get_order(query)
        except NoSuchOrder:
            if order.in_doubt:
                self.resolver.begin(order)
            return
        except OmsError as exc:
            log.warning(
                "order check failed",
                extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
            )
            return
        self.dispatch.apply(response)
        await self.resolver.fetch_trades(order)

    async def reconcile(self, reason: str) -> ReconcileReport:
        """Compare account, open orders, tracked orders and their trades with the exchange,
        correct what differs, and report it."""
        self.dispatch.check_open()
        clock = self.dispatch.clock
        started = clock()
        self.reconciled_at = self._wall()
        corrections: list[Correction] = []
        errors: list[str] = []
        checked = 0
        open_count = 0
        try:
            account = await self.transport.get_account()
            corrections += _corrections(self.dispatch.apply(account))
            if isinstance(self.transport, OrderListTransport):
                # Lists first: the orders' part ends the reconciliation, so a caller that
                # sees an order corrected sees the report counted.
                lists = await self.transport.get_open_order_lists()
                corrections += await self._reconcile_lists(self.transport, lists)
            remote_open = await self.transport.get_open_orders()
            open_count = len(remote_open)
            corrections += await self._reconcile_orders(remote_open)
            checked = len(self.engine.orders())
        except ManagerClosed:
            raise  # not a finding of the reconciliation: the manager ended under it
        except OmsError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        report = ReconcileReport(
            reason=reason,
            started_ms=started,
            finished_ms=clock(),
            orders_checked=checked,
            open_on_exchange=open_count,
            corrections=tuple(corrections),
            errors=tuple(errors),
        )
        self.metrics.inc("reconciliations_total")
        self.metrics.inc("reconcile_corrections_total", len(corrections))
        self.last = report
        log.info(
            "reconciled",
            extra={"reason": reason, "corrections": len(corrections), "errors": len(errors)},
        )
        return report

    async def _reconcile_orders(self, remote_open: list[QueryOrderResponse]) -> list[Correction]:
        corrections: list[Correction] = []
        seen: set[str] = set()
        for response in remote_open:
            seen.add(response.client_order_id)
            corrections += _corrections(self.dispatch.apply(response))
        for order in list(self.engine.orders()):
            if _settled(order) or (
                order.client_order_id in seen and order.executed_qty <= order.filled
            ):
                continue
            before = (order.state, order.filled)
            await self.check_order(order)
            if (order.state, order.filled) != before:
                corrections.append(
                    Correction(
                        kind="order",
                        key=order.client_order_id,
                        before=f"{before[0].name} filled={before[1]}",
                        after=f"{order.state.name} filled={order.filled}",
                    )
                )
        return corrections

    async def _reconcile_lists(
        self, transport: OrderListTransport, remote_open: list[OrderListStatus]
    ) -> list[Correction]:
        book = self.engine.lists
        before = {lst: lst.state for lst in book}
        seen: set[str] = set()
        for status in remote_open:
            seen.add(status.list_client_order_id)
            self.dispatch.apply(status)
        for order_list in list(book.open_lists()):
            if order_list.list_client_order_id in seen or order_list not in before:
                continue
            try:
                found = await transport.find_order_list(order_list.list_client_order_id)
            except OmsError as exc:
                log.warning(
                    "order list check failed",
                    extra={"list": order_list.list_client_order_id, "error": type(exc).__name__},
                )
                continue
            if found is not None:
                self.dispatch.apply(found)
        return [c for lst in book if (c := _list_correction(lst, before.get(lst))) is not None]


def _list_correction(order_list: OrderList, before: ListState | None) -> Correction | None:
    if before is None:
        return Correction(kind="adopted list", key=order_list.list_client_order_id,
                          before="untracked", after=order_list.state.name)  # fmt: skip
    if before is order_list.state:
        return None
    return Correction(kind="list", key=order_list.list_client_order_id,
                      before=before.name, after=order_list.state.name)  # fmt: skip


def _settled(order: Order) -> bool:
    """Terminal with every fill it reported applied: nothing left to ask about."""
    return order.is_terminal and not order.awaiting_fills and order.executed_qty <= order.filled


def _corrections(outputs: Iterable[Output]) -> list[Correction]:
    return [c for c in map(_correction, outputs) if c is not None]


def _correction(out: Output) -> Correction | None:
    if isinstance(out, OrderAdopted):
        return Correction(
            kind="adopted", key=out.client_order_id, before="untracked", after=str(out.state)
        )
    if isinstance(out, FillApplied):
        return Correction(
            kind="fill",
            key=f"{out.symbol}:{out.trade_id}",
            before="missing",
            after=str(out.quantity),
        )
    if isinstance(out, BalanceChanged):
        if out.previous is None:
            return None
        return Correction(
            kind="balance",
            key=out.asset,
            before=str(out.previous),
            after=f"{out.free}/{out.locked}",
        )
    if hasattr(out, "previous_state") and not isinstance(out, ReportIgnored):
        return Correction(
            kind="order",
            key=str(getattr(out, "client_order_id", "?")),
            before=str(getattr(out, "previous_state", "")),
            after=str(getattr(out, "state", "")),
        )
    return None
