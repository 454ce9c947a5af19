"""Readers for Binance's public market data (data.binance.vision) and their time-ordered merge.

Rules:
- Layouts (binance-public-data README, "SPOT"), no header (a header row is tolerated):
  ``trades``: id, price, qty, quoteQty, time, isBuyerMaker, isBestMatch (7 fields);
  ``aggTrades``: aggTradeId, price, qty, firstTradeId, lastTradeId, time, isBuyerMaker,
  isBestMatch (8 fields); ``klines``: openTime, open, high, low, close, volume, closeTime,
  quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore (12 fields). Book tops use the
  ``bookTicker`` layout: updateId, bidPrice, bidQty, askPrice, askQty, transactionTime,
  eventTime (7 fields; named ``*-bookTicker-*``).
- Times: spot files from 2025-01-01 on are in microseconds, older ones in milliseconds (the
  README's note on SPOT timestamps). A time at or above 10**14 is µs; below, ms (scaled up).
  Everything downstream is µs.
- A file is a ``.csv`` or the ``.zip`` Binance publishes (its first ``.csv`` member). Its
  symbol and kind come from Binance's file name, ``SYMBOL-trades-2025-01-01.zip``,
  ``SYMBOL-aggTrades-...``, ``SYMBOL-1m-...`` (a kline interval), ``SYMBOL-bookTicker-...``;
  either can be given explicitly instead.
- Money is ``Decimal`` from the text, never float; a malformed row raises ``ValueError``
  naming the file and line, and nothing after it is read.
- Several files merge into one stream in time order; equal times keep the files' order,
  so a merge is deterministic.
"""

from __future__ import annotations

import heapq
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import IO

from oms.sim.market import BookTop, Kline, MarketEvent, Trade

__all__ = [
    "DataKind",
    "DataSource",
    "merge_events",
    "parse_rows",
    "read_events",
    "to_us",
]

_MICROSECONDS = 10**14
_KLINE_INTERVAL = re.compile(r"^\d+(s|m|h|d|w|mo)$")


class DataKind(StrEnum):
    TRADES = "trades"
    AGG_TRADES = "aggTrades"
    KLINES = "klines"
    BOOK_TICKER = "bookTicker"


_FIELDS = {DataKind.TRADES: 7, DataKind.AGG_TRADES: 8, DataKind.KLINES: 12}


def to_us(time: int) -> int:
    """A Binance public-data time in µs, whether the file wrote ms or µs (see the rules)."""
    return time if time >= _MICROSECONDS else time * 1000


class DataSource:
    """One market data file: where it is, whose symbol and what kind of rows."""

    def __init__(
        self, path: Path | str, *, symbol: str | None = None, kind: DataKind | None = None
    ) -> None:
        """Raises: ValueError: symbol or kind neither given nor readable from the name."""
        self.path = Path(path)
        parts = self.path.name.split(".")[0].split("-")
        guessed_symbol = parts[0].upper() if len(parts) >= 2 else None
        self.symbol = (symbol or guessed_symbol or "").upper()
        if not self.symbol:
            raise ValueError(f"{self.path}: name the symbol (Binance names files SYMBOL-kind-DATE)")
        found = kind or _kind_from_name(parts)
        if found is None:
            raise ValueError(
                f"{self.path}: cannot tell trades, aggTrades, klines or bookTicker from the "
                "name; name it as Binance does (SYMBOL-trades-DATE.csv) or give the kind"
            )
        self.kind: DataKind = found

    def __repr__(self) -> str:
        return f"DataSource({str(self.path)!r}, symbol={self.symbol!r}, kind={self.kind.value!r})"

    def events(self) -> Iterator[MarketEvent]:
        """Raises: OSError: unreadable. ValueError: a malformed row or zip."""
        with _open_text(self.path) as handle:
            yield from parse_rows(handle, self.symbol, self.kind, name=str(self.path))


def _kind_from_name(parts: list[str]) -> DataKind | None:
    if len(parts) < 2:
        return None
    word = parts[1]
    for kind in DataKind:
        if word.lower() == kind.value.lower():
            return kind
    return DataKind.KLINES if _KLINE_INTERVAL.match(word) else None


