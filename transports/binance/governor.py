"""The rate governor shared by every request of one client, REST and WebSocket API alike.

Rules (rest-api.md, "LIMITS"; web-socket-api.md, "Rate limits"):
- Limits: ``REQUEST_WEIGHT`` per minute (per IP) and ``ORDERS`` per 10 s and per day (the
  unfilled order count, per account). Defaults are the documented values (6000 / 50 /
  160000); ``set_limits`` adopts exchangeInfo's ``rateLimits``.
- Windows are fixed buckets on the *server's* clock (a minute resets at :00, a day at 00:00
  UTC), so the governor reads the server-time estimate.
- The counts are what the server last reported (``X-MBX-USED-WEIGHT-1M``,
  ``X-MBX-ORDER-COUNT-10S`` / ``-1D``) plus what we have sent since; before a request would
  push a count past its limit, the caller waits for the bucket to roll.
- After a 429 or 418 every request is held until ``Retry-After`` has passed (rest-api.md, "HTTP
  status": continuing after a 429 earns an IP ban).
- Pure bookkeeping: the clock is injected, and waiting is the caller's job (``delay_s``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from oms.wire.rest import RateLimit, RateLimitCount

__all__ = ["RateGovernor", "WEIGHTS"]

MINUTE_MS = 60_000
TEN_S_MS = 10_000
DAY_MS = 86_400_000

# rest-api.md, each endpoint's "Weight": request weight per endpoint. Orders and cancels
# cost 0 on success since
# 2026-04-02 but 1 when they fail, so 1 is reserved and the response header corrects it.
WEIGHTS: dict[str, int] = {
    "GET /v3/time": 1,
    "GET /v3/exchangeInfo": 20,
    "POST /v3/order": 1,
    "POST /v3/order/test": 1,
    "DELETE /v3/order": 1,
    "DELETE /v3/openOrders": 1,
    "GET /v3/order": 4,
    "GET /v3/openOrders": 6,  # 80 without a symbol
    "GET /v3/openOrders (all)": 80,
    "GET /v3/account": 20,
    "GET /v3/myTrades": 20,  # 5 with orderId
    "GET /v3/myTrades (orderId)": 5,
    "GET /v3/myAllocations": 20,  # rest-api.md, Query Allocations
    "GET /v3/account/commission": 20,
    "GET /v3/allOrders": 20,
    "GET /v3/rateLimit/order": 40,
    # web-socket-api.md, "Connection limits" and each request: connecting costs 2;
    # logon/subscribe/status cost 2 each.
    "WS connect": 2,
    "WS request": 2,
}

_INTERVAL_MS = {"SECOND": 1000, "MINUTE": MINUTE_MS, "HOUR": 3_600_000, "DAY": DAY_MS}
_LETTER_MS = {"S": 1000, "M": MINUTE_MS, "H": 3_600_000, "D": DAY_MS}


class _Bucket:
    """One fixed window: its limit and length, the count the server reported for the current
    window, and what we have sent that the server has not reported yet (in flight)."""

    __slots__ = ("in_flight", "index", "limit", "reported", "span_ms")

    def __init__(self, limit: int, span_ms: int) -> None:
        self.limit = limit
        self.span_ms = span_ms
        self.index = -1
        self.reported = 0
        self.in_flight = 0

    @property
    def count(self) -> int:
        return self.reported + self.in_flight

    def roll(self, now_ms: int) -> None:
        index = now_ms // self.span_ms
        if index != self.index:
            self.index = index
            self.reported = 0

    def wait_ms(self, now_ms: int, amount: int) -> int:
        index = now_ms // self.span_ms  # ``roll``, inline: three buckets per request
        if index != self.index:
            self.index = index
            self.reported = 0
        if amount == 0 or self.reported + self.in_flight + amount <= self.limit:
            return 0
        return (index + 1) * self.span_ms - now_ms

    def reserve(self, now_ms: int, amount: int) -> None:
        index = now_ms // self.span_ms
        if index != self.index:
            self.index = index
            self.reported = 0
        self.in_flight += amount

    def settle(self, now_ms: int, amount: int, reported: int | None) -> None:
        index = now_ms // self.span_ms
        if index != self.index:
            self.index = index
            self.reported = 0
        in_flight = self.in_flight - amount
        self.in_flight = in_flight if in_flight > 0 else 0
        # The header counts everything the server saw in this window (other processes on
        # this IP or account included); without one, count the request as spent.
        self.reported = reported if reported is not None else self.reported + amount


class RateGovernor:
    """Decides how long a request must wait; learns from headers, 429s and 418s."""

    def __init__(
        self,
        now_ms: Callable[[], int],
        *,
        weight_per_minute: int = 6000,
        orders_per_10s: int = 50,
        orders_per_day: int = 160_000,
    ) -> None:
        self._now_ms = now_ms
        self.weight = _Bucket(weight_per_minute, MINUTE_MS)
        self.orders_10s = _Bucket(orders_per_10s, TEN_S_MS)
        self.orders_1d = _Bucket(orders_per_day, DAY_MS)
        self.blocked_until_ms = 0
        self.banned = False

    def set_limits(self, limits: Iterable[RateLimit]) -> None:
        """Adopt exchangeInfo's ``rateLimits`` (rest-api.md, "General Info on Limits")."""
        for limit in limits:
            span = _INTERVAL_MS.get(limit.interval, 0) * limit.interval_num
            if limit.rate_limit_type == "REQUEST_WEIGHT" and span == MINUTE_MS:
                self.weight.limit = limit.limit
            elif limit.rate_limit_type == "ORDERS" and span == TEN_S_MS:
                self.orders_10s.limit = limit.limit
            elif limit.rate_limit_type == "ORDERS" and span == DAY_MS:
                self.orders_1d.limit = limit.limit

    def delay_s(self, weight: int, orders: int = 0) -> float:
        """Seconds to wait before a request of this weight (and order count) may be sent."""
        now = self._now_ms()
        wait = self.blocked_until_ms - now
        if (w := self.weight.wait_ms(now, weight)) > wait:
            wait = w
        if (w := self.orders_10s.wait_ms(now, orders)) > wait:
            wait = w
        if (w := self.orders_1d.wait_ms(now, orders)) > wait:
            wait = w
        return wait / 1000.0 if wait > 0 else 0.0

    def reserve(self, weight: int, orders: int = 0) -> None:
        """Count a request that is about to be sent (until ``settle``, it is in flight)."""
        now = self._now_ms()
        self.weight.reserve(now, weight)
        self.orders_10s.reserve(now, orders)
        self.orders_1d.reserve(now, orders)

    def settle(
        self, weight: int, orders: int = 0, headers: Mapping[str, str] | None = None
    ) -> None:
        """A reserved request finished: adopt the counts the server reported in ``headers``
        (rest-api.md, "IP Limits"), or count the request as spent when there are none."""
        self._settle(weight, orders, _reported(headers) if headers else {})

    def settle_counts(
        self, weight: int, orders: int = 0, limits: Iterable[RateLimitCount] | None = None
    ) -> None:
        """``settle`` for a WebSocket API answer: the counts are its ``rateLimits``
        (web-socket-api.md, "Rate limits": the limits the request affected, each with its
        ``count``), or the request counts as spent when it has none."""
        reported: dict[tuple[str, int], int] = {}
        for limit in limits or ():
            family = _FAMILIES.get(limit.rate_limit_type)
            if family is not None:
                span = _INTERVAL_MS.get(limit.interval, 0) * limit.interval_num
                reported[(family, span)] = limit.count
        self._settle(weight, orders, reported)

    def _settle(self, weight: int, orders: int, reported: dict[tuple[str, int], int]) -> None:
        now = self._now_ms()
        get = reported.get
        self.weight.settle(now, weight, get((_WEIGHT, MINUTE_MS)))
        self.orders_10s.settle(now, orders, get((_ORDERS, TEN_S_MS)))
        self.orders_1d.settle(now, orders, get((_ORDERS, DAY_MS)))

    def block(self, retry_after_s: float, *, banned: bool = False) -> None:
        """Hold every request for ``retry_after_s`` (after a 429, or a 418 ban)."""
        until = self._now_ms() + int(retry_after_s * 1000)
        self.blocked_until_ms = max(self.blocked_until_ms, until)
        self.banned = banned or (self.banned and self._now_ms() < self.blocked_until_ms)

    def blocked_for_s(self) -> float:
        return max(self.blocked_until_ms - self._now_ms(), 0) / 1000.0


