"""One symbol's public market data: trade tape, aggregate trades, klines, depth update ids.

Rules:
- Pure and synchronous, fed by ``SimExchange`` through two calls per action: ``trade`` for
  each fill (in execution order) and ``touch`` for each book level the action changed, then
  ``finish`` once the action is done, which returns the action's ``MarketUpdate`` (or None
  when nothing public changed).
- Every action that changes the book takes the next order book update id; a depth snapshot
  carries the id of the last applied action, and a diff carries ``U`` = ``u`` = that id, so
  the "How to manage a local order book correctly" procedure (web-socket-streams.md) works:
  ``U`` of the next diff is always ``u + 1`` of the previous one.
- Aggregate trades group the fills of one taker order at one price within one action
  (rest-api.md, Compressed/Aggregate trades list).
- Klines are kept as 1-minute buckets (bounded); longer intervals are those grouped by their
  open time, 1-second klines are built from the trade tape when asked for (rest-api.md,
  Kline/Candlestick data: klines are identified by their open time; weeks open on Monday,
  months on the 1st, UTC or ``timeZone``). From the first kept bucket to the one holding
  ``now`` there is a kline for every interval: one without trades opens, closes and peaks at
  the previous close with zero volumes, count 0 and trade ids -1 (rest-api.md, Kline/Candlestick
  data: "If ``startTime`` and ``endTime`` are not sent, the most recent klines are returned",
  the current interval included; Binance's idle intervals read this way). ``startTime``
  selects klines opening at or after it (web-socket-api.md, Klines, its example).
- Memory is bounded: the tape, aggregate trades and buckets keep the latest ``keep`` entries.
"""

from __future__ import annotations

import calendar
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator
from decimal import Decimal

import msgspec

from oms.wire.enums import Side
from oms.wire.money import ZERO
from transports.sim.book import OrderBook

__all__ = [
    "INTERVALS",
    "AggTrade",
    "KlineBucket",
    "MarketData",
    "MarketUpdate",
    "RecentTrade",
    "Stats",
    "interval_open",
    "parse_time_zone",
]

_SECOND = 1000
_MINUTE = 60 * _SECOND
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
# KlineBucket intervals in ms (rest-api.md, Kline/Candlestick data); 1M is calendar-based (0).
INTERVALS: dict[str, int] = {
    "1s": _SECOND,
    "1m": _MINUTE,
    "3m": 3 * _MINUTE,
    "5m": 5 * _MINUTE,
    "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE,
    "1h": _HOUR,
    "2h": 2 * _HOUR,
    "4h": 4 * _HOUR,
    "6h": 6 * _HOUR,
    "8h": 8 * _HOUR,
    "12h": 12 * _HOUR,
    "1d": _DAY,
    "3d": 3 * _DAY,
    "1w": 7 * _DAY,
    "1M": 0,
}
# 1970-01-01 was a Thursday; weekly klines open on Monday 00:00.
_MONDAY_OFFSET = 4 * _DAY


class RecentTrade(msgspec.Struct, frozen=True, gc=False):
    """One public trade (rest-api.md, Recent trades list)."""

    id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    time: int
    buyer_maker: bool


class AggTrade(msgspec.Struct):
    """Fills of one taker at one price in one action (rest-api.md, aggTrades)."""

    id: int
    price: Decimal
    qty: Decimal
    first_id: int
    last_id: int
    time: int
    buyer_maker: bool
    taker: int


