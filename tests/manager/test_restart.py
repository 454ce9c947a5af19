"""Issue 6 point 6: a manager with an on-disk journal is abandoned mid-flight (a crash: its
event loop simply never runs again, nothing is closed); a new manager on the same journal and
the same exchange restores every order, fill and position, resolves the orders left in doubt,
and ends equal to the exchange, with no order placed twice and no fill counted twice.

Each "process" is its own event loop; the exchange (pure and synchronous) outlives them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from oms.core.commands import Intent
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.runtime.recovery import journaled_fills
from oms.testing.sim import (
    SYMBOL,
    TRADER,
    fast_config,
    lift,
    new_exchange,
    quote_book,
    settle,
    wait_until,
)
from oms.wire.enums import OrderType, Side, TimeInForce
from tests.manager.support import (
    D,
    assert_matches_exchange,
    exchange_orders,
    orders_per_client_id,
    state,
)
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

pytestmark = pytest.mark.timeout(30)
T = TypeVar("T")


class Process:
    """One run of a program embedding the manager, on its own event loop. ``crash()`` is
    just stopping: whatever it had in flight never runs again."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.journals: list[Journal] = []

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def manager(self, ex: SimExchange, path: Path, **kwargs: Any) -> OrderManager:
        # Several "processes" share this interpreter, and a crashed one never closes its
        # journal: the OS lock a real crash drops would stay held here, so it is not taken.
        journal = Journal(str(path), lock=False)
        self.journals.append(journal)
        faults = kwargs.pop("faults", None)
        timeout = kwargs.pop("request_timeout_s", 0.05)
        transport = SimTransport(ex, TRADER, faults=faults, request_timeout_s=timeout)
        return OrderManager(transport, journal=journal, config=fast_config(), **kwargs)

    def reap(self) -> None:
        """After the test: release what the dead process held (the OS would)."""
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        if tasks:
            self.loop.run_until_complete(asyncio.wait(tasks))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()
        for journal in self.journals:
            journal.close()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.reap()


def _spawn(processes: list[Process]) -> Process:
    process = Process()
    processes.append(process)
    return process


def test_a_restart_restores_orders_fills_and_positions(
    tmp_path: Path, processes: list[Process]
) -> None:
    ex = new_exchange()
    quote_book(ex)
    path = tmp_path / "journal.sqlite3"
    first = _spawn(processes)
    m1 = first.manager(ex, path)

    async def trade() -> dict[str, tuple[OrderState, Any]]:
        await m1.start()
        await m1.execute_spot_buy(SYMBOL, D("0.05"))
        sell = await m1.execute_spot_sell(SYMBOL, D("0.04"), D("60500.00"))
        await m1.execute_spot_buy(SYMBOL, D("0.01"), D("59000.00"))
        lift(ex, Side.BUY, "0.01", "60500.00")
        await m1.wait_for(lambda: sell.filled == D("0.01"))
        await settle(m1, ex)
        return {o.client_order_id: (o.state, dict(o.fills)) for o in m1.orders()}

    before = first.run(trade())
    # Crash. While the process is down, the resting sell fills completely.
    lift(ex, Side.BUY, "0.03", "60500.00")

    second = _spawn(processes)
    m2 = second.manager(ex, path)

    async def restart() -> None:
        report = await m2.start()
        assert not report.errors
        await settle(m2, ex)

    second.run(restart())
    restored = {o.client_order_id: o for o in m2.orders()}
    assert set(restored) == set(before)
    for cid, (was, fills) in before.items():
        order = restored[cid]
        assert set(fills) <= set(order.fills), cid  # every fill seen before is still there
        if was is OrderState.FILLED:
            assert dict(order.fills) == fills  # from the journal alone: nothing to reconcile
    [sell] = [o for o in restored.values() if o.side is Side.SELL]
    assert (state(sell), sell.filled) == (OrderState.FILLED, D("0.04"))
    assert_matches_exchange(m2, ex)

    trades = ex.my_trades(TRADER, SYMBOL)
    pos = m2.positions_by_symbol()[SYMBOL]
    assert pos.trades == len(trades)  # no fill counted twice
    assert pos.net_quantity == ex.balance(TRADER, "BTC")[0] + ex.balance(TRADER, "BTC")[1] - 1
    # Only fees in a third asset are listed apart (BTC and USDT ones are in the basis).
    assert pos.fees == {
        asset: sum((t.commission for t in trades if t.commission_asset == asset), D(0))
        for asset in {t.commission_asset for t in trades} - {"BTC", "USDT"}
    }
    assert len(journaled_fills(m2.journal)) == len(trades)
    assert m2.metrics_snapshot().fills_total == len(trades)
    assert orders_per_client_id(ex) == dict.fromkeys(before, 1)


