"""``BinanceClient``: the real transport, implementing ``oms.runtime.ports.Transport``.

Rules:
- One ``aiohttp.ClientSession`` per client, shared by REST and the WebSocket API, closed by
  ``close()`` (or ``async with``).
- Orders, cancels and order queries go over REST, or with ``order_api="websocket"`` over the
  WebSocket API (``ws_api.py``) with the same answers and errors; the rest is always REST.
- Requests are ``oms.wire.requests`` objects, answers ``oms.wire.rest`` Structs; errors are only
  ``oms.errors`` types (see ``rest.py`` and ``errors.py`` for the mapping).
- One ``ServerClock`` and one ``RateGovernor`` serve every call, REST and stream alike.
- Weights are those of rest-api.md, "LIMITS" and each endpoint; orders also count against
  ``ORDERS``.
- ``repr`` shows the environment and URLs, never the key, the secret or a signature.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal
from types import TracebackType

import aiohttp
import msgspec

from oms.errors import DecodeError, Disconnected, OutcomeUnknown
from oms.runtime.ports import NewOrderResponse, TransportStats
from oms.wire.decoding import decode_body
from oms.wire.enums import OrderResponseType
from oms.wire.requests import CancelOrder, NewOrder, Params, QueryOrder
from oms.wire.rest import (
    AccountInfo,
    CancelOrderListResponse,
    CancelResponse,
    CommissionResponse,
    ExchangeInfo,
    MyAllocation,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
    RateLimitCount,
    ServerTime,
)
from oms.wire.stream import StreamItem
from transports.binance.clock import ServerClock
from transports.binance.config import BinanceConfig, OrderApi
from transports.binance.errors import RequestMeta, error_from_response
from transports.binance.governor import WEIGHTS, RateGovernor
from transports.binance.lists import OrderListCalls
from transports.binance.rest import Empty, RestClient
from transports.binance.stream import UserDataStream
from transports.binance.ws_api import WsApiClient

__all__ = ["RUN_HEADER", "BinanceClient", "OrderTestRates", "ServerProbe"]

# Sent by the local ``oms exchange`` on every answer: one id per server run, so a journal
# written against an earlier run (whose orders are gone) is recognised.
RUN_HEADER = "X-OMS-Exchange-Run"


class _Rates(msgspec.Struct, frozen=True):
    maker: Decimal
    taker: Decimal


class OrderTestRates(msgspec.Struct, frozen=True, rename="camel"):
    """``POST /api/v3/order/test`` with ``computeCommissionRates=true``: the order's rates."""

    standard_commission_for_order: _Rates
    tax_commission_for_order: _Rates | None = None
    special_commission_for_order: _Rates | None = None


class AvgPrice(msgspec.Struct, frozen=True, rename="camel"):
    mins: int
    price: Decimal
    close_time: int | None = None


class ServerProbe(msgspec.Struct, frozen=True, kw_only=True):
    """What one ``GET /api/v3/time`` says about the exchange."""

    server_time_ms: int
    offset_ms: int  # server minus local, at the midpoint of the round trip
    round_trip_ms: int
    exchange_run: str | None = None


_ORDER_SHAPES: dict[OrderResponseType, type[NewOrderResponse]] = {
    OrderResponseType.ACK: NewOrderAck,
    OrderResponseType.RESULT: NewOrderResult,
    OrderResponseType.FULL: NewOrderFull,
}