class KlineBucket:
    """One bucket: open time, OHLC, volumes, trade count and id range."""

    __slots__ = (
        "close",
        "count",
        "first_id",
        "high",
        "last_id",
        "low",
        "open",
        "open_time",
        "quote_volume",
        "taker_base",
        "taker_quote",
        "volume",
    )

    def __init__(self, open_time: int, trade: RecentTrade) -> None:
        self.open_time = open_time
        self.open = self.high = self.low = self.close = trade.price
        self.volume = self.quote_volume = self.taker_base = self.taker_quote = ZERO
        self.count = 0
        self.first_id = self.last_id = trade.id
        self.add(trade)

    def add(self, trade: RecentTrade) -> None:
        self.high = max(self.high, trade.price)
        self.low = min(self.low, trade.price)
        self.close = trade.price
        self.volume += trade.qty
        self.quote_volume += trade.quote_qty
        if not trade.buyer_maker:  # the taker bought
            self.taker_base += trade.qty
            self.taker_quote += trade.quote_qty
        self.count += 1
        self.last_id = trade.id

    def merge(self, other: KlineBucket) -> None:
        self.high = max(self.high, other.high)
        self.low = min(self.low, other.low)
        self.close = other.close
        self.volume += other.volume
        self.quote_volume += other.quote_volume
        self.taker_base += other.taker_base
        self.taker_quote += other.taker_quote
        self.count += other.count
        self.last_id = other.last_id

    @classmethod
    def empty(cls, open_time: int, price: Decimal) -> KlineBucket:
        """An interval without trades, at the previous close."""
        out = cls.__new__(cls)
        out.open_time = open_time
        out.open = out.high = out.low = out.close = price
        out.volume = out.quote_volume = out.taker_base = out.taker_quote = ZERO
        out.count = 0
        out.first_id = out.last_id = -1
        return out

    def copy(self, open_time: int) -> KlineBucket:
        out = KlineBucket.__new__(KlineBucket)
        for name in KlineBucket.__slots__:
            setattr(out, name, getattr(self, name))
        out.open_time = open_time
        return out


class Stats(msgspec.Struct, frozen=True):
    """Price change statistics over a window (rest-api.md, 24hr ticker / Rolling window)."""

    open_time: int
    close_time: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    last_qty: Decimal
    prev_close: Decimal
    volume: Decimal
    quote_volume: Decimal
    first_id: int
    last_id: int
    count: int

    @property
    def change(self) -> Decimal:
        return self.last - self.open

    @property
    def change_percent(self) -> Decimal:
        if not self.open:
            return Decimal("0.000")
        return (self.change * 100 / self.open).quantize(Decimal("0.001"))

    @property
    def weighted_average(self) -> Decimal:
        if not self.volume:
            return ZERO
        return (self.quote_volume / self.volume).quantize(Decimal("0.00000001"))


class MarketUpdate(msgspec.Struct, frozen=True):
    """What one action changed in public: its trades, aggregate trades and book levels."""

    symbol: str
    time: int
    trades: tuple[RecentTrade, ...]
    agg_trades: tuple[AggTrade, ...]
    # The update id of this action, and the changed levels (qty 0: the level is gone).
    update_id: int
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]


def parse_time_zone(text: str | None) -> int | None:
    """``timeZone`` as an offset in ms: ``"0"``, ``"8"``, ``"-1:00"``, ``"05:45"``; the range
    is [-12:00, +14:00] (rest-api.md, Kline/Candlestick data). None when invalid."""
    if text is None or text == "":
        return 0
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    hours, _, minutes = body.partition(":")
    if not hours.isdigit() or (minutes and not (minutes.isdigit() and len(minutes) == 2)):
        return None
    offset = sign * (int(hours) * _HOUR + int(minutes or 0) * _MINUTE)
    if not -12 * _HOUR <= offset <= 14 * _HOUR or int(minutes or 0) >= 60:
        return None
    return offset


def interval_open(time: int, interval: str, offset: int = 0) -> int:
    """The open time (UTC ms) of the ``interval`` kline holding ``time``, in zone ``offset``."""
    local = time + offset
    if interval == "1M":
        year, month = _year_month(local)
        return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000 - offset
    size = INTERVALS[interval]
    if interval == "1w":
        return local - (local - _MONDAY_OFFSET) % size - offset
    return local - local % size - offset


def interval_close(open_time: int, interval: str, offset: int = 0) -> int:
    """The close time (inclusive ms) of the kline opening at ``open_time``."""
    if interval == "1M":
        year, month = _year_month(open_time + offset)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000 - offset - 1
    return open_time + INTERVALS[interval] - 1