def _open_text(path: Path) -> IO[str]:
    if path.suffix.lower() != ".zip":
        return open(path, encoding="utf-8", newline="")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{path}: not a zip file ({exc})") from None
    members = [n for n in archive.namelist() if n.lower().endswith(".csv")]
    if not members:
        archive.close()
        raise ValueError(f"{path}: the zip holds no .csv file")
    return io.TextIOWrapper(archive.open(members[0]), encoding="utf-8", newline="")


def parse_rows(
    lines: Iterable[str], symbol: str, kind: DataKind, *, name: str = "data"
) -> Iterator[MarketEvent]:
    """Parse CSV lines of one kind for one symbol (see the module rules).

    Raises:
        ValueError: a row with the wrong number of fields or a bad number.
    """
    parse = _PARSERS[kind]
    want = _FIELDS.get(kind, 7)
    for number, raw in enumerate(lines, start=1):
        fields = raw.rstrip("\r\n").split(",")
        if len(fields) != want:
            if len(fields) == 1 and not fields[0].strip():
                continue
            raise ValueError(f"{name} line {number}: expected {want} fields, got {len(fields)}")
        if not fields[0].isdigit():
            if number == 1:
                continue  # a header row
            raise ValueError(f"{name} line {number}: {fields[0]!r} is not a number")
        try:
            yield parse(symbol, fields)
        except (InvalidOperation, ValueError) as exc:
            raise ValueError(f"{name} line {number}: {exc or 'bad number'}") from None


def _amount(text: str) -> Decimal:
    value = Decimal(text)
    if not value >= 0:  # NaN compares with InvalidOperation; negatives are refused
        raise ValueError(f"bad amount {text!r}")
    return value


def _trade_row(time_col: int, maker_col: int) -> Callable[[str, list[str]], Trade]:
    """A reader for a trade-like row: id, price and quantity first, then time and maker flag.

    Binance's public data (binance-public-data README, "Trades" and "AggTrades"): trades are
    ``id,price,qty,quoteQty,time,isBuyerMaker,isBestMatch``; aggTrades are
    ``aggId,price,qty,firstId,lastId,time,isBuyerMaker,isBestMatch``.
    """

    def read(symbol: str, f: list[str]) -> Trade:
        time = int(f[time_col])
        maker = f[maker_col]
        return Trade(
            symbol,
            time if time >= _MICROSECONDS else time * 1000,
            int(f[0]),
            _amount(f[1]),
            _amount(f[2]),
            maker in _TRUE or maker.strip().lower() == "true",
        )

    return read


_trade = _trade_row(4, 5)
_agg_trade = _trade_row(5, 6)


def _kline(symbol: str, f: list[str]) -> Kline:
    return Kline(
        symbol,
        to_us(int(f[6])),
        to_us(int(f[0])),
        _amount(f[1]),
        _amount(f[2]),
        _amount(f[3]),
        _amount(f[4]),
        _amount(f[5]),
        int(f[8]),
    )


def _book_top(symbol: str, f: list[str]) -> BookTop:
    return BookTop(
        symbol,
        to_us(int(f[5])),
        _amount(f[1]),
        _amount(f[2]),
        _amount(f[3]),
        _amount(f[4]),
    )


_TRUE = frozenset(("True", "true"))
_PARSERS: dict[DataKind, Callable[[str, list[str]], MarketEvent]] = {
    DataKind.TRADES: _trade,
    DataKind.AGG_TRADES: _agg_trade,
    DataKind.KLINES: _kline,
    DataKind.BOOK_TICKER: _book_top,
}


def merge_events(
    sources: Iterable[DataSource], *, start_us: int | None = None, end_us: int | None = None
) -> Iterator[MarketEvent]:
    """Every source's events in time order, within ``[start_us, end_us)`` when given."""
    merged = heapq.merge(*(s.events() for s in sources), key=_time)
    for event in merged:
        if start_us is not None and event.time_us < start_us:
            continue
        if end_us is not None and event.time_us >= end_us:
            return
        yield event


def _time(event: MarketEvent) -> int:
    return event.time_us


def read_events(paths: Iterable[Path | str]) -> list[MarketEvent]:
    """All events of the files, merged (small files; a long run streams ``merge_events``)."""
    return list(merge_events(DataSource(p) for p in paths))
