"""Minimal failing examples of the bugs the reliability suites found, kept as regressions.

Each test names the bug, how it was found, and runs the smallest scenario that showed it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from decimal import Decimal

import pytest

from oms.balances import BalanceLedger
from oms.enums import Side
from oms.events import BalanceDelta, OutboundAccountPosition
from oms.outputs import ReportIgnored
from oms.state import OrderState

from .harness import CRASH_STAGES, ME, Rig, crash_mid_place, discrepancies

D = Decimal


@pytest.fixture
def rig() -> Iterator[Rig]:
    with tempfile.TemporaryDirectory(prefix="oms-reg-") as tmp:
        rig = Rig(os.path.join(tmp, "journal.sqlite"))
        rig.start()
        try:
            yield rig
        finally:
            rig.close()


def _position(u: int, free: str, locked: str = "0") -> OutboundAccountPosition:
    row = BalanceDelta(asset="USDT", free=D(free), locked=D(locked))
    return OutboundAccountPosition(event_time=u, last_update_time=u, balances=(row,))


def test_same_millisecond_position_is_taken_unless_it_repeats() -> None:
    """Bug 1 (fuzzer): a second ``outboundAccountPosition`` in the same millisecond as the
    balance's version was ignored, and so was every later snapshot of that millisecond:
    the balance stayed wrong for good, even after a reconciliation."""
    ledger = BalanceLedger()
    ledger.apply_position(_position(1000, "10"))
    ledger.apply_position(_position(1000, "11"))  # a deposit in the same ms
    assert ledger.free("USDT") == D(11)
    out = ledger.apply_position(_position(1000, "11"))  # the same report again
    assert isinstance(out[0], ReportIgnored)
    ledger.apply_position(_position(999, "3"))  # older: never wins
    assert ledger.free("USDT") == D(11)


def test_deposit_in_the_same_millisecond_as_a_fill_reaches_the_balance(rig: Rig) -> None:
    """Bug 1, the fuzzer's minimal example: a market buy, then a deposit in the same ms."""
    rig.run(rig.m.execute_spot_buy("BTCUSDT", rig.quantity("BTCUSDT", D(6), market=True)))
    rig.settle()
    rig.exchange.deposit(ME, "USDT", D(1))
    rig.settle()
    rig.run(rig.m.reconcile("test"))
    assert discrepancies(rig) == []


def test_an_empty_file_journal_is_used_not_replaced(rig: Rig) -> None:
    """Bug 2 (fuzzer: place, restart -> the order was unknown): ``OrderManager`` took
    ``journal or Journal(":memory:")``; an empty file journal has ``len() == 0``, so on a
    first start every entry went to memory and a restart lost every order."""
    assert rig.m.journal.path == rig.journal_path
    order = rig.run(rig.m.execute_spot_buy("BTCUSDT", rig.quantity("BTCUSDT", D(6))))
    rig.restart()
    replayed = rig.m.order(order.client_order_id)
    assert replayed is not None and replayed.state is order.state
    assert replayed.fills.keys() == order.fills.keys()


@pytest.mark.parametrize("stage", CRASH_STAGES)
def test_crash_mid_place_resolves_after_restart(rig: Rig, stage: str) -> None:
    """Bug 3 (fuzzer: crash after the "sent" mark, before the request left): the restart
    replayed the order as PENDING_ACK, its resolution reached "does not exist" after the
    deadline and called ``mark_not_found``, which only UNKNOWN allows: the background task
    died with InvalidTransition and the order stayed PENDING_ACK for good."""
    price = rig.price("BTCUSDT", -40, Side.BUY)  # rests: nothing to cross
    cid = crash_mid_place(rig, "BTCUSDT", Side.BUY, D("0.001"), price, stage)
    rig.resolve_all()
    order = rig.m.order(cid)
    assert order is not None
    executed = stage.startswith("executed")
    assert order.state is (OrderState.NEW if executed else OrderState.REJECTED)
    rig.run(rig.m.reconcile("test"))
    assert discrepancies(rig) == []
