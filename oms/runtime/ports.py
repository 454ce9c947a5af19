"""The one interface every transport implements: the simulated exchange and Binance.

Rules:
- Methods take the typed requests of ``oms.wire.requests`` and return the typed REST shapes of
  ``oms.wire.rest``; money is ``Decimal`` on both sides.
- Errors are only those of ``oms.errors``: ``RemoteError`` subclasses for definite refusals,
  ``OutcomeUnknown`` when a sent request may have executed, ``RateLimited``/``IpBanned``,
  ``Disconnected`` when nothing was sent. No aiohttp or asyncio exception escapes.
- ``user_data()`` is an async iterator of ``oms.wire.stream.StreamItem``: it subscribes,
  yields a ``StreamGap`` after every (re)subscription (the first included), reconnects by
  itself, and stops when the transport is closed.
- A transport that decodes frames may also offer ``user_data_frames()`` (``UserDataFrames``):
  the same items, each event paired with the frame it was decoded from, so the manager
  journals the frame as received instead of encoding the event again.
- A transport may also list SOR allocations (``AllocationSource``): the fills of an order
  placed with smart order routing, which ``myTrades`` does not list.
- This module imports only ``oms`` types; ``transports.binance`` never imports
  ``transports.sim`` (a test enforces both).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Protocol, runtime_checkable

import msgspec

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
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    ExchangeInfo,
    MyAllocation,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)
from oms.wire.stream import StreamItem

__all__ = [
    "AllocationSource",
    "NewOrderResponse",
    "OrderListTransport",
    "Transport",
    "TransportStats",
    "UserDataFrames",
]

NewOrderResponse = NewOrderAck | NewOrderResult | NewOrderFull


class TransportStats(msgspec.Struct, kw_only=True):
    """What a transport knows about its health, for the manager's metrics."""

    clock_offset_ms: float = 0.0
    used_weight_1m: int = 0
    order_count_10s: int = 0
    order_count_1d: int = 0
    rate_limited_until_ms: int = 0
    reconnects: int = 0
    connected: bool = False


@runtime_checkable
class Transport(Protocol):
    """A way to reach Binance Spot, real or simulated."""

    @property
    def recv_window_ms(self) -> int:
        """The ``recvWindow`` this transport signs requests with."""
        ...

    def server_time_ms(self) -> int:
        """The exchange's clock now, as best this transport knows it (local clock + offset)."""
        ...

    def stats(self) -> TransportStats: ...

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse: ...

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse: ...

    async def get_order(self, query: QueryOrder) -> QueryOrderResponse: ...

    async def get_open_orders(self, symbol: str | None = None) -> list[QueryOrderResponse]: ...

    async def cancel_open_orders(self, symbol: str) -> list[CancelResponse]: ...

    async def get_account(self, *, omit_zero_balances: bool = False) -> AccountInfo: ...

    async def get_my_trades(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> list[MyTrade]: ...

    async def get_exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo: ...

    async def get_server_time(self) -> int: ...

    async def test_order(self, order: NewOrder) -> None: ...

    def user_data(self) -> AsyncIterator[StreamItem]: ...

    async def close(self) -> None: ...


@runtime_checkable
class UserDataFrames(Protocol):
    """A transport whose user-data items come with their frames (``BinanceClient``)."""

    def user_data_frames(self) -> AsyncIterator[tuple[StreamItem, bytes | None]]:
        """``user_data()``'s items, each with the frame it was decoded from (None for a
        ``StreamGap``, a ``BadFrame`` or an item that had no frame)."""
        ...


@runtime_checkable
class OrderListTransport(Protocol):
    """Order lists, cancel-replace and amend (issue 13): what a transport offers beyond
    ``Transport``; both ``BinanceClient`` and ``SimTransport`` implement it.

    A list is placed only with a ``listClientOrderId``: an ``OutcomeUnknown`` placement is
    resolved by ``find_order_list`` (None: it does not exist), never by sending it again.
    A cancel-replace's -2021 / -2022 is ``CancelReplaceFailed`` carrying both results.
    """

    async def place_order_list(self, request: NewOrderList) -> OrderListAnswer: ...

    async def cancel_order_list(self, cancel: CancelOrderList) -> OrderListAnswer: ...

    async def get_order_list(self, query: QueryOrderList) -> OrderListStatus: ...

    async def find_order_list(self, list_client_order_id: str) -> OrderListStatus | None: ...

    async def get_open_order_lists(self) -> list[OrderListStatus]: ...

    async def cancel_replace(self, request: CancelReplace) -> CancelReplaceAnswer: ...

    async def amend_keep_priority(self, amend: AmendKeepPriority) -> AmendResponse: ...

    async def get_order_amendments(self, query: QueryAmendments) -> list[OrderAmendment]: ...


@runtime_checkable
class AllocationSource(Protocol):
    """A transport that lists an order's SOR allocations (``BinanceClient``,
    ``SimTransport``): the fills of an order placed with smart order routing, which
    ``get_my_trades`` does not list (rest-api.md, Query Allocations; faqs/sor_faq.md)."""

    async def get_my_allocations(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_allocation_id: int | None = None,
        limit: int | None = None,
    ) -> list[MyAllocation]: ...
