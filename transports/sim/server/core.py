"""What the REST and WebSocket faces of the local server share: options, keys, limits, faults.

Rules:
- ``ServerState`` holds everything one server run needs; both faces call the same
  ``authenticate_*`` and ``place_order`` so a rule is written once.
- Timestamps are checked against the *exchange's* clock (``SimExchange.server_time()``,
  plus the injected ``clock_skew_ms``), the one ``GET /api/v3/time`` reports; rate-limit
  windows and connection ages use the server's injected ``clock``.
- A request fault is decided before execution (``FaultInjector.on_order_request``);
  ``ERROR_5XX``, ``ERROR_1007`` and ``TIMEOUT`` execute the order first and only then
  misbehave, so the client genuinely cannot know the outcome ("unknown is not failed").
- Successful placements and cancels cost 0 weight (rest-api.md, LIMITS, 2026-04-02): the
  caller charges first and refunds on success.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Sequence
from typing import TypeVar

import msgspec

from oms.runtime.ports import NewOrderResponse
from oms.wire.requests import NewOrder
from oms.wire.rest import RateLimit, SymbolInfo
from transports.sim.exchange import SimExchange
from transports.sim.faults import FaultConfig, FaultInjector, RequestFault
from transports.sim.server.auth import (
    ApiAccount,
    Credential,
    KeyRing,
    bad_signature,
    check_timing,
    rest_payload,
    ws_payload,
)
from transports.sim.server.limits import Limits, RateLimiter
from transports.sim.server.params import Params

T = TypeVar("T")

__all__ = ["FaultAfterExecutionError", "ServerOptions", "ServerState", "wall_clock_ms"]


class ServerOptions(msgspec.Struct, kw_only=True):
    """Per-run settings of the local server (limits, WebSocket timing, faults)."""

    faults: FaultConfig | None = None
    ping_interval: float = 20.0
    # A connection whose pong is this late is closed (web-socket-api.md, General API Information).
    pong_timeout: float = 60.0
    max_connection_age: float = 86400.0
    request_weight_per_minute: int = 6000
    orders_per_10s: int = 50
    orders_per_day: int = 160000
    ban_after_429s: int = 3
    raw_requests_per_5m: int = 300_000
    # WebSocket connection attempts per IP per 5 minutes (API and streams; limits.py).
    connections_per_5m: int = 300
    # Binance answers -1007 after processing a request for 10 s (web-socket-api.md, General API
    # Information); a TIMEOUT fault holds the answer this long (or until the client hangs up),
    # then -1007.
    request_timeout: float = 10.0
    # Events held back by the ``delay_event`` fault come out at the latest after this (s).
    delayed_event_flush: float = 0.2
    # Frames a market stream or WebSocket API connection may have waiting; a reader that
    # falls this far behind is disconnected (web-socket-streams.md, WebSocket Limits), so
    # memory stays flat.
    stream_queue_frames: int = 10_000
    # User Data Stream subscriptions of one WebSocket API connection: at most this many active,
    # and this many over its lifetime (web-socket-api.md, User Data Stream subscription, Limits).
    max_user_data_subscriptions: int = 1000
    max_subscription_ids: int = 65535
    # Streams one market stream connection may listen to (web-socket-streams.md, WebSocket
    # Limits).
    max_streams_per_connection: int = 1024
    # SO_SNDBUF of market stream sockets (None: the OS default); smaller makes a stalled
    # reader's queue fill, and the reader be cut off, sooner.
    stream_socket_send_buffer: int | None = None


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class FaultAfterExecutionError(Exception):
    """The order executed (or, for a lost request, never reached the engine), and the
    answer must now go wrong in the way ``fault`` says."""

    def __init__(self, fault: RequestFault) -> None:
        super().__init__(str(fault))
        self.fault = fault


def per_account_faults(config: FaultConfig, account: str) -> FaultInjector:
    """An injector for one account's event stream, seeded from the run's seed and the name."""
    seed = config.seed + zlib.crc32(account.encode("utf-8"))
    return FaultInjector(msgspec.structs.replace(config, seed=seed))


class ServerState:
    """One server run: the exchange, its keys, limits and fault injector."""

    def __init__(
        self,
        exchange: SimExchange,
        accounts: Sequence[ApiAccount],
        options: ServerOptions,
        clock: Callable[[], int],
    ) -> None:
        self.exchange = exchange
        self.options = options
        self.clock = clock
        self.keys = KeyRing(accounts)
        self.limiter = RateLimiter(
            Limits(
                weight_per_minute=options.request_weight_per_minute,
                orders_per_10s=options.orders_per_10s,
                orders_per_day=options.orders_per_day,
                ban_after_429s=options.ban_after_429s,
                raw_requests_per_5m=options.raw_requests_per_5m,
                connections_per_5m=options.connections_per_5m,
            ),
            clock,
        )
        self.faults = (
            FaultInjector(options.faults, clock=clock) if options.faults is not None else None
        )
        self.skew_ms = options.faults.clock_skew_ms if options.faults is not None else 0
        info = exchange.exchange_info()
        self.symbols: dict[str, SymbolInfo] = {s.symbol: s for s in info.symbols}
        self.rate_limits: tuple[RateLimit, ...] = (
            RateLimit(
                rate_limit_type="REQUEST_WEIGHT",
                interval="MINUTE",
                interval_num=1,
                limit=options.request_weight_per_minute,
            ),
            RateLimit(
                rate_limit_type="ORDERS",
                interval="SECOND",
                interval_num=10,
                limit=options.orders_per_10s,
            ),
            RateLimit(
                rate_limit_type="ORDERS",
                interval="DAY",
                interval_num=1,
                limit=options.orders_per_day,
            ),
            RateLimit(
                rate_limit_type="RAW_REQUESTS",
                interval="MINUTE",
                interval_num=5,
                limit=options.raw_requests_per_5m,
            ),
        )

    def server_time(self) -> int:
        """The exchange's clock as clients see it (skewed by the ``clock_skew_ms`` fault)."""
        return self.exchange.server_time() + self.skew_ms

    def authenticate_rest(
        self, api_key: str | None, params: Params, query: bytes, body: bytes
    ) -> str:
        """The account of a signed REST request (rest-api.md, Request Security).

        Raises:
            ApiError: -2014/-2015 for the key, -1102 for a missing signature or timestamp,
                -1021 for the timing, -1022 for a signature that does not match.
        """
        credential = self.keys.lookup(api_key)
        signature = params.require("signature")
        check_timing(params.raw("timestamp"), params.raw("recvWindow"), self.server_time())
        if not credential.verify(rest_payload(query, body), signature):
            raise bad_signature()
        return credential.account

    def authenticate_ws(
        self, params: Params, raw: dict[str, str], session: Credential | None
    ) -> Credential:
        """The key of a signed WebSocket API request: its own signature, or the session's.

        After ``session.logon`` a request may omit ``apiKey`` and ``signature`` but must
        still carry ``timestamp`` (web-socket-api.md, Session Authentication).

        Raises:
            ApiError: as ``authenticate_rest``, with the WebSocket signing rule.
        """
        api_key = params.raw("apiKey")
        signature = params.raw("signature")
        if session is not None and api_key is None and signature is None:
            check_timing(params.raw("timestamp"), params.raw("recvWindow"), self.server_time())
            return session
        credential = self.keys.lookup(api_key)
        signature = params.require("signature")
        check_timing(params.raw("timestamp"), params.raw("recvWindow"), self.server_time())
        if not credential.verify(ws_payload(raw.items()), signature):
            raise bad_signature()
        return credential

    def place_order(self, ip: str, account: str, order: NewOrder) -> NewOrderResponse:
        """Place ``order`` for ``account``, applying the ORDERS limit and request faults.

        Raises:
            ApiError: 429 ``-1015`` past the order limit (configured or injected).
            SimError: the exchange refused the order (nothing executed).
            FaultAfterExecutionError: the order executed; the answer must be a 5xx, -1007
                or nothing at all.
        """
        # ``order`` comes from ``new_order_from_params``: the exchange need not check its
        # shape and precision again (``SimExchange.place_order``, ``checked``).
        return self.placement(
            ip, account, lambda: self.exchange.place_order(account, order, checked=True)
        )

    def placement(self, ip: str, account: str, execute: Callable[[], T], orders: int = 1) -> T:
        """Run an order placement (a single order, an order list, a cancel-replace) under the
        ORDERS limit and the request faults; raises as ``place_order``. ``orders``: how many
        orders it adds to the unfilled order count (an order list's documented "Unfilled
        Order Count", rest-api.md: 2 for an OCO, OTO or OPO, 3 for an OTOCO or OPOCO)."""
        self.limiter.check_orders(ip, account)
        fault = self.faults.on_order_request() if self.faults is not None else RequestFault.NONE
        if fault is RequestFault.RATE_LIMITED and self.faults is not None:
            limit = self.faults.config.orders_per_10s or 0
            retry_after = self.faults.retry_after_s()
            raise self.limiter.too_many_orders(ip, limit, "10 SECOND", retry_after)
        if fault is RequestFault.LOST:
            # Never executed, never answered: held like a timeout (the client gives up).
            raise FaultAfterExecutionError(RequestFault.TIMEOUT)
        # faqs/order_count_decrement.md, Example 1: a taker's first fill is taken back after
        # its placement is counted (without the hold, a count of 0 would lose it).
        with self.limiter.fills_after_count():
            result = execute()
            for _ in range(orders):
                self.limiter.count_order(account)
        if fault is not RequestFault.NONE:
            raise FaultAfterExecutionError(fault)
        return result

    def ensure_accounts(self) -> None:
        """Create, empty, every configured account the exchange does not know yet."""
        for account in self.keys.accounts():
            try:
                self.exchange.account_info(account)
            except KeyError:
                self.exchange.create_account(account)