def test_in_doubt_orders_are_resolved_after_a_restart(
    tmp_path: Path, processes: list[Process]
) -> None:
    clock = ManualClock()
    ex = new_exchange(clock)
    quote_book(ex)
    path = tmp_path / "journal.sqlite3"
    first = _spawn(processes)
    # The answer to the order never comes (and the stream loses its events): the process
    # dies while it waits, after the exchange executed the order.
    lossy = FaultConfig(timeout_after_execution=1.0, drop_event=1.0)
    m1 = first.manager(ex, path, faults=lossy, request_timeout_s=60.0, clock=clock)
    answered: dict[str, OrderState] = {}

    async def trade() -> None:
        await m1.start()
        placing = asyncio.ensure_future(m1.execute_spot_buy(SYMBOL, D("0.01"), D("59000.00")))
        await wait_until(lambda: len(exchange_orders(ex, TRADER)) == 1)
        # And another order whose intent was journaled just before the crash, unsent.
        spec = OrderSpec(
            symbol=SYMBOL,
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=D("0.01"),
            price=D("58000.00"),
            time_in_force=TimeInForce.GTC,
        )
        intent = Intent(client_order_id="never-sent-1", at_ms=clock(), spec=spec)
        m1.journal.record(intent, intent.at_ms, intent.client_order_id)
        answered.update({o.client_order_id: o.state for o in m1.orders()})
        assert not placing.done()  # still waiting for its answer when the process dies

    first.run(trade())
    [sent] = answered
    assert answered[sent] is OrderState.PENDING_ACK

    clock.advance(500)
    second = _spawn(processes)
    m2 = second.manager(ex, path, clock=clock)

    async def restart() -> None:
        await m2.start()
        found = m2.order(sent)
        lost = m2.order("never-sent-1")
        assert found is not None and lost is not None
        await m2.wait_for(lambda: found.state is OrderState.NEW)
        # The unsent one: the exchange does not know it, but its deadline has not passed.
        await asyncio.sleep(0.2)
        assert lost.state is OrderState.UNKNOWN
        # Its request's timestamp is unknown (stamped after creation, perhaps after a
        # governor wait): the deadline is creation + recvWindow (5 s) + 1 s + 15 s unstamped.
        clock.advance(15_000)
        await asyncio.sleep(0.2)
        assert lost.state is OrderState.UNKNOWN
        clock.advance(7000)  # past creation + 5 s + 1 s + 15 s
        await m2.wait_for(lambda: lost.state is OrderState.REJECTED)
        assert lost.reject_code == -2013

    second.run(restart())
    assert orders_per_client_id(ex) == {sent: 1}  # found, not resent; the lost one never sent
    snap = m2.metrics_snapshot()
    assert (snap.unknown_resolved_found_total, snap.unknown_resolved_not_placed_total) == (1, 1)

    # A third run replays all of it and resolves nothing again.
    third = _spawn(processes)
    m3 = third.manager(ex, path, clock=clock)
    third.run(m3.start())
    assert {o.client_order_id: o.state for o in m3.orders()} == {
        sent: OrderState.NEW,
        "never-sent-1": OrderState.REJECTED,
    }
    assert orders_per_client_id(ex) == {sent: 1}
    assert m3.metrics_snapshot().unknown_outcomes_open == 0


def test_reports_lost_with_their_uncommitted_loop_turn_are_restored(
    tmp_path: Path, processes: list[Process]
) -> None:
    ex = new_exchange()
    quote_book(ex)
    path = tmp_path / "journal.sqlite3"
    first = _spawn(processes)
    m1 = first.manager(ex, path)
    lost: list[str] = []

    async def trade() -> None:
        await m1.start()
        await m1.execute_spot_buy(SYMBOL, D("0.05"))
        # Dies in the turn that applied the answer, before the turn's group commit: its
        # rows (the answer with both fills) never reach the file (specs/durability.md).
        lost.extend(kind for _, kind, _, _ in m1.journal._pending)
        m1.journal._db.close()

    first.run(trade())
    trades = ex.my_trades(TRADER, SYMBOL)
    assert len(trades) == 2 and "NewOrderFull" in lost
    with Journal(str(path)) as read:
        kinds = [e.kind for e in read.entries()]
    assert "Intent" in kinds and "Sent" in kinds  # durable before the request left
    assert "NewOrderFull" not in kinds

    second = _spawn(processes)
    m2 = second.manager(ex, path)

    async def restart() -> None:
        await m2.start()
        await settle(m2, ex)

    second.run(restart())
    [order] = m2.orders()
    assert (state(order), order.filled) == (OrderState.FILLED, D("0.05"))
    assert sorted(order.fills) == sorted(t.id for t in trades)
    assert m2.positions_by_symbol()[SYMBOL].trades == len(trades)
    assert sorted(journaled_fills(m2.journal)) == sorted((SYMBOL, t.id) for t in trades)
    assert orders_per_client_id(ex) == {order.client_order_id: 1}
    assert_matches_exchange(m2, ex)