def _open_from(start: int, interval: str, offset: int) -> int:
    """The first open time at or after ``start``: web-socket-api.md, Klines, whose example
    asks ``1h`` klines from 07:28 (``startTime`` 1655969280000) and gets the one opening at
    08:00 (1655971200000)."""
    open_time = interval_open(start, interval, offset)
    return open_time if open_time == start else interval_close(open_time, interval, offset) + 1


def _forward(lo: int, hi: int, interval: str, offset: int, limit: int) -> list[int]:
    """Up to ``limit`` open times from ``lo`` to ``hi``, oldest first."""
    out: list[int] = []
    while lo <= hi and len(out) < limit:
        out.append(lo)
        lo = interval_close(lo, interval, offset) + 1
    return out


def _backward(hi: int, lo: int, interval: str, offset: int, limit: int) -> list[int]:
    """The latest ``limit`` open times from ``lo`` to ``hi``, oldest first."""
    out: list[int] = []
    while hi >= lo and len(out) < limit:
        out.append(hi)
        hi = interval_open(hi - 1, interval, offset)
    out.reverse()
    return out


def _close_before(grouped: list[KlineBucket], open_time: int) -> Decimal | None:
    """The close of the last bucket opening before ``open_time``."""
    found = None
    for bucket in grouped:
        if bucket.open_time >= open_time:
            break
        found = bucket.close
    return found


def _year_month(ms: int) -> tuple[int, int]:
    days = ms // _DAY
    # Civil-from-days (Howard Hinnant's algorithm), no datetime needed.
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (1 if month <= 2 else 0), month


