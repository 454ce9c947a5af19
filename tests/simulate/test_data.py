"""Binance public-data readers: layouts, ms and µs times, zip files, merging, bad rows."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from oms.sim import DataKind, DataSource, Kline, Trade, merge_events

DATA = Path(__file__).resolve().parents[2] / "transports" / "sim" / "data"


def test_trades_in_ms_and_aggtrades_in_us_are_both_read_as_us(tmp_path: Path) -> None:
    old = tmp_path / "BTCUSDT-trades-2024-12-31.csv"
    old.write_text("7,60000.10,0.5,30000.05,1735689599999,true,True\n")
    new = tmp_path / "BTCUSDT-aggTrades-2025-01-01.csv"
    new.write_text("9,60001.00,0.25,100,101,1735689600000001,False,True\n")
    events = list(merge_events([DataSource(new), DataSource(old)]))
    assert [e.time_us for e in events] == [1735689599999000, 1735689600000001]
    first, second = events
    assert isinstance(first, Trade) and first.is_buyer_maker and first.price == Decimal("60000.10")
    assert isinstance(second, Trade) and not second.is_buyer_maker and second.trade_id == 9


def test_klines_from_a_zip_with_header_are_delivered_at_close(tmp_path: Path) -> None:
    path = tmp_path / "ETHUSDT-1m-2025-01-01.zip"
    header = "open_time,open,high,low,close,volume,close_time,qv,count,tb,tq,ignore\n"
    row = "1735689600000000,1,2,0.5,1.5,10,1735689659999999,15,3,5,7.5,0\n"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ETHUSDT-1m-2025-01-01.csv", header + row)
    source = DataSource(path)
    assert (source.symbol, source.kind) == ("ETHUSDT", DataKind.KLINES)
    (kline,) = list(source.events())
    assert isinstance(kline, Kline)
    assert kline.time_us == 1735689659999999 and kline.close == Decimal("1.5")


def test_samples_merge_in_time_order_and_window() -> None:
    sources = [
        DataSource(DATA / "ETHUSDT-aggTrades-sample.csv"),
        DataSource(DATA / "BTCUSDT-1m-sample.csv"),
    ]
    events = list(merge_events(sources))
    times = [e.time_us for e in events]
    assert times == sorted(times) and {e.symbol for e in events} == {"ETHUSDT", "BTCUSDT"}
    window = list(merge_events(sources, start_us=times[100], end_us=times[200]))
    assert window == events[100:200]


@pytest.mark.parametrize(
    "row", ["1,abc,1,1,1735689600000000,true,true", "1,1,1,1", "x,1,1,1,1,true,true"]
)
def test_a_bad_row_is_one_clear_error(tmp_path: Path, row: str) -> None:
    path = tmp_path / "BTCUSDT-trades-2025-01-01.csv"
    path.write_text("1,1.0,1,1,1735689600000000,true,true\n" + row + "\n")
    with pytest.raises(ValueError, match="line 2"):
        list(DataSource(path).events())


def test_unnamed_files_must_say_what_they_hold(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("")
    with pytest.raises(ValueError, match="SYMBOL"):
        DataSource(path)
    assert DataSource(path, symbol="btcusdt", kind=DataKind.TRADES).symbol == "BTCUSDT"
