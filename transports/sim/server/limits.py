"""Rate limits of the local Binance server: request weight per IP, unfilled orders per account.

Rules (rest-api.md, LIMITS):
- Windows are fixed buckets of an injected millisecond clock: REQUEST_WEIGHT per 1 MINUTE
  per IP; ORDERS per 10 SECOND and per 1 DAY per account.
- A request is charged its weight before it runs; past the limit it is refused with HTTP 429
  ``-1003`` and ``Retry-After`` (seconds to the end of the window). Successful order and
  cancel requests cost 0 since 2026-04-02, so callers refund the weight on success.
- RAW_REQUESTS: every request counts 1 per IP per 5 MINUTE, whatever its weight; past the
  limit 429 ``-1003`` (rest-api.md, General API Information: exchangeInfo lists
  RAW_REQUESTS, REQUEST_WEIGHT and ORDERS limits; 300,000 per 5 minutes since 2026-04-02).
- A placement past the ORDERS limit is 429 ``-1015``. Every accepted order adds 1 to both
  ORDERS intervals; the first fill of an order takes 1 back (the unfilled order count). Once
  the DAY count is exceeded the SECOND count no longer grows (since 2025-04). A fill during
  the placement itself (a taker) is taken back after the order is counted: +1 then -1, as
  faqs/order_count_decrement.md, Example 1 shows (MARKET order D: 3, then 2).
- WebSocket connections (API and streams): 300 attempts per IP per 5 minutes (web-socket-api.md,
  Connection limits; web-socket-streams.md, WebSocket Limits); past it the upgrade is refused
  with 429 ``-1034`` (errors.md, -1034 TOO_MANY_CONNECTIONS, "Too many connection attempts
  from IP"; the status and the interval's spelling are UNVERIFIED).
- A client that keeps sending after ``ban_after_429s`` 429s is banned: HTTP 418 with
  ``Retry-After``; bans start at 2 minutes and double for a repeat offender, up to 3 days
  ("IP bans are tracked and scale in duration for repeat offenders, from 2 minutes to 3 days",
  rest-api.md, LIMITS).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from transports.sim.server.params import ApiError

__all__ = ["Limits", "RateLimiter"]

MINUTE_MS = 60_000
TEN_SECONDS_MS = 10_000
DAY_MS = 86_400_000
FIRST_BAN_MS = 120_000
LONGEST_BAN_MS = 3 * 86_400_000
FIVE_MINUTES_MS = 300_000


class Limits:
    """The configured limits (from ``ServerOptions``)."""

    __slots__ = (
        "ban_after_429s",
        "connections_per_5m",
        "orders_per_10s",
        "orders_per_day",
        "raw_requests_per_5m",
        "weight_per_minute",
    )

    def __init__(
        self,
        *,
        weight_per_minute: int = 6000,
        orders_per_10s: int = 50,
        orders_per_day: int = 160_000,
        ban_after_429s: int = 3,
        raw_requests_per_5m: int = 300_000,
        connections_per_5m: int = 300,
    ) -> None:
        self.raw_requests_per_5m = raw_requests_per_5m
        self.connections_per_5m = connections_per_5m
        self.weight_per_minute = weight_per_minute
        self.orders_per_10s = orders_per_10s
        self.orders_per_day = orders_per_day
        self.ban_after_429s = ban_after_429s


class _Bucket:
    """A count in a fixed window ``start // size``."""

    __slots__ = ("count", "window")

    def __init__(self) -> None:
        self.window = -1
        self.count = 0

    def current(self, now: int, size: int) -> int:
        window = now // size
        if window != self.window:
            self.window = window
            self.count = 0
        return self.count


class _Ip:
    __slots__ = ("ban_ms", "banned_until", "connections", "raw", "strikes", "weight")

    def __init__(self) -> None:
        self.weight = _Bucket()
        self.raw = _Bucket()
        self.connections = _Bucket()
        self.strikes = 0
        self.banned_until = 0
        self.ban_ms = FIRST_BAN_MS


