"""``SimTransport``'s calls for order lists, cancel-replace and amend (a mixin).

Rules: the same calls, answers and errors as ``transports.binance.lists.OrderListCalls``
(``oms.runtime.ports.OrderListTransport``); placements (lists, cancel-replace) run under the
transport's request faults like single orders, so an unknown list placement can be tested
and resolved by ``find_order_list``; a list needs a ``listClientOrderId`` for that reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from oms.errors import CancelRejected, LocalError, NoSuchOrder
from oms.wire.amends import (
    AmendKeepPriority,
    AmendResponse,
    CancelReplace,
    CancelReplaceAnswer,
    OrderAmendment,
    QueryAmendments,
)
from oms.wire.orderlists import (
    CancelOrderList,
    NewOrderList,
    OrderListAnswer,
    OrderListStatus,
    QueryOrderList,
)

if TYPE_CHECKING:
    from transports.sim.exchange import SimExchange

__all__ = ["SimListCalls"]

T = TypeVar("T")


class SimListCalls:
    """Order lists, cancel-replace and amend over the simulated exchange."""

    _ex: SimExchange  # set by SimTransport
    _account: str
    _signed: Callable[[], int]

    def _call(self, fn: Callable[[], T]) -> T:  # pragma: no cover - SimTransport's
        raise NotImplementedError

    async def _placement(self, execute: Callable[[], T]) -> T:  # pragma: no cover
        raise NotImplementedError

    async def place_order_list(self, request: NewOrderList) -> OrderListAnswer:
        if request.list_client_order_id is None:
            raise LocalError(
                "an order list needs a listClientOrderId to resolve an unknown outcome"
            )
        answer: OrderListAnswer = await self._placement(
            lambda: self._ex.place_order_list(self._account, request)
        )
        return answer

    async def cancel_order_list(self, cancel: CancelOrderList) -> OrderListAnswer:
        self._signed()
        answer: OrderListAnswer = self._call(
            lambda: self._ex.cancel_order_list(self._account, cancel)
        )
        return answer

    async def get_order_list(self, query: QueryOrderList) -> OrderListStatus:
        self._signed()
        status: OrderListStatus = self._call(
            lambda: self._ex.query_order_list(self._account, query)
        )
        return status

    async def find_order_list(self, list_client_order_id: str) -> OrderListStatus | None:
        try:
            return await self.get_order_list(
                QueryOrderList(list_client_order_id=list_client_order_id)
            )
        except (NoSuchOrder, CancelRejected):
            return None

    async def get_open_order_lists(self) -> list[OrderListStatus]:
        self._signed()
        rows: list[OrderListStatus] = self._call(lambda: self._ex.open_order_lists(self._account))
        return rows

    async def get_all_order_lists(self, *, limit: int = 500) -> list[OrderListStatus]:
        self._signed()
        rows: list[OrderListStatus] = self._call(
            lambda: self._ex.all_order_lists(self._account, limit)
        )
        return rows

    async def cancel_replace(self, request: CancelReplace) -> CancelReplaceAnswer:
        answer: CancelReplaceAnswer = await self._placement(
            lambda: self._ex.cancel_replace(self._account, request)
        )
        return answer

    async def amend_keep_priority(self, amend: AmendKeepPriority) -> AmendResponse:
        self._signed()
        answer: AmendResponse = self._call(
            lambda: self._ex.amend_keep_priority(self._account, amend)
        )
        return answer

    async def get_order_amendments(self, query: QueryAmendments) -> list[OrderAmendment]:
        self._signed()
        rows: list[OrderAmendment] = self._call(
            lambda: self._ex.order_amendments(self._account, query)
        )
        return rows
