"""Cancelling orders: one order with bounded resends, or every open order on a symbol.

Rules:
- A cancel request is marked (journaled) before it is sent; while it is in flight its
  client id is in the shared ``cancelling`` set, so a reconciliation does not take the
  exchange's "still open" for a cancel that failed.
- A cancel whose outcome is unknown is followed by a query. While the exchange still has
  the order open the cancel did not take effect and is sent again (a second cancel is
  harmless: -2011 at worst), up to ``cancel_attempts`` sends with backoff.
- -2011 (``CancelRejected``) is answered by checking the order, never by assuming it gone;
  any other refusal voids the request (back to the open state) and is raised.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

from oms.core.order import Order
from oms.core.state import OrderState
from oms.errors import CancelRejected, OutcomeUnknown, RemoteError, TransportError
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.ports import Transport
from oms.runtime.reconcile import Reconciler

__all__ = ["Canceller"]

log = logging.getLogger("oms.runtime.manager")
T = TypeVar("T")


class Canceller(Part):
    """Sends cancels and settles each order's outcome with the exchange."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        reconciler: Reconciler,
        cancelling: set[str],
    ) -> None:
        super().__init__(transport, dispatch, config)
        self.reconciler = reconciler
        self._cancelling = cancelling  # client ids with a cancel request in flight

    async def cancel(self, order: Order) -> Order:
        """Cancel one order; see ``OrderManager.cancel`` for the contract."""
        delay = self.config.resolve_initial_delay
        for _ in range(self.config.cancel_attempts - 1):
            if not await self._cancel_once(order) or order.is_terminal:
                return order
            log.info(
                "cancel not in effect, sending it again",
                extra={"client_order_id": order.client_order_id, "order_id": order.order_id},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.resolve_max_delay)
            if order.is_terminal:
                return order
        await self._cancel_once(order)
        return order

    async def _cancel_once(self, order: Order) -> bool:
        """Send one cancel and apply the answer; True when its outcome was unknown."""
        request, outputs = self.engine.cancel_request(order)
        self.dispatch.mark("cancel_requested", order, outputs)
        try:
            response = await self._call([order], self.transport.cancel_spot_order(request))
        except CancelRejected as exc:
            self._failed(order, exc)
            await self.reconciler.check_order(order)
        except (OutcomeUnknown, TransportError) as exc:
            log.warning(
                "cancel outcome unknown",
                extra={"client_order_id": order.client_order_id, "error": str(exc)},
            )
            await self.reconciler.check_order(order)
            return True
        except RemoteError as exc:
            self._failed(order, exc)
            raise
        else:
            self.dispatch.apply(response)
        return False

    def _failed(self, order: Order, exc: RemoteError) -> None:
        failed = self.engine.cancel_failed(order, exc.code, exc.msg)
        self.dispatch.mark("cancel_failed", order, failed, code=exc.code, msg=exc.msg)

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order on ``symbol``; see ``OrderManager.cancel_all``."""
        open_orders = [o for o in self.engine.open_orders() if o.symbol == symbol]
        requested = []
        for order in open_orders:
            if order.state in (OrderState.NEW, OrderState.PARTIALLY_FILLED):
                self.dispatch.mark("cancel_requested", order, self.engine.cancel_request(order)[1])
                requested.append(order)
        try:
            responses = await self._call(open_orders, self.transport.cancel_open_orders(symbol))
        except CancelRejected:
            responses = []  # -2011: nothing open on the exchange; the check below settles it
        except (OutcomeUnknown, TransportError):
            responses = []
        except RemoteError as exc:
            # Refused (e.g. -1021): nothing was canceled; our requests are void.
            for order in requested:
                if order.state is OrderState.CANCEL_REQUESTED:
                    self._failed(order, exc)
            raise
        for response in responses:
            self.dispatch.apply(response)
        for order in open_orders:
            if not order.is_terminal:
                await self.reconciler.check_order(order)
        return open_orders

    async def _call(self, orders: list[Order], call: Coroutine[Any, Any, T]) -> T:
        """Await a cancel request, knowing meanwhile that ``orders`` have one in flight."""
        cids = [o.client_order_id for o in orders]
        self._cancelling.update(cids)
        try:
            return await call
        finally:
            self._cancelling.difference_update(cids)
