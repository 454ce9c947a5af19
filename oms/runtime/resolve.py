"""Resolving unknown outcomes: query by client id, with backoff, never resend.

Rules:
- Unknown is not failed. An order whose send had no definite answer (``OutcomeUnknown``),
  or that was journaled but maybe sent before a crash, is resolved only by the exchange's
  answer to a query by its client order id. It is never resent, and never resent with the
  same client id (rest-api.md, Query order: client ids are unique only among open orders).
- It is declared never placed (``NotFound``) only on a definite -2013 (``NoSuchOrder``),
  while its send is not in flight (``Order.send_in_flight``), once its ``timestamp +
  recvWindow`` deadline (plus a margin) has passed by the server clock: before that the
  request may still reach the matching engine.
- Whether an order is in doubt is the core's answer (``Order.in_doubt``, ``state.IN_DOUBT``).
- Any other failure of a query is retried with exponential backoff until the manager
  closes. One resolution per order at a time; a second caller waits for the first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from oms.core.commands import NotFound, SendUnknown
from oms.core.order import Order
from oms.core.state import OrderState
from oms.errors import NoSuchOrder, OmsError
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.ports import AllocationSource, Transport
from oms.wire.requests import QueryOrder
from oms.wire.rest import MyAllocation, MyTrade

__all__ = ["Resolver"]

log = logging.getLogger("oms.runtime.manager")


# myTrades returns at most 1000 rows (rest-api.md, Account trade list: limit default 500, max 1000);
# orderId + fromId is an allowed combination.
TRADES_PAGE = 1000
Row = TypeVar("Row", MyTrade, MyAllocation)


class Resolver(Part):
    """Resolves orders in doubt by asking the exchange; also fetches an order's trades."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        spawn: Callable[[Coroutine[Any, Any, None]], None],
    ) -> None:
        super().__init__(transport, dispatch, config)
        self._spawn = spawn
        self._resolving: set[str] = set()

    def resolving(self, order: Order) -> bool:
        """Whether a resolution of ``order`` is running."""
        return order.client_order_id in self._resolving

    def begin(self, order: Order) -> None:
        """Start resolving ``order`` in the background (an intent journaled but never marked
        sent was made ``SendUnknown`` by the restart: ``Engine.interrupted``)."""
        self._spawn(self.resolve(order, None, None))

    async def resolve(self, order: Order, request_ms: int | None, window_ms: int | None) -> None:
        """Query by client id until the exchange answers; never resend."""
        cid = order.client_order_id
        if cid in self._resolving:
            await self.dispatch.wait_for(lambda: not order.in_doubt, timeout=None)
            return
        self._resolving.add(cid)
        self.metrics.set("unknown_outcomes_open", len(self._resolving))
        deadline = self._deadline(order, request_ms, window_ms)
        answered = False
        try:
            answered = await self._ask_until_answered(order, deadline)
        finally:
            self._resolving.discard(cid)
            self.metrics.set("unknown_outcomes_open", len(self._resolving))
        if not answered and not order.in_doubt and order.order_id is not None:
            # A report (the stream's, or a reconciliation's) resolved it first: it exists.
            self.metrics.inc("unknown_resolved_found_total")
            self.metrics.inc("orders_placed_total")

    async def _ask_until_answered(self, order: Order, deadline_ms: int) -> bool:
        delay = self.config.resolve_initial_delay
        while order.in_doubt:
            self.dispatch.check_open()  # closed: unresolved, the next start resolves it
            if await self._resolve_once(order, deadline_ms):
                return True
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.resolve_max_delay)
        return False

    async def _resolve_once(self, order: Order, deadline_ms: int) -> bool:
        query = QueryOrder(symbol=order.symbol, orig_client_order_id=order.client_order_id)
        try:
            response = await self.transport.get_order(query)
        except NoSuchOrder:
            if order.send_in_flight or self.transport.server_time_ms() <= deadline_ms:
                return False  # may still start executing: keep asking
            self._never_placed(order)
            return True
        except OmsError as exc:
            log.info(
                "resolve query failed, retrying",
                extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
            )
            return False
        self.dispatch.apply(response)
        await self.fetch_trades(order)
        self.metrics.inc("unknown_resolved_found_total")
        self.metrics.inc("orders_placed_total")
        return True

    def _never_placed(self, order: Order) -> None:
        if order.state is OrderState.PENDING_ACK:
            # Sent, never answered, no longer in flight: its outcome is unknown;
            # not_found is UNKNOWN's edge only.
            self._unknown(order, "no answer")
        at_ms = self.dispatch.clock()
        self.dispatch.apply(NotFound(client_order_id=order.client_order_id, at_ms=at_ms))
        self.metrics.inc("unknown_resolved_not_placed_total")
        log.info("order never placed", extra={"client_order_id": order.client_order_id})

    def _unknown(self, order: Order, reason: str) -> None:
        cid, at_ms = order.client_order_id, self.dispatch.clock()
        self.dispatch.apply(SendUnknown(client_order_id=cid, at_ms=at_ms, reason=reason))

    def _deadline(self, order: Order, request_ms: int | None, window_ms: int | None) -> int:
        window = window_ms if window_ms is not None else self.transport.recv_window_ms
        clock = self.dispatch.clock
        margin = self.config.not_found_margin_ms
        if request_ms is None:
            # The request's own timestamp is not known (a restart, a check): it was stamped
            # after the order was created, possibly after a governor wait and a clock sync.
            offset = self.transport.server_time_ms() - clock()
            request_ms = (order.created_ms or clock()) + offset
            margin += self.config.unstamped_margin_ms
        return request_ms + window + margin

    async def fetch_trades(self, order: Order) -> None:
        """Fetch and apply ``order``'s trades (and an SOR order's allocations) when fills are
        known to be missing."""
        if order.order_id is None or (
            order.executed_qty <= order.filled and not order.awaiting_fills
        ):
            return
        oid, symbol, transport = order.order_id, order.symbol, self.transport

        def trades(from_id: int | None) -> Awaitable[list[MyTrade]]:
            return transport.get_my_trades(symbol, order_id=oid, from_id=from_id, limit=TRADES_PAGE)

        if not await self._pages(order, "trade", trades, lambda t: t.id):
            return
        if order.executed_qty > order.filled and isinstance(transport, AllocationSource):
            # Still short: an order placed with smart order routing is filled by allocations,
            # which myTrades does not list (rest-api.md, Query Allocations).
            source = transport

            def allocations(from_id: int | None) -> Awaitable[list[MyAllocation]]:
                return source.get_my_allocations(
                    symbol, order_id=oid, from_allocation_id=from_id, limit=TRADES_PAGE
                )

            await self._pages(order, "allocation", allocations, lambda a: a.allocation_id)

    async def _pages(
        self,
        order: Order,
        what: str,
        fetch: Callable[[int | None], Awaitable[list[Row]]],
        row_id: Callable[[Row], int],
    ) -> bool:
        """Apply every page of ``fetch`` (an order may have more rows than one answer holds:
        the next page starts after the highest id seen); False when a fetch failed."""
        from_id: int | None = None
        while True:
            try:
                rows = await fetch(from_id)
            except OmsError as exc:
                log.warning(
                    f"{what} fetch failed",
                    extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
                )
                return False
            for row in rows:
                self.dispatch.apply(row)
            if len(rows) < TRADES_PAGE:
                return True
            from_id = max(map(row_id, rows)) + 1
