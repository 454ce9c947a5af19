"""Minimal failing examples of the bugs the reliability suites found, kept as regressions.

Each test names the bug, how it was found, and runs the smallest scenario that showed it.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from oms.core.balances import BalanceLedger
from oms.core.commands import CancelRequested
from oms.core.order import Order
from oms.core.outputs import ReportIgnored
from oms.core.state import OrderState
from oms.errors import ClockSkewError, DecodeError
from oms.wire.decoding import decode_body
from oms.wire.enums import Side
from oms.wire.events import BalanceDelta, OutboundAccountPosition
from oms.wire.rest import MyTrade

from .harness import CRASH_STAGES, ME, Rig, crash_mid_place, discrepancies, started

D = Decimal


@pytest.fixture
def rig() -> Iterator[Rig]:
    with started(Rig) as rig:
        yield rig


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
    died with InvalidTransition and the order stayed PENDING_ACK for good. (``NotFound``
    through ``Engine.apply`` no longer raises; the restart ends the dead send with
    ``SendUnknown`` first.)"""
    price = rig.price("BTCUSDT", -40, Side.BUY)  # rests: nothing to cross
    cid = crash_mid_place(rig, "BTCUSDT", Side.BUY, D("0.001"), price, stage)
    rig.resolve_all()
    order = rig.m.order(cid)
    assert order is not None
    executed = stage.startswith("executed")
    assert order.state is (OrderState.NEW if executed else OrderState.REJECTED)
    rig.run(rig.m.reconcile("test"))
    assert discrepancies(rig) == []


def _resting_buy(rig: Rig) -> Order:
    price = rig.price("BTCUSDT", -40, Side.BUY)
    return rig.run(rig.m.execute_spot_buy("BTCUSDT", D("0.001"), price))


def test_refused_cancel_all_leaves_the_orders_open(rig: Rig) -> None:
    """Bug 4 (fuzzer: restart with a skewed clock, cancel_all): -1021 refused the
    cancel-all, the error propagated and the orders stayed CANCEL_REQUESTED for good,
    though the exchange had them NEW (no report moves CANCEL_REQUESTED back)."""
    order = _resting_buy(rig)
    rig.restart(skew_ms=-7000)
    with pytest.raises(ClockSkewError):
        rig.run(rig.m.cancel_all("BTCUSDT"))
    replayed = rig.m.order(order.client_order_id)
    assert replayed is not None and replayed.state is OrderState.NEW
    rig.restart()
    rig.run(rig.m.reconcile("test"))
    assert discrepancies(rig) == []


def test_crash_after_journaling_a_cancel_before_sending_it(rig: Rig) -> None:
    """Bug 4, the crash form: ``CancelRequested`` was journaled, the cancel never
    left; the replay gave CANCEL_REQUESTED and no reconciliation could undo it."""
    order = _resting_buy(rig)
    requested = CancelRequested(client_order_id=order.client_order_id, at_ms=rig.clock())
    rig.m.engine.apply(requested)
    rig.m.journal.record(requested, requested.at_ms, requested.client_order_id)
    rig.restart()
    replayed = rig.m.order(order.client_order_id)
    assert replayed is not None and replayed.state is OrderState.NEW
    assert discrepancies(rig) == []
    canceled = rig.run(rig.m.cancel(replayed))
    assert canceled.state is OrderState.CANCELED


TRADE = (
    b'[{"symbol":"BTCUSDT","id":1,"orderId":1,"orderListId":-1,"price":"60000","qty":%s,'
    b'"quoteQty":"6","commission":"0","commissionAsset":"BTC","time":1,"isBuyer":true,'
    b'"isMaker":false,"isBestMatch":true}]'
)


@pytest.mark.parametrize("qty", [b'"NaN"', b'"-Infinity"', b'"-0.5"', b'"1E+30"', b'"sNaN"'])
def test_rest_amounts_out_of_range_are_refused_by_name(qty: bytes) -> None:
    """Bug 5 (hostile REST bodies): ``decode_body`` took any Decimal, so a myTrades row of
    qty -Infinity or NaN reached the engine (filled = -Infinity); the stream decoder already
    refused these. Now every REST amount must lie in [0, 10**20)."""
    with pytest.raises(DecodeError) as caught:
        decode_body(TRADE % qty, list[MyTrade])
    assert caught.value.field == "$[0].qty"
    assert decode_body(TRADE % b'"0.0001"', list[MyTrade])[0].qty == D("0.0001")
