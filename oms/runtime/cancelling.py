"""Cancelling orders: one order with bounded resends, or every open order on a symbol.

Rules:
- A cancel request is applied and journaled (``CancelRequested``) before it is sent; while it
  is awaiting its answer the order's ``cancel_in_flight`` says so (a core fact), so the engine
  does not take a query's "still open" for a cancel that failed. Every way a cancel ends
  clears it: its answer, ``CancelRefused`` or ``CancelUnknown``.
- A cancel whose outcome is unknown is followed by a query. While the exchange still has
  the order open the cancel did not take effect and is sent again (a second cancel is
  harmless: -2011 at worst), up to ``cancel_attempts`` sends with backoff.
- -2011 (``CancelRejected``) is answered by checking the order, never by assuming it gone;
  any other refusal voids the request (back to the open state) and is raised.
- Which orders may be cancelled is the core's answer (``Engine.cancel_request``,
  ``Engine.cancel_all_targets``).
"""

from __future__ import annotations

import asyncio
import logging

from oms.core.commands import CancelRefused, CancelRequested, CancelUnknown
from oms.core.order import Order
from oms.errors import CancelRejected, OutcomeUnknown, RemoteError, TransportError
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher, Part
from oms.runtime.ports import Transport
from oms.runtime.reconcile import Reconciler

__all__ = ["Canceller"]

log = logging.getLogger("oms.runtime.manager")


class Canceller(Part):
    """Sends cancels and settles each order's outcome with the exchange."""

    def __init__(
        self,
        transport: Transport,
        dispatch: Dispatcher,
        config: ManagerConfig,
        reconciler: Reconciler,
    ) -> None:
        super().__init__(transport, dispatch, config)
        self.reconciler = reconciler

    async def cancel(self, order: Order) -> Order:
        """Cancel one order; see ``OrderManager.cancel`` for the contract."""
        self.dispatch.check_open()
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
        request = self.engine.cancel_request(order)
        self._requested(order)
        try:
            response = await self.transport.cancel_spot_order(request)
        except CancelRejected as exc:
            self._failed(order, exc)
            await self.reconciler.check_order(order)
        except (OutcomeUnknown, TransportError) as exc:
            log.warning(
                "cancel outcome unknown",
                extra={"client_order_id": order.client_order_id, "error": str(exc)},
            )
            self._unanswered(order, str(exc))
            await self.reconciler.check_order(order)
            return True
        except RemoteError as exc:
            self._failed(order, exc)
            raise
        except BaseException:
            if not self.dispatch.closed:  # closed: the journal keeps the cancel requested
                self._unanswered(order, "cancel interrupted")
            raise
        else:
            self.dispatch.apply(response)
            self._unanswered(order, "the answer named another order")
        return False

    def _requested(self, order: Order) -> None:
        at_ms = self.dispatch.clock()
        self.dispatch.apply(CancelRequested(client_order_id=order.client_order_id, at_ms=at_ms))
        self.dispatch.commit()  # durable before the cancel leaves (specs/durability.md)

    def _failed(self, order: Order, exc: RemoteError) -> None:
        failed = CancelRefused(
            client_order_id=order.client_order_id,
            at_ms=self.dispatch.clock(),
            code=exc.code,
            msg=exc.msg,
        )
        self.dispatch.apply(failed)

    def _unanswered(self, order: Order, reason: str) -> None:
        """The cancel is over without an answer about ``order`` (if it is still awaited)."""
        if order.cancel_in_flight:
            cid, at_ms = order.client_order_id, self.dispatch.clock()
            self.dispatch.apply(CancelUnknown(client_order_id=cid, at_ms=at_ms, reason=reason))

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order on ``symbol``; see ``OrderManager.cancel_all``."""
        self.dispatch.check_open()
        open_orders = [o for o in self.engine.open_orders() if o.symbol == symbol]
        requested = self.engine.cancel_all_targets(symbol)
        for order in requested:
            self._requested(order)
        try:
            responses = await self.transport.cancel_open_orders(symbol)
        except CancelRejected:
            responses = []  # -2011: nothing open on the exchange; the check below settles it
        except (OutcomeUnknown, TransportError):
            responses = []
        except RemoteError as exc:
            # Refused (e.g. -1021): nothing was canceled; our requests are void.
            for order in requested:
                if order.cancel_in_flight:
                    self._failed(order, exc)
            raise
        except BaseException:
            for order in requested:
                if not self.dispatch.closed:
                    self._unanswered(order, "cancel interrupted")
            raise
        for response in responses:
            self.dispatch.apply(response)
        for order in requested:
            self._unanswered(order, "the cancel-all answer did not name it")
        for order in open_orders:
            if not order.is_terminal:
                await self.reconciler.check_order(order)
        return open_orders
