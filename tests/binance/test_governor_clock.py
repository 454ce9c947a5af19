"""Rate governor and server clock: pure bookkeeping driven by an injected clock."""

from __future__ import annotations

import pytest

from oms.wire.rest import RateLimit
from transports.binance.clock import ServerClock, TimeSample, estimate_offset
from transports.binance.governor import RateGovernor


class FakeClock:
    def __init__(self, now_ms: int) -> None:
        self.now = now_ms

    def __call__(self) -> int:
        return self.now


MINUTE_START = 1_700_000_040_000  # a multiple of 60 000 and of 10 000


def test_weight_waits_for_the_next_minute_bucket() -> None:
    clock = FakeClock(MINUTE_START + 15_000)
    gov = RateGovernor(clock, weight_per_minute=100)
    gov.reserve(20)
    gov.settle(20, headers={"X-MBX-USED-WEIGHT-1M": "90"})
    assert gov.delay_s(10) == 0.0
    assert gov.delay_s(11) == pytest.approx(45.0)  # the minute resets at :00 (rest-api.md, LIMITS)
    clock.now = MINUTE_START + 60_000
    assert gov.delay_s(100) == 0.0


def test_in_flight_requests_count_until_settled() -> None:
    clock = FakeClock(MINUTE_START)
    gov = RateGovernor(clock, weight_per_minute=50)
    gov.reserve(30)
    assert gov.delay_s(30) > 0  # 30 in flight + 30 would break 50
    gov.settle(30, headers={"x-mbx-used-weight-1m": "5"})
    assert gov.weight.count == 5
    assert gov.delay_s(30) == 0.0


def test_a_request_without_headers_counts_as_spent() -> None:
    gov = RateGovernor(FakeClock(MINUTE_START), weight_per_minute=50)
    gov.reserve(20)
    gov.settle(20)
    gov.reserve(20)
    gov.settle(20)
    assert gov.weight.count == 40
    assert gov.delay_s(20) > 0


def test_order_count_limits_per_10s_and_per_day() -> None:
    clock = FakeClock(MINUTE_START + 3_000)
    gov = RateGovernor(clock, orders_per_10s=2, orders_per_day=3)
    gov.reserve(1, orders=1)
    gov.settle(1, 1, {"X-MBX-ORDER-COUNT-10S": "2", "X-MBX-ORDER-COUNT-1D": "2"})
    assert gov.delay_s(1, orders=1) == pytest.approx(7.0)
    assert gov.delay_s(4, orders=0) == 0.0  # a query is not an order
    clock.now = MINUTE_START + 10_000
    assert gov.delay_s(1, orders=1) == 0.0
    gov.reserve(1, orders=1)
    gov.settle(1, 1, {"X-MBX-ORDER-COUNT-10S": "1", "X-MBX-ORDER-COUNT-1D": "3"})
    day_ms = 86_400_000
    expected = ((clock.now // day_ms) + 1) * day_ms - clock.now
    assert gov.delay_s(1, orders=1) == pytest.approx(expected / 1000)


def test_retry_after_blocks_everything_then_clears() -> None:
    clock = FakeClock(MINUTE_START)
    gov = RateGovernor(clock)
    gov.block(0.25)
    assert gov.delay_s(1) == pytest.approx(0.25)
    assert gov.delay_s(0) == pytest.approx(0.25)  # even a weightless request waits
    clock.now += 250
    assert gov.delay_s(1) == 0.0
    gov.block(120, banned=True)
    assert gov.banned and gov.blocked_for_s() == pytest.approx(120)


def test_limits_from_exchange_info() -> None:
    gov = RateGovernor(FakeClock(MINUTE_START))
    gov.set_limits(
        [
            RateLimit(
                rate_limit_type="REQUEST_WEIGHT", interval="MINUTE", interval_num=1, limit=1200
            ),
            RateLimit(rate_limit_type="ORDERS", interval="SECOND", interval_num=10, limit=7),
            RateLimit(rate_limit_type="ORDERS", interval="DAY", interval_num=1, limit=99),
            RateLimit(rate_limit_type="RAW_REQUESTS", interval="MINUTE", interval_num=5, limit=1),
        ]
    )
    assert (gov.weight.limit, gov.orders_10s.limit, gov.orders_1d.limit) == (1200, 7, 99)


def test_offset_is_the_median_of_midpoints_and_ignores_one_slow_answer() -> None:
    samples = [
        TimeSample(1000, 1510, 1020),  # midpoint 1010 -> 500
        TimeSample(2000, 2502, 2020),  # midpoint 2010 -> 492
        TimeSample(3000, 3505, 3010),  # midpoint 3005 -> 500
        TimeSample(4000, 9000, 8000),  # slow: 3 s each way, stamped late -> 3000
        TimeSample(5000, 5503, 5006),  # midpoint 5003 -> 500
    ]
    assert estimate_offset(samples) == 500
    with pytest.raises(ValueError, match="no samples"):
        estimate_offset([])


async def test_clock_sync_measures_refreshes_and_can_be_forced() -> None:
    wall = [10_000.0]
    clock = ServerClock(samples=3, refresh_s=60, wall_ms=lambda: wall[0])
    calls = 0

    async def fetch() -> int:
        nonlocal calls
        calls += 1
        wall[0] += 10  # a 20 ms round trip; the server stamps the midpoint, 250 ms ahead
        server = int(wall[0]) + 250
        wall[0] += 10
        return server

    assert clock.is_stale()
    await clock.sync(fetch)
    assert calls == 3 and clock.offset_ms == 250
    assert clock.now_ms() == int(wall[0]) + 250
    await clock.sync(fetch)  # fresh: no new samples
    assert calls == 3
    wall[0] += 60_000
    assert clock.is_stale()
    await clock.sync(fetch)
    assert calls == 6
    await clock.sync(fetch, force=True)
    assert calls == 9


def test_count_headers_are_read_in_any_case_and_names_are_remembered_within_a_bound() -> None:
    from transports.binance import governor  # noqa: PLC0415 - its private name cache

    clock = FakeClock(MINUTE_START)
    gov = RateGovernor(clock, weight_per_minute=100)
    for name in ("X-MBX-USED-WEIGHT-1M", "x-mbx-used-weight-1m", "X-Mbx-Used-Weight-1m"):
        gov.reserve(1)
        gov.settle(1, headers={name: "42", "Content-Type": "application/json"})
        assert gov.weight.count == 42
    # A server sending ever new header names cannot grow the name cache past its bound.
    for i in range(2 * governor._KEYS_MAX):
        gov.settle(0, headers={f"x-junk-{i}": "1", "x-mbx-used-weight-1m": str(i % 50)})
    assert len(governor._KEYS) <= governor._KEYS_MAX
    assert gov.weight.count == (2 * governor._KEYS_MAX - 1) % 50
