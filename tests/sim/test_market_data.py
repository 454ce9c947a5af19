"""The sim's public market data: kline open times, time zones, aggregates, update ids."""

from __future__ import annotations

import calendar
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oms.wire.enums import Side
from transports.sim.book import OrderBook
from transports.sim.market_data import (
    INTERVALS,
    MarketData,
    interval_close,
    interval_open,
    parse_time_zone,
)

# 2024-02-29 13:45:10.500 UTC, a Thursday in a leap February.
T = calendar.timegm((2024, 2, 29, 13, 45, 10)) * 1000 + 500


def test_interval_open_times() -> None:
    assert interval_open(T, "1s") == T - 500
    assert interval_open(T, "1m") == T - 10_500
    assert interval_open(T, "4h") == calendar.timegm((2024, 2, 29, 12, 0, 0)) * 1000
    assert interval_open(T, "1w") == calendar.timegm((2024, 2, 26, 0, 0, 0)) * 1000  # Monday
    assert interval_open(T, "1M") == calendar.timegm((2024, 2, 1, 0, 0, 0)) * 1000
    assert interval_close(interval_open(T, "1M"), "1M") == (
        calendar.timegm((2024, 3, 1, 0, 0, 0)) * 1000 - 1
    )
    # In UTC+8, T is 21:45 on the 29th, a day that began at 16:00 UTC on the 28th.
    assert interval_open(T, "1d", 8 * 3_600_000) == calendar.timegm((2024, 2, 28, 16, 0, 0)) * 1000


def test_time_zones() -> None:
    assert parse_time_zone(None) == 0
    assert parse_time_zone("8") == 8 * 3_600_000
    assert parse_time_zone("-1:00") == -3_600_000
    assert parse_time_zone("05:45") == (5 * 60 + 45) * 60_000
    assert parse_time_zone("+14:00") == 14 * 3_600_000
    assert parse_time_zone("15") is None
    assert parse_time_zone("-12:30") is None
    assert parse_time_zone("5:7") is None
    assert parse_time_zone("x") is None


@given(st.integers(0, 4_102_444_800_000), st.sampled_from(sorted(INTERVALS)))
def test_every_time_is_inside_its_kline(time: int, interval: str) -> None:
    opened = interval_open(time, interval)
    assert opened <= time <= interval_close(opened, interval)


def test_aggregates_klines_and_update_ids() -> None:
    data = MarketData(OrderBook("BTCUSDT"))
    p, q = Decimal("100"), Decimal("1")
    for trade_id, taker in ((1, 7), (2, 7), (3, 8)):
        data.trade(trade_id, p, q, T, buyer_maker=False, taker=taker)
    data.touch(Side.SELL, p)
    update = data.finish(T)
    assert update is not None
    assert [(a.first_id, a.last_id, a.qty) for a in update.agg_trades] == [
        (1, 2, Decimal("2")),
        (3, 3, Decimal("1")),
    ]
    assert update.update_id == 1 and update.asks == ((p, Decimal(0)),)
    data.trade(4, Decimal("101"), q, T + 1000, buyer_maker=True, taker=9)
    assert data.finish(T + 1000, build=False) is None
    assert data.update_id == 1  # trades alone change no level
    seconds = data.klines("1s", start=None, end=None, limit=10)
    assert [(o, k.count) for o, _, k in seconds] == [(T - 500, 3), (T + 500, 1)]
    [(_, _, minute)] = data.klines("1m", start=None, end=None, limit=10)
    assert (minute.open, minute.close, minute.volume, minute.taker_base) == (
        p,
        Decimal("101"),
        Decimal("4"),
        Decimal("3"),
    )