class BinanceClient(OrderListCalls):
    """Binance Spot over REST + the WebSocket API user-data stream (and, opted in, orders
    over the WebSocket API)."""

    def __init__(
        self,
        config: BinanceConfig,
        *,
        rng: Callable[[], float] = random.random,
        clock: ServerClock | None = None,
    ) -> None:
        self._config = config
        self._clock = clock or ServerClock(
            samples=config.time_samples, refresh_s=config.time_refresh_s
        )
        self._governor = RateGovernor(self._clock.now_ms)
        self._rest = RestClient(config, self._clock, self._governor)
        self._stream = UserDataStream(
            config,
            self._rest.session,
            self._clock,
            self._rest.sync_clock,
            self._governor,
            rng=rng,
        )
        self._ws_api: WsApiClient | None = None
        if config.order_api is OrderApi.WEBSOCKET:
            self._ws_api = WsApiClient(config, self._rest, self._clock, self._governor)

    def __repr__(self) -> str:
        return f"BinanceClient({self._config!r})"

    async def __aenter__(self) -> BinanceClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- Transport: state ---------------------------------------------------------------

    @property
    def recv_window_ms(self) -> int:
        return self._config.recv_window_ms

    @property
    def governor(self) -> RateGovernor:
        return self._governor

    @property
    def clock(self) -> ServerClock:
        return self._clock

    @property
    def ws_api(self) -> WsApiClient | None:
        """The WebSocket API order connection (``order_api="websocket"``), else None."""
        return self._ws_api

    def server_time_ms(self) -> int:
        return self._clock.now_ms()

    def stats(self) -> TransportStats:
        g = self._governor
        return TransportStats(
            clock_offset_ms=self._clock.offset_ms,
            used_weight_1m=g.weight.count,
            order_count_10s=g.orders_10s.count,
            order_count_1d=g.orders_1d.count,
            rate_limited_until_ms=g.blocked_until_ms,
            reconnects=self._stream.reconnects,
            connected=self._stream.connected,
        )

    # --- Transport: trading -------------------------------------------------------------

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        """``POST /api/v3/order`` (rest-api.md, "New order"); the answer's shape follows
        ``newOrderRespType``.

        Raises:
            NewOrderRejected, FilterFailure, InsufficientBalance, AuthError: refused; the order
                does not exist.
            OutcomeUnknown: it may exist; query it by client order id.
            RateLimited, IpBanned, Disconnected, LocalError: not sent (or refused unread).
        """
        shape = _ORDER_SHAPES[order.effective_response_type()]
        weight = WEIGHTS["POST /v3/order"]
        if self._ws_api is not None:  # web-socket-api.md, Place new order (TRADE)
            return await self._ws_api.signed(
                "order.place", order.params(), shape, weight=weight, orders=1, mutating=True
            )
        return await self._rest.signed(
            "POST", "/v3/order", order.params(), shape, weight=weight, orders=1
        )

    async def test_order(self, order: NewOrder) -> None:
        """``POST /api/v3/order/test``: validate without placing (rest-api.md, "Test new
        order").

        Raises:
            The errors of ``place_spot_order``.
        """
        weight = WEIGHTS["POST /v3/order/test"]
        if self._ws_api is not None:  # web-socket-api.md, Test new order (TRADE)
            await self._ws_api.signed(
                "order.test", order.params(), Empty, weight=weight, mutating=True
            )
            return
        await self._rest.signed("POST", "/v3/order/test", order.params(), Empty, weight=weight)

    async def test_order_rates(self, order: NewOrder) -> OrderTestRates:
        """``POST /api/v3/order/test`` with ``computeCommissionRates=true``: validate without
        placing and return the commission rates the order would pay (weight 20).

        Raises:
            The errors of ``place_spot_order``.
        """
        return await self._rest.signed(
            "POST",
            "/v3/order/test",
            [*order.params(), ("computeCommissionRates", "true")],
            OrderTestRates,
            weight=20,
        )

    async def get_avg_price(self, symbol: str) -> Decimal:
        """``GET /api/v3/avgPrice`` (rest-api.md, "Current average price"; weight 2)."""
        answer = await self._rest.public("/v3/avgPrice", [("symbol", symbol)], AvgPrice, weight=2)
        return answer.price

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        """``DELETE /api/v3/order`` by order id and/or original client id (rest-api.md,
        "Cancel order").

        Raises:
            CancelRejected: -2011, the order is unknown or already closed.
            OutcomeUnknown: the cancel may have happened.
            RateLimited, IpBanned, Disconnected, AuthError, LocalError.
        """
        weight = WEIGHTS["DELETE /v3/order"]
        if self._ws_api is not None:  # web-socket-api.md, Cancel order (TRADE)
            raw = await self._ws_api.signed(
                "order.cancel", cancel.params(), msgspec.Raw, weight=weight, mutating=True
            )
        else:
            raw = await self._rest.signed(
                "DELETE", "/v3/order", cancel.params(), msgspec.Raw, weight=weight
            )
        try:
            return cancel_answer(bytes(raw), cancel)
        except DecodeError as exc:  # it may have been canceled all the same
            raise OutcomeUnknown(
                f"cancel: unreadable answer ({exc}); the cancel may have executed"
            ) from None

    async def cancel_open_orders(self, symbol: str) -> list[CancelResponse]:
        """``DELETE /api/v3/openOrders`` for one symbol: every cancelled order, those of order
        lists included (their ``orderReports``; see ``cancel_all``).

        Raises:
            The errors of ``cancel_spot_order``.
        """
        orders, lists = await self.cancel_all(symbol)
        return orders + [report for found in lists for report in found.order_reports]

    async def cancel_all(
        self, symbol: str
    ) -> tuple[list[CancelResponse], list[CancelOrderListResponse]]:
        """``DELETE /api/v3/openOrders``: the single orders and the order lists cancelled
        (rest-api.md, Cancel All Open Orders on a Symbol: the answer mixes both shapes).

        Raises:
            The errors of ``cancel_spot_order``; DecodeError for an entry of neither shape.
        """
        raw = await self._rest.signed(
            "DELETE",
            "/v3/openOrders",
            [("symbol", symbol)],
            list[msgspec.Raw],
            weight=WEIGHTS["DELETE /v3/openOrders"],
        )
        return split_cancel_all(raw)

    # --- Transport: queries -------------------------------------------------------------

    async def get_order(self, query: QueryOrder) -> QueryOrderResponse:
        """``GET /api/v3/order`` (rest-api.md, "Query order"): the answer that resolves an
        unknown outcome.

        Raises:
            NoSuchOrder: -2013, the exchange does not know the order.
            OutcomeUnknown, RateLimited, IpBanned, Disconnected, AuthError, DecodeError.
        """
        weight = WEIGHTS["GET /v3/order"]
        if self._ws_api is not None:  # web-socket-api.md, Query order (USER_DATA)
            return await self._ws_api.signed(
                "order.status", query.params(), QueryOrderResponse, weight=weight, mutating=False
            )
        return await self._rest.signed(
            "GET", "/v3/order", query.params(), QueryOrderResponse, weight=weight
        )

    async def get_open_orders(self, symbol: str | None = None) -> list[QueryOrderResponse]:
        """``GET /api/v3/openOrders`` (rest-api.md, "Current open orders": weight 6 with a
        symbol, 80 without)."""
        params: Params = [("symbol", symbol)] if symbol else []
        weight = WEIGHTS["GET /v3/openOrders" if symbol else "GET /v3/openOrders (all)"]
        return await self._rest.signed(
            "GET", "/v3/openOrders", params, list[QueryOrderResponse], weight=weight
        )

    async def get_account(self, *, omit_zero_balances: bool = False) -> AccountInfo:
        """``GET /api/v3/account`` (rest-api.md, "Account information")."""
        params: Params = [("omitZeroBalances", "true")] if omit_zero_balances else []
        return await self._rest.signed(
            "GET", "/v3/account", params, AccountInfo, weight=WEIGHTS["GET /v3/account"]
        )

    async def get_my_trades(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> list[MyTrade]:
        """``GET /api/v3/myTrades`` (rest-api.md, "Account trade list"; weight 5 with
        ``order_id``, else 20)."""
        params: Params = [("symbol", symbol)]
        for name, value in (
            ("orderId", order_id),
            ("fromId", from_id),
            ("startTime", start_time),
            ("endTime", end_time),
            ("limit", limit),
        ):
            if value is not None:
                params.append((name, str(value)))
        key = "GET /v3/myTrades (orderId)" if order_id is not None else "GET /v3/myTrades"
        return await self._rest.signed(
            "GET", "/v3/myTrades", params, list[MyTrade], weight=WEIGHTS[key]
        )

    async def get_my_allocations(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        from_allocation_id: int | None = None,
        limit: int | None = None,
    ) -> list[MyAllocation]:
        """``GET /api/v3/myAllocations`` (rest-api.md, Query Allocations; weight 20): an SOR
        order's fills, which ``myTrades`` does not list."""
        params: Params = [("symbol", symbol)]
        for name, value in (
            ("orderId", order_id),
            ("fromAllocationId", from_allocation_id),
            ("limit", limit),
        ):
            if value is not None:
                params.append((name, str(value)))
        return await self._rest.signed(
            "GET",
            "/v3/myAllocations",
            params,
            list[MyAllocation],
            weight=WEIGHTS["GET /v3/myAllocations"],
        )

    async def get_all_orders(
        self,
        symbol: str,
        *,
        order_id: int | None = None,
        start_time: int | None = None,
        end_time: int | None = None,
        limit: int | None = None,
    ) -> list[QueryOrderResponse]:
        """``GET /api/v3/allOrders`` (rest-api.md, All orders; weight 20): active, cancelled
        and filled orders, from ``order_id`` or in a time range of at most 24 hours."""
        params: Params = [("symbol", symbol)]
        for name, value in (
            ("orderId", order_id),
            ("startTime", start_time),
            ("endTime", end_time),
            ("limit", limit),
        ):
            if value is not None:
                params.append((name, str(value)))
        return await self._rest.signed(
            "GET",
            "/v3/allOrders",
            params,
            list[QueryOrderResponse],
            weight=WEIGHTS["GET /v3/allOrders"],
        )

    async def get_commission(self, symbol: str) -> CommissionResponse:
        """``GET /api/v3/account/commission`` (rest-api.md, Query Commission Rates)."""
        return await self._rest.signed(
            "GET",
            "/v3/account/commission",
            [("symbol", symbol)],
            CommissionResponse,
            weight=WEIGHTS["GET /v3/account/commission"],
        )

    async def get_order_rate_limits(self) -> list[RateLimitCount]:
        """``GET /api/v3/rateLimit/order`` (rest-api.md, Query Unfilled Order Count): the
        unfilled order count per ORDERS interval."""
        return await self._rest.signed(
            "GET",
            "/v3/rateLimit/order",
            [],
            list[RateLimitCount],
            weight=WEIGHTS["GET /v3/rateLimit/order"],
        )

    async def get_exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo:
        """``GET /api/v3/exchangeInfo`` (rest-api.md, "Exchange information"); its
        ``rateLimits`` tune the governor."""
        params: Params = []
        if symbols is not None and len(symbols) == 1:
            params = [("symbol", symbols[0])]
        elif symbols:
            # rest-api.md, "Exchange information": ``symbols`` is a JSON array, URL-encoded
            # like any other value.
            params = [("symbols", json.dumps(list(symbols), separators=(",", ":")))]
        info = await self._rest.public(
            "/v3/exchangeInfo", params, ExchangeInfo, weight=WEIGHTS["GET /v3/exchangeInfo"]
        )
        self._governor.set_limits(info.rate_limits)
        return info

    async def get_server_time(self) -> int:
        """``GET /api/v3/time``: the server's clock (ms)."""
        return await self._rest.server_time()

    async def probe(self, timeout_s: float) -> ServerProbe:
        """``GET /api/v3/time`` once, within ``timeout_s``: is the exchange there, how far is
        its clock, and which run of a local ``oms exchange`` answers (its
        ``X-OMS-Exchange-Run`` header; Binance sends none).

        Raises:
            Disconnected: no connection, or no answer within ``timeout_s``.
            RemoteError, RateLimited, IpBanned, DecodeError: the answer was not the time.
        """
        url = self._config.rest_url.rstrip("/") + "/v3/time"
        started = time.time()
        try:
            async with self._rest.session().get(
                url, timeout=aiohttp.ClientTimeout(total=timeout_s), allow_redirects=False
            ) as resp:
                raw = await resp.read()
                headers = {k.lower(): v for k, v in resp.headers.items()}
                status, content_type = resp.status, resp.content_type
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            why = "no answer" if isinstance(exc, TimeoutError) else type(exc).__name__
            raise Disconnected(f"GET /v3/time: cannot reach {url} ({why})") from None
        finished = time.time()
        meta = RequestMeta(method="GET", path="/v3/time")
        if status != 200 or content_type != "application/json":
            raise error_from_response(status, headers, raw, meta, content_type)
        server_ms = decode_body(raw, ServerTime).server_time
        local_ms = (started + finished) * 500  # the midpoint, in ms
        return ServerProbe(
            server_time_ms=server_ms,
            offset_ms=int(server_ms - local_ms),
            round_trip_ms=int((finished - started) * 1000),
            exchange_run=headers.get(RUN_HEADER.lower()),
        )

    async def sync_clock(self) -> None:
        """Measure the server clock offset now (it is otherwise measured on first use)."""
        await self._rest.sync_clock(force=True)

    # --- Transport: stream and lifecycle ------------------------------------------------

    def user_data(self) -> AsyncIterator[StreamItem]:
        """The user-data stream: a ``StreamGap`` after every (re)subscription, then events.

        Raises:
            AuthError: from the iterator, when the subscription is refused for the key.
        """
        return self._stream.items()

    def user_data_frames(self) -> AsyncIterator[tuple[StreamItem, bytes | None]]:
        """``user_data()``, each event with the frame it was decoded from (``UserDataFrames``:
        the manager journals the frame as received)."""
        return self._stream.frames()

    async def close(self) -> None:
        """Stop the stream and close the session; later calls raise ``Disconnected``."""
        await self._stream.close()
        if self._ws_api is not None:
            await self._ws_api.close()
        await self._rest.close()


def cancel_answer(raw: bytes, cancel: CancelOrder) -> CancelResponse:
    """The answer of a single cancel. Cancelling an order of an order list cancels the whole
    list, and the answer is then the list's, ``orderReports`` and all (web-socket-api.md,
    Cancel order, "When an order list is canceled"): the canceled order's report is taken
    from it; the other legs' cancels come on the user-data stream.

    Raises:
        DecodeError: neither shape, or a list answer without the canceled order.
    """
    if b'"orderReports"' not in raw:
        return decode_body(raw, CancelResponse)
    answer = decode_body(raw, CancelOrderListResponse)
    for report in answer.order_reports:
        if report.order_id == cancel.order_id or (
            cancel.orig_client_order_id is not None
            and report.orig_client_order_id == cancel.orig_client_order_id
        ):
            return report
    raise DecodeError("the order list's cancel answer has no report of the order", raw=raw)


def split_cancel_all(
    entries: Sequence[msgspec.Raw],
) -> tuple[list[CancelResponse], list[CancelOrderListResponse]]:
    """Sort the entries of a cancel-all answer into single orders and order lists: an order
    list is the entry that carries ``orderReports``.

    Raises:
        DecodeError: an entry of neither shape.
    """
    orders: list[CancelResponse] = []
    lists: list[CancelOrderListResponse] = []
    for entry in entries:
        raw = bytes(entry)
        if b'"orderReports"' in raw:
            lists.append(decode_body(raw, CancelOrderListResponse))
        else:
            orders.append(decode_body(raw, CancelResponse))
    return orders, lists