_WEIGHT = "x-mbx-used-weight-"
_ORDERS = "x-mbx-order-count-"
_FAMILIES = {"REQUEST_WEIGHT": _WEIGHT, "ORDERS": _ORDERS}


def _reported(headers: Mapping[str, str]) -> dict[tuple[str, int], int]:
    # Keyed by (header family, window span in ms). Each header name is parsed once
    # (``_header_key``): an answer carries ~7 headers, two or three of them counts.
    out: dict[tuple[str, int], int] = {}
    for name, value in headers.items():
        key = _KEYS.get(name, _UNSEEN)
        if key is _UNSEEN:
            key = _header_key(name)
        if key is not None and value.strip().isdigit():
            out[key] = int(value)
    return out


_UNSEEN = ("", -1)
# Header name as received -> (family, span) or None; bounded, so a server sending ever new
# names cannot grow it (past the bound, names are parsed every time).
_KEYS: dict[str, tuple[str, int] | None] = {}
_KEYS_MAX = 256


def _header_key(name: str) -> tuple[str, int] | None:
    key = name.lower()
    found = None
    for prefix in (_WEIGHT, _ORDERS):
        if key.startswith(prefix):
            found = (prefix, _span(key[len(prefix) :]))
    if len(_KEYS) < _KEYS_MAX:
        _KEYS[name] = found
    return found


def _span(suffix: str) -> int:
    # Header suffixes are (intervalNum)(intervalLetter), e.g. "1m", "10s", "1d"
    # (rest-api.md, "General Info on Limits").
    number, letter = suffix[:-1], suffix[-1:].upper()
    if not number.isdigit() or letter not in _LETTER_MS:
        return 0
    return int(number) * _LETTER_MS[letter]
