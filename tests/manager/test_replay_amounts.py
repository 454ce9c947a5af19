"""Issue 12, item 4: a journal written by an older version, holding a report with an amount
today's decoder refuses (an absurd exponent), still starts: the entry is skipped, never
applied, and nothing raises (before, its fill raised decimal.Overflow in the positions
after being journaled, and every start failed the same way)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest

from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.testing.sim import TRADER, fast_config, new_exchange, quote_book
from oms.wire.events import ExecutionReport
from tests.core.payloads import execution_report_json
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)


def test_a_journal_holding_an_absurd_amount_still_starts(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    # What an older version journaled: decoded without today's amount checks. A fill of
    # 1E-999999 BTC with a 10 USDT fee: the position's average cost divides by it.
    fields = execution_report_json(
        c="old-1", i=9, q="1", x="TRADE", X="PARTIALLY_FILLED", t=5, l="1E-999999",
        L="100", z="1E-999999", n="10", N="USDT", Y="0", Z="0",
    )  # fmt: skip
    report = msgspec.json.decode(msgspec.json.encode(fields), type=ExecutionReport)
    old = Journal(str(path))
    old.record(report, 1_700_000_000_000, "old-1")
    old.close()

    ex = new_exchange()
    quote_book(ex)
    journal = Journal(str(path))
    manager = OrderManager(SimTransport(ex, TRADER), journal=journal, config=fast_config())

    async def run() -> None:
        await manager.start()
        try:
            assert manager.order("old-1") is None  # the entry was skipped, not applied
            assert not manager.positions_by_symbol()
        finally:
            await manager.close()

    asyncio.run(run())
    journal.close()
