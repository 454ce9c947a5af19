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


def test_klines_cover_every_interval_since_the_first_trade() -> None:
    """Intervals without trades are klines at the previous close, zero volume, count 0, up to
    the one holding ``now`` (rest-api.md, Kline/Candlestick data)."""
    data = MarketData(OrderBook("BTCUSDT"))
    minute = interval_open(T, "1m")
    data.trade(1, Decimal("100"), Decimal("1"), T, buyer_maker=False, taker=1)
    data.trade(2, Decimal("103"), Decimal("2"), T + 180_000, buyer_maker=True, taker=2)
    now = T + 300_000
    found = data.klines("1m", start=None, end=None, limit=500, now=now)
    assert [o - minute for o, _, _ in found] == [i * 60_000 for i in range(6)]
    rows = [(k.open, k.close, k.high, k.volume, k.count, k.first_id) for _, _, k in found]
    gap = (Decimal("100"), Decimal("100"), Decimal("100"), Decimal(0), 0, -1)
    after = (Decimal("103"), Decimal("103"), Decimal("103"), Decimal(0), 0, -1)
    assert rows[1] == rows[2] == gap and rows[4] == rows[5] == after
    assert rows[3][:2] == (Decimal("103"), Decimal("103")) and rows[3][4] == 1
    # The latest ``limit``, a start time, an end time; nothing before the first trade.
    assert [o for o, _, _ in data.klines("1m", start=None, end=None, limit=2, now=now)] == [
        minute + 240_000,
        minute + 300_000,
    ]
    assert [o for o, _, _ in data.klines("1m", start=0, end=None, limit=2, now=now)] == [
        minute,
        minute + 60_000,
    ]
    ranged = data.klines("1m", start=minute + 60_000, end=minute + 120_000, limit=9, now=now)
    assert [k.count for _, _, k in ranged] == [0, 0]
    assert data.klines("1m", start=None, end=minute - 1, limit=9, now=now) == []
    assert data.current_kline("1m", now).count == 0  # type: ignore[union-attr]
    assert data.current_kline("1m", T - 60_000) is None
    # 5 minutes: 13:45 holds both trades, 13:50 (now) none.
    five = data.klines("5m", start=None, end=None, limit=9, now=now)
    assert [(k.count, k.close) for _, _, k in five] == [(2, Decimal("103")), (0, Decimal("103"))]