class MarketData:
    """The public record of one symbol (see the module rules)."""

    def __init__(self, book: OrderBook, *, keep: int = 100_000) -> None:
        self.book = book
        self.symbol = book.symbol
        self.trades: deque[RecentTrade] = deque(maxlen=keep)
        self.agg_trades: deque[AggTrade] = deque(maxlen=keep)
        self._minutes: OrderedDict[int, KlineBucket] = OrderedDict()
        self._keep = keep
        self.update_id = 0
        self._next_agg = 1
        self._action_trades: list[RecentTrade] = []
        self._action_aggs: list[AggTrade] = []
        self._touched: set[tuple[Side, Decimal]] = set()

    # --- feeding ---------------------------------------------------------------------

    def trade(
        self,
        trade_id: int,
        price: Decimal,
        qty: Decimal,
        time: int,
        *,
        buyer_maker: bool,
        taker: int,
    ) -> None:
        """Record one fill of the action in progress."""
        trade = RecentTrade(trade_id, price, qty, price * qty, time, buyer_maker)
        self.trades.append(trade)
        self._action_trades.append(trade)
        self._bucket(self._minutes, time - time % _MINUTE, trade)
        aggs = self._action_aggs
        if aggs and aggs[-1].taker == taker and aggs[-1].price == price:
            aggs[-1].qty += qty
            aggs[-1].last_id = trade_id
            return
        agg = AggTrade(
            id=self._next_agg,
            price=price,
            qty=qty,
            first_id=trade_id,
            last_id=trade_id,
            time=time,
            buyer_maker=buyer_maker,
            taker=taker,
        )
        self._next_agg += 1
        aggs.append(agg)
        self.agg_trades.append(agg)

    def touch(self, side: Side, price: Decimal) -> None:
        """A level of the book changed in the action in progress."""
        self._touched.add((side, price))

    def finish(self, time: int, *, build: bool = True) -> MarketUpdate | None:
        """Close the action: its update, or None when nothing public changed (or, with
        ``build`` false, when nobody listens: the update id still advances)."""
        if not self._touched and not self._action_trades:
            return None
        if not build:
            if self._touched:
                self.update_id += 1
                self._touched = set()
            self._action_trades = []
            self._action_aggs = []
            return None
        bids: list[tuple[Decimal, Decimal]] = []
        asks: list[tuple[Decimal, Decimal]] = []
        for side, price in sorted(self._touched, key=lambda t: (t[0].value, t[1])):
            (bids if side is Side.BUY else asks).append((price, self.level_qty(side, price)))
        if self._touched:
            self.update_id += 1
        update = MarketUpdate(
            symbol=self.symbol,
            time=time,
            trades=tuple(self._action_trades),
            agg_trades=tuple(self._action_aggs),
            update_id=self.update_id,
            bids=tuple(bids),
            asks=tuple(asks),
        )
        self._touched = set()
        self._action_trades = []
        self._action_aggs = []
        return update

    def _bucket(
        self, buckets: OrderedDict[int, KlineBucket], open_time: int, trade: RecentTrade
    ) -> None:
        found = buckets.get(open_time)
        if found is None:
            buckets[open_time] = KlineBucket(open_time, trade)
            if len(buckets) > self._keep:
                buckets.popitem(last=False)
        else:
            found.add(trade)

    # --- reading ---------------------------------------------------------------------

    def level_qty(self, side: Side, price: Decimal) -> Decimal:
        level = self.book.side(side).levels.get(price)
        if not level:
            return ZERO
        total = ZERO
        for order in level.values():
            total += order.shown
        return total

    def depth(
        self, limit: int
    ) -> tuple[int, list[tuple[Decimal, Decimal]], list[tuple[Decimal, Decimal]]]:
        """``(lastUpdateId, bids, asks)``, at most ``limit`` levels a side, best first."""
        return self.update_id, _top(self, Side.BUY, limit), _top(self, Side.SELL, limit)

    def best(self, side: Side) -> tuple[Decimal, Decimal]:
        """``(price, qty)`` of the best level, zeros when the side is empty."""
        price = self.book.side(side).best()
        if price is None:
            return ZERO, ZERO
        return price, self.level_qty(side, price)

    def recent_trades(self, limit: int) -> list[RecentTrade]:
        tape = self.trades
        return list(tape)[-limit:] if limit < len(tape) else list(tape)

    def trades_from(self, from_id: int, limit: int) -> list[RecentTrade]:
        tape = self.trades
        if not tape:
            return []
        start = max(0, from_id - tape[0].id)
        out = []
        for i in range(start, len(tape)):
            out.append(tape[i])
            if len(out) == limit:
                break
        return out

    def aggregates(
        self,
        *,
        from_id: int | None,
        start: int | None,
        end: int | None,
        limit: int,
    ) -> list[AggTrade]:
        if from_id is None and start is None and end is None:
            return list(self.agg_trades)[-limit:]
        if from_id is None and start is None and end is not None:
            # CHANGELOG.md 2022-12-05, Changes to GET /api/v3/aggTrades: "When using
            # ``endTime`` only, this will return trades before that time, up to the ``limit``
            # provided": the latest ones up to ``endTime``, oldest first.
            return [a for a in self.agg_trades if a.time <= end][-limit:]
        out = []
        for agg in self.agg_trades:
            if from_id is not None and agg.id < from_id:
                continue
            if start is not None and agg.time < start:
                continue
            if end is not None and agg.time > end:
                break
            out.append(agg)
            if len(out) == limit:
                break
        return out

    def klines(
        self,
        interval: str,
        *,
        start: int | None,
        end: int | None,
        limit: int,
        offset: int = 0,
        now: int | None = None,
    ) -> list[tuple[int, int, KlineBucket]]:
        """``(open time, close time, bucket)`` oldest first, one per interval from the first
        bucket to the one holding ``now`` (default: the last bucket); the latest ``limit``
        unless ``start`` is given."""
        grouped = list(self._grouped(interval, offset))
        if not grouped or limit <= 0:
            return []
        first = grouped[0].open_time
        last = grouped[-1].open_time if now is None else interval_open(now, interval, offset)
        if end is not None:
            last = min(last, interval_open(end, interval, offset))
        if start is not None:
            opens = _forward(
                max(first, _open_from(start, interval, offset)), last, interval, offset, limit
            )
        else:
            opens = _backward(last, first, interval, offset, limit)
        by_open = {k.open_time: k for k in grouped}
        out: list[tuple[int, int, KlineBucket]] = []
        previous = _close_before(grouped, opens[0]) if opens else None
        for open_time in opens:
            found = by_open.get(open_time)
            if found is None:
                if previous is None:
                    continue
                found = KlineBucket.empty(open_time, previous)
            previous = found.close
            out.append((open_time, interval_close(open_time, interval, offset), found))
        return out

    def current_kline(self, interval: str, now: int, offset: int = 0) -> KlineBucket | None:
        """The kline of ``interval`` open at ``now`` (None before the first trade)."""
        open_time = interval_open(now, interval, offset)
        found = self.klines(interval, start=open_time, end=None, limit=1, offset=offset, now=now)
        return found[0][2] if found and found[0][0] == open_time else None

    def _grouped(self, interval: str, offset: int) -> Iterator[KlineBucket]:
        if interval == "1s":
            # 1-second klines come from the trade tape (the latest ``keep`` trades): no
            # per-second buckets on the hot path.
            yield from _seconds(self.trades)
            return
        if interval == "1m":
            yield from self._minutes.values()
            return
        current: KlineBucket | None = None
        for bucket in self._minutes.values():
            open_time = interval_open(bucket.open_time, interval, offset)
            if current is not None and current.open_time == open_time:
                current.merge(bucket)
                continue
            if current is not None:
                yield current
            current = bucket.copy(open_time)
        if current is not None:
            yield current

    def stats(self, open_time: int, close_time: int, reference: Decimal) -> Stats:
        """Statistics of the trades in ``[open_time, close_time]`` (no trades: the reference
        price, zero volumes and ids -1/-1, count 0 as Binance answers an idle symbol)."""
        window = [t for t in self.trades if open_time <= t.time <= close_time]
        before = [t for t in self.trades if t.time < open_time]
        prev = before[-1].price if before else ZERO
        if not window:
            last = self.trades[-1] if self.trades else None
            price = last.price if last is not None else reference
            return Stats(
                open_time=open_time,
                close_time=close_time,
                open=price,
                high=price,
                low=price,
                last=price,
                last_qty=ZERO,
                prev_close=prev,
                volume=ZERO,
                quote_volume=ZERO,
                first_id=-1,
                last_id=-1,
                count=0,
            )
        return Stats(
            open_time=open_time,
            close_time=close_time,
            open=window[0].price,
            high=max(t.price for t in window),
            low=min(t.price for t in window),
            last=window[-1].price,
            last_qty=window[-1].qty,
            prev_close=prev,
            volume=_sum(t.qty for t in window),
            quote_volume=_sum(t.quote_qty for t in window),
            first_id=window[0].id,
            last_id=window[-1].id,
            count=len(window),
        )

    def average_price(self, now: int, minutes: int, reference: Decimal) -> tuple[Decimal, int]:
        """Volume-weighted price of the last ``minutes`` and the last trade's time
        (rest-api.md, Current average price); the reference price when nothing traded."""
        since = now - minutes * _MINUTE
        window = [t for t in self.trades if t.time >= since]
        last_time = self.trades[-1].time if self.trades else now
        volume = _sum(t.qty for t in window)
        if not volume:
            price = self.trades[-1].price if self.trades else reference
            return price, last_time
        quote = _sum(t.quote_qty for t in window)
        return (quote / volume).quantize(Decimal("0.00000001")), last_time


def _seconds(trades: Iterable[RecentTrade]) -> Iterator[KlineBucket]:
    current: KlineBucket | None = None
    for trade in trades:
        open_time = trade.time - trade.time % _SECOND
        if current is not None and current.open_time == open_time:
            current.add(trade)
            continue
        if current is not None:
            yield current
        current = KlineBucket(open_time, trade)
    if current is not None:
        yield current


def _top(data: MarketData, side: Side, limit: int) -> list[tuple[Decimal, Decimal]]:
    out = []
    for price in data.book.side(side).prices_best_first():
        out.append((price, data.level_qty(side, price)))
        if len(out) == limit:
            break
    return out


def _sum(values: Iterable[Decimal]) -> Decimal:
    total = ZERO
    for v in values:
        total += v
    return total
