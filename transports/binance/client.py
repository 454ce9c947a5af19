"""``BinanceClient``: the real transport, implementing ``oms.runtime.ports.Transport``.

Rules:
- One ``aiohttp.ClientSession`` per client, shared by REST and the WebSocket API, closed by
  ``close()`` (or ``async with``).
- Requests are ``oms.wire.requests`` objects, answers ``oms.wire.rest`` Structs; errors are only
  ``oms.errors`` types (see ``rest.py`` and ``errors.py`` for the mapping).
- One ``ServerClock`` and one ``RateGovernor`` serve every call, REST and stream alike.
- Weights are those of binance-spot-api.md §8; orders also count against ``ORDERS``.
- ``repr`` shows the environment and URLs, never the key, the secret or a signature.
"""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator, Callable, Sequence
from types import TracebackType

from oms.runtime.ports import NewOrderResponse, TransportStats
from oms.wire.enums import OrderResponseType
from oms.wire.requests import CancelOrder, NewOrder, Params, QueryOrder
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    ExchangeInfo,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)
from oms.wire.stream import StreamItem
from transports.binance.clock import ServerClock
from transports.binance.config import BinanceConfig
from transports.binance.governor import WEIGHTS, RateGovernor
from transports.binance.lists import OrderListCalls
from transports.binance.rest import Empty, RestClient
from transports.binance.stream import UserDataStream

__all__ = ["BinanceClient"]

_ORDER_SHAPES: dict[OrderResponseType, type[NewOrderResponse]] = {
    OrderResponseType.ACK: NewOrderAck,
    OrderResponseType.RESULT: NewOrderResult,
    OrderResponseType.FULL: NewOrderFull,
}


class BinanceClient(OrderListCalls):
    """Binance Spot over REST + the WebSocket API user-data stream."""

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
        """``POST /api/v3/order`` (§3); the answer's shape follows ``newOrderRespType``.

        Raises:
            NewOrderRejected, FilterFailure, InsufficientBalance, AuthError: refused; the order
                does not exist.
            OutcomeUnknown: it may exist; query it by client order id.
            RateLimited, IpBanned, Disconnected, LocalError: not sent (or refused unread).
        """
        shape = _ORDER_SHAPES[order.effective_response_type()]
        return await self._rest.signed(
            "POST", "/v3/order", order.params(), shape, weight=WEIGHTS["POST /v3/order"], orders=1
        )

    async def test_order(self, order: NewOrder) -> None:
        """``POST /api/v3/order/test``: validate without placing (§3).

        Raises:
            The errors of ``place_spot_order``.
        """
        await self._rest.signed(
            "POST", "/v3/order/test", order.params(), Empty, weight=WEIGHTS["POST /v3/order/test"]
        )

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        """``DELETE /api/v3/order`` by order id and/or original client id (§3).

        Raises:
            CancelRejected: -2011, the order is unknown or already closed.
            OutcomeUnknown: the cancel may have happened.
            RateLimited, IpBanned, Disconnected, AuthError, LocalError.
        """
        return await self._rest.signed(
            "DELETE",
            "/v3/order",
            cancel.params(),
            CancelResponse,
            weight=WEIGHTS["DELETE /v3/order"],
        )

    async def cancel_open_orders(self, symbol: str) -> list[CancelResponse]:
        """``DELETE /api/v3/openOrders`` for one symbol (§3; order lists are not supported).

        Raises:
            The errors of ``cancel_spot_order``.
        """
        return await self._rest.signed(
            "DELETE",
            "/v3/openOrders",
            [("symbol", symbol)],
            list[CancelResponse],
            weight=WEIGHTS["DELETE /v3/openOrders"],
        )

    # --- Transport: queries -------------------------------------------------------------

    async def get_order(self, query: QueryOrder) -> QueryOrderResponse:
        """``GET /api/v3/order`` (§3): the answer that resolves an unknown outcome.

        Raises:
            NoSuchOrder: -2013, the exchange does not know the order.
            OutcomeUnknown, RateLimited, IpBanned, Disconnected, AuthError, DecodeError.
        """
        return await self._rest.signed(
            "GET", "/v3/order", query.params(), QueryOrderResponse, weight=WEIGHTS["GET /v3/order"]
        )

    async def get_open_orders(self, symbol: str | None = None) -> list[QueryOrderResponse]:
        """``GET /api/v3/openOrders`` (weight 6 with a symbol, 80 without; §8)."""
        params: Params = [("symbol", symbol)] if symbol else []
        weight = WEIGHTS["GET /v3/openOrders" if symbol else "GET /v3/openOrders (all)"]
        return await self._rest.signed(
            "GET", "/v3/openOrders", params, list[QueryOrderResponse], weight=weight
        )

    async def get_account(self, *, omit_zero_balances: bool = False) -> AccountInfo:
        """``GET /api/v3/account`` (§3)."""
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
        """``GET /api/v3/myTrades`` (§3; weight 5 with ``order_id``, else 20)."""
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

    async def get_exchange_info(self, symbols: Sequence[str] | None = None) -> ExchangeInfo:
        """``GET /api/v3/exchangeInfo`` (§3); its ``rateLimits`` tune the governor."""
        params: Params = []
        if symbols is not None and len(symbols) == 1:
            params = [("symbol", symbols[0])]
        elif symbols:
            # §3: ``symbols`` is a JSON array, URL-encoded like any other value.
            params = [("symbols", json.dumps(list(symbols), separators=(",", ":")))]
        info = await self._rest.public(
            "/v3/exchangeInfo", params, ExchangeInfo, weight=WEIGHTS["GET /v3/exchangeInfo"]
        )
        self._governor.set_limits(info.rate_limits)
        return info

    async def get_server_time(self) -> int:
        """``GET /api/v3/time``: the server's clock (ms)."""
        return await self._rest.server_time()

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

    async def close(self) -> None:
        """Stop the stream and close the session; later calls raise ``Disconnected``."""
        await self._stream.close()
        await self._rest.close()
