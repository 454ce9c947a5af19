"""The journal keeps every input in order, durably (group commit), and each fill once."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal as D
from pathlib import Path

import msgspec

from oms.core.commands import Intent, Sent
from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.core.spec import OrderSpec
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.runtime.recovery import journaled_fills, replay_journal
from oms.testing.sim import SYMBOL, TRADER, fast_config, new_exchange, quote_book
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.rest import MyTrade
from transports.sim.transport import SimTransport


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
    with Journal(path) as again:
        rows = list(again.entries())
        assert len(again) == 3
    # The kind is the event's type name (a command's tag): one encode, nothing to map.
    assert [r.kind for r in rows] == ["Intent", "Sent", "MyTrade"]
    assert [r.seq for r in rows] == sorted(r.seq for r in rows)
    back = msgspec.json.decode(rows[0].data, type=Intent)
    assert back == intent() and back.spec.price == D("0.00000001")
    assert msgspec.json.decode(rows[1].data, type=Sent) == Sent(client_order_id="c1", at_ms=2)
    assert msgspec.json.decode(rows[2].data, type=MyTrade) == trade


async def test_the_fills_journaled_are_the_exchanges_trades_once() -> None:
    ex = new_exchange()
    quote_book(ex)
    manager = OrderManager(SimTransport(ex, TRADER), config=fast_config())
    async with manager:
        await manager.execute_spot_buy(SYMBOL, D("0.05"))  # two trades: answer and stream
        await manager.wait_for(lambda: manager.engine.balances.get("BTC") is not None)
        await manager.reconcile("and once more by REST")
        fills = journaled_fills(manager.journal)
    trades = ex.my_trades(TRADER, SYMBOL)
    assert len(trades) == 2
    assert sorted(fills) == sorted((SYMBOL, t.id) for t in trades)


async def test_a_loop_turns_rows_are_committed_together_after_it(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    j = Journal(path)
    reader = sqlite3.connect(path)

    def committed() -> list[str]:
        copy = Journal.snapshot(path)  # what another process reads in the file
        try:
            return [e.kind for e in copy.entries()]
        finally:
            copy.close()

    def rows() -> int:
        return int(reader.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    j.record(intent("c1"), 1, "c1")
    j.record(Sent(client_order_id="c1", at_ms=2), 2, "c1")
    assert committed() == []  # buffered for the turn: a crash now loses both
    await asyncio.sleep(0)
    assert committed() == ["Intent", "Sent"]  # the next turn committed them, together:
    assert rows() == 1  # one row holds the turn's entries
    j.record(intent("c2"), 3, "c2")
    j.commit()  # what the placing path does before its request leaves
    assert committed() == ["Intent", "Sent", "Intent"] and rows() == 2
    await asyncio.sleep(0)
    assert len(j) == 3 and [e.seq for e in j.entries()] == [1, 2, 3]
    j.close()
    reader.close()


async def test_a_frame_is_journaled_as_received_and_replayed(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    frame = (
        b'{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":5,"u":5,'
        b'"B":[{"a":"BTC","f":"1.00000000","l":"0.00000000"}]}}'
    )
    j = Journal(path, clock=lambda: 42)
    j.record(intent("c1"), 1, "c1")
    j.record_frame(frame)
    await asyncio.sleep(0)
    j.close()
    again = Journal(path)
    entries = list(again.entries())
    assert [(e.kind, e.at_ms, e.data) for e in entries][1] == ("UserData", 42, frame)
    engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds())
    list(replay_journal(engine, again))
    assert engine.balances.get("BTC") is not None  # the frame decoded and applied
    again.close()


def test_without_a_running_loop_each_row_is_committed_at_once(tmp_path: Path) -> None:
    path = str(tmp_path / "j.sqlite3")
    j = Journal(path)
    j.record(intent("c1"), 1, "c1")
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 1
    reader.close()
    j.close()


def test_bad_frames_kept_for_inspection() -> None:
    with Journal() as j:
        j.record_bad_frame(b"\xff{not json", "invalid utf-8", 9)
        assert j.bad_frames() == [(9, "invalid utf-8", b"\xff{not json")]


def test_wal_mode_on_disk(tmp_path: Path) -> None:
    with Journal(str(tmp_path / "w.sqlite3")) as j:
        mode = j._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_checkpoints_run_off_the_loop_and_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    j = Journal(str(path))
    assert j._checkpoints is not None
    j._checkpoints._every = 64 << 10  # a checkpoint every 64 KiB committed, for the test
    frame = (
        b'{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":5,"u":5,'
        b'"B":[{"a":"BTC","f":"1.00000000","l":"0.00000000"}]}}'
    )
    before = path.stat().st_size
    for _ in range(2000):  # ~250 KiB, each committed at once (no loop)
        j.record_frame(frame)
    j._checkpoints.close()  # waits for the thread's checkpoints
    assert j._checkpoints.checkpoints >= 1 and j._checkpoints.failures == 0
    assert path.stat().st_size > before + (64 << 10)  # the WAL was copied into the file
    j.close()
    with Journal(str(path)) as again:
        assert len(again) == 2000