def _window_end(now: int, size: int) -> int:
    return (now // size + 1) * size


def _seconds_left(now: int, size: int) -> int:
    return max(1, -(-((now // size + 1) * size - now) // 1000))


class RateLimiter:
    """Counts weight per IP and unfilled orders per account against an injected clock."""

    def __init__(self, limits: Limits, clock: Callable[[], int]) -> None:
        self.limits = limits
        self.clock = clock
        self._ips: dict[str, _Ip] = {}
        self._orders: dict[str, tuple[_Bucket, _Bucket]] = {}
        self._held: list[str] | None = None  # first fills waiting for the placement's count

    def _ip(self, ip: str) -> _Ip:
        state = self._ips.get(ip)
        if state is None:
            state = self._ips[ip] = _Ip()
        return state

    def used_weight(self, ip: str) -> int:
        return self._ip(ip).weight.current(self.clock(), MINUTE_MS)

    def order_counts(self, account: str) -> tuple[int, int]:
        """(10-second count, day count) of ``account``'s unfilled orders."""
        ten, day = self._order_buckets(account)
        now = self.clock()
        return ten.current(now, TEN_SECONDS_MS), day.current(now, DAY_MS)

    def _order_buckets(self, account: str) -> tuple[_Bucket, _Bucket]:
        found = self._orders.get(account)
        if found is None:
            found = self._orders[account] = (_Bucket(), _Bucket())
        return found

    def _strike(self, state: _Ip, now: int, error: ApiError) -> ApiError:
        state.strikes += 1
        if state.strikes > self.limits.ban_after_429s:
            return self._ban(state, now)
        return error

    def _ban(self, state: _Ip, now: int) -> ApiError:
        state.banned_until = now + state.ban_ms
        state.ban_ms = min(state.ban_ms * 2, LONGEST_BAN_MS)
        state.strikes = 0
        return self._banned(state, now)

    @staticmethod
    def _banned(state: _Ip, now: int) -> ApiError:
        until = state.banned_until
        return ApiError(
            -1003,
            f"Way too much request weight used; IP banned until {until}. "
            "Please use WebSocket Streams for live updates to avoid bans.",
            418,
            retry_after=max(1, -(-(until - now) // 1000)),
            until_ms=until,
        )

    def charge(self, ip: str, weight: int) -> None:
        """Charge ``weight`` to ``ip`` now.

        Raises:
            ApiError: 418 while banned (or on the request that earns a ban), 429 ``-1003``
                past the minute's weight limit.
        """
        now = self.clock()
        state = self._ip(ip)
        if now < state.banned_until:
            raise self._banned(state, now)
        raw = state.raw.current(now, FIVE_MINUTES_MS) + 1
        state.raw.count = raw
        if raw > self.limits.raw_requests_per_5m:
            limit = self.limits.raw_requests_per_5m
            raise self._strike(
                state,
                now,
                ApiError(
                    -1003,
                    f"Too many requests; current limit of IP({ip}) is {limit} requests per "
                    "5 MINUTE.",
                    429,
                    retry_after=_seconds_left(now, FIVE_MINUTES_MS),
                    until_ms=_window_end(now, FIVE_MINUTES_MS),
                ),
            )
        used = state.weight.current(now, MINUTE_MS) + weight
        state.weight.count = used
        if used > self.limits.weight_per_minute:
            limit = self.limits.weight_per_minute
            raise self._strike(
                state,
                now,
                ApiError(
                    -1003,
                    f"Too much request weight used; current limit is {limit} request weight "
                    "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid "
                    "polling the API.",
                    429,
                    retry_after=_seconds_left(now, MINUTE_MS),
                    until_ms=_window_end(now, MINUTE_MS),
                ),
            )
        state.strikes = 0

    def connect(self, ip: str) -> None:
        """Count one WebSocket connection attempt from ``ip``.

        Raises:
            ApiError: 429 ``-1034`` past the attempts allowed in the 5 minutes.
        """
        now = self.clock()
        bucket = self._ip(ip).connections
        bucket.count = bucket.current(now, FIVE_MINUTES_MS) + 1
        limit = self.limits.connections_per_5m
        if bucket.count > limit:
            raise ApiError(
                -1034,
                f"Too many connection attempts from IP; current limit is {limit} per '5 MINUTE'.",
                429,
                retry_after=_seconds_left(now, FIVE_MINUTES_MS),
                until_ms=_window_end(now, FIVE_MINUTES_MS),
            )

    def refund(self, ip: str, weight: int) -> None:
        """Give back weight of a request that turned out free (a successful order/cancel)."""
        bucket = self._ip(ip).weight
        bucket.count = max(0, bucket.current(self.clock(), MINUTE_MS) - weight)

    def too_many_orders(
        self, ip: str, limit: int, interval: str, retry_after: int, until_ms: int | None = None
    ) -> ApiError:
        """A 429 ``-1015`` for ``ip`` (counted towards a ban); ``until_ms``: the window's end."""
        now = self.clock()
        return self._strike(
            self._ip(ip),
            now,
            ApiError(
                -1015,
                f"Too many new orders; current limit is {limit} orders per {interval}.",
                429,
                retry_after=retry_after,
                until_ms=until_ms,
            ),
        )

    def check_orders(self, ip: str, account: str) -> None:
        """Refuse a placement when ``account`` is at its ORDERS limit.

        Raises:
            ApiError: 429 ``-1015`` naming the interval (or 418 once banned).
        """
        now = self.clock()
        ten, day = self._order_buckets(account)
        if day.current(now, DAY_MS) >= self.limits.orders_per_day:
            limit = self.limits.orders_per_day
            raise self.too_many_orders(
                ip, limit, "1 DAY", _seconds_left(now, DAY_MS), _window_end(now, DAY_MS)
            )
        if ten.current(now, TEN_SECONDS_MS) >= self.limits.orders_per_10s:
            limit = self.limits.orders_per_10s
            left = _seconds_left(now, TEN_SECONDS_MS)
            end = _window_end(now, TEN_SECONDS_MS)
            raise self.too_many_orders(ip, limit, "10 SECOND", left, end)

    def count_order(self, account: str) -> None:
        now = self.clock()
        ten, day = self._order_buckets(account)
        ten.current(now, TEN_SECONDS_MS)
        day.current(now, DAY_MS)
        if day.count < self.limits.orders_per_day:
            ten.count += 1
        day.count += 1

    @contextlib.contextmanager
    def fills_after_count(self) -> Iterator[None]:
        """Hold the first fills reported inside the block and take them back at its end, after
        the block has counted its placement (see the module rules)."""
        if self._held is not None:
            yield
            return
        held: list[str] = []
        self._held = held
        try:
            yield
        finally:
            self._held = None
            for account in held:
                self.first_fill(account)

    def first_fill(self, account: str) -> None:
        """An order traded for the first time: it no longer counts as unfilled (rest-api.md,
        Unfilled Order Count)."""
        if self._held is not None:
            self._held.append(account)
            return
        now = self.clock()
        for bucket, size in zip(
            self._order_buckets(account), (TEN_SECONDS_MS, DAY_MS), strict=True
        ):
            if bucket.current(now, size) > 0:
                bucket.count -= 1
