"""The journal keeps every input in order, durably, and fill ids once."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import msgspec

from oms.core.commands import Intent, Sent
from oms.core.spec import OrderSpec
from oms.runtime.journal import Journal
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.rest import MyTrade


def intent(cid: str = "c1") -> Intent:
    spec = OrderSpec(
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D("0.00100000"),
        price=D("0.00000001"),
        time_in_force=TimeInForce.GTC,
    )
    return Intent(client_order_id=cid, at_ms=1, spec=spec)


def test_entries_round_trip_in_order(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    j = Journal(path)
    j.record(intent(), 1, "c1")
    j.record(Sent(client_order_id="c1", at_ms=2), 2, "c1")
    trade = MyTrade(
        symbol="BTCUSDT",
        id=7,
        order_id=1,
        order_list_id=-1,
        price=D("1.5"),
        qty=D("2"),
        quote_qty=D("3"),
        commission=D("0"),
        commission_asset="BTC",
        time=3,
        is_buyer=True,
        is_maker=False,
        is_best_match=True,
    )
    j.record(trade, 3, "c1")
    j.close()
    again = Journal(path)
    rows = list(again.entries())
    # The kind is the event's type name (a command's tag): one encode, nothing to map.
    assert [r.kind for r in rows] == ["Intent", "Sent", "MyTrade"]
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    back = msgspec.json.decode(rows[0].data, type=Intent)
    assert back == intent() and back.spec.price == D("0.00000001")
    assert msgspec.json.decode(rows[1].data, type=Sent) == Sent(client_order_id="c1", at_ms=2)
    assert msgspec.json.decode(rows[2].data, type=MyTrade) == trade
    assert len(again) == 3


def test_fill_ids_recorded_once() -> None:
    j = Journal()
    assert j.record_fill("BTCUSDT", 5, "c1", 1)
    assert not j.record_fill("BTCUSDT", 5, "c1", 2)
    assert j.record_fill("ETHUSDT", 5, "c2", 3)
    assert j.fill_count() == 2
    assert j.fill_ids() == {("BTCUSDT", 5), ("ETHUSDT", 5)}


def test_bad_frames_kept_for_inspection() -> None:
    j = Journal()
    j.record_bad_frame(b"\xff{not json", "invalid utf-8", 9)
    assert j.bad_frames() == [(9, "invalid utf-8", b"\xff{not json")]


def test_wal_mode_on_disk(tmp_path: Path) -> None:
    j = Journal(str(tmp_path / "w.sqlite3"))
    mode = j._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
