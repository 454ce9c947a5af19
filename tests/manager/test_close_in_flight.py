"""``OrderManager.close()`` while a call is still in flight in another task, and calls made
after it.

The exchange executes each request at once; ``HeldAnswers`` holds its answer back (a slow
network on the way back) until the test has closed the manager. The call must then end with
``ManagerClosed``, nothing may reach the engine or the journal (no "Cannot operate on a
closed database"), the order stays as the journal recorded it (sent, outcome unknown: never
failed), and a new manager on the same file journal resolves it by client id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest

from oms import ManagerClosed
from oms.core.list_state import ListState
from oms.core.order import Order
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.runtime.journal import Journal
from oms.runtime.manager import OrderManager
from oms.testing.sim import SYMBOL, TRADER, fast_config, new_exchange, wait_until
from oms.wire.amends import AmendKeepPriority, AmendResponse, CancelReplace, CancelReplaceAnswer
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.orderlists import NewOrderList, OrderListAnswer
from oms.wire.requests import CancelOrder, NewOrder
from oms.wire.rest import CancelResponse, NewOrderAck, NewOrderFull, NewOrderResult
from transports.sim.exchange import SimExchange
from transports.sim.transport import SimTransport

from .support import exchange_orders, orders_per_client_id, state

pytestmark = pytest.mark.timeout(30)
D = Decimal
T = TypeVar("T")

BID = OrderSpec(symbol=SYMBOL, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.01"),
                price=D("59000.00"), time_in_force=TimeInForce.GTC)  # fmt: skip
ABOVE = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT_MAKER,
                  quantity=D("0.01"), price=D("62000.00"))  # fmt: skip
BELOW = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.STOP_LOSS,
                  quantity=D("0.01"), stop_price=D("57000.00"))  # fmt: skip


class HeldAnswers(SimTransport):
    """A ``SimTransport`` whose order, list and cancel requests execute on the exchange at
    once; while ``hold`` is set their answers wait for ``release``. ``sent`` counts every
    request that reached the exchange."""

    def __init__(self, ex: SimExchange) -> None:
        super().__init__(ex, TRADER)
        self.hold = False
        self.executed = asyncio.Event()
        self.release = asyncio.Event()
        self.sent = 0

    async def _held(self, answer: T) -> T:
        self.sent += 1
        if self.hold:
            self.executed.set()
            await self.release.wait()
        return answer

    async def place_spot_order(
        self, order: NewOrder
    ) -> NewOrderAck | NewOrderResult | NewOrderFull:
        return await self._held(await super().place_spot_order(order))

    async def place_order_list(self, request: NewOrderList) -> OrderListAnswer:
        return await self._held(await super().place_order_list(request))

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        return await self._held(await super().cancel_spot_order(cancel))

    async def cancel_replace(self, request: CancelReplace) -> CancelReplaceAnswer:
        return await self._held(await super().cancel_replace(request))

    async def amend_keep_priority(self, amend: AmendKeepPriority) -> AmendResponse:
        return await self._held(await super().amend_keep_priority(amend))


def _manager(ex: SimExchange, path: Path, transport: SimTransport | None = None) -> OrderManager:
    # No stream: the order learns its fate from the held answer or the next start's query.
    return OrderManager(
        transport or SimTransport(ex, TRADER),
        journal=Journal(str(path)),
        config=fast_config(stream=False),
    )


async def _close_while_held(
    manager: OrderManager, transport: HeldAnswers, call: Coroutine[Any, Any, object]
) -> None:
    """Run ``call`` until its request has executed, close the manager, let the answer come;
    the call ends with ManagerClosed."""
    transport.hold = True
    task = asyncio.ensure_future(call)
    await asyncio.wait_for(transport.executed.wait(), 5.0)
    await manager.close()
    transport.release.set()
    with pytest.raises(ManagerClosed):
        await asyncio.wait_for(task, 5.0)
    for _ in range(5):  # the loop turns whose group commit would have hit the closed journal
        await asyncio.sleep(0)


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors
    assert "closed database" not in caplog.text


async def test_close_during_a_placement(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ex, path = new_exchange(), tmp_path / "journal.sqlite"
    transport = HeldAnswers(ex)
    manager = _manager(ex, path, transport)
    await manager.start()
    await _close_while_held(manager, transport, manager.place(BID, "held-1"))
    order = manager.order("held-1")
    assert order is not None
    # The answer came after close and was not applied: still sent, never failed.
    assert state(order) is OrderState.PENDING_ACK and order.order_id is None
    _no_errors_logged(caplog)

    async with _manager(ex, path) as again:  # the next start resolves it by client id
        found = again.order("held-1")
        assert found is not None
        await wait_until(lambda: state(found) is OrderState.NEW)
        (remote,) = exchange_orders(ex, TRADER)
        assert found.order_id == remote.order_id
    assert orders_per_client_id(ex) == {"held-1": 1}  # never resent


async def test_close_during_a_list_placement(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ex, path = new_exchange(), tmp_path / "journal.sqlite"
    transport = HeldAnswers(ex)
    manager = _manager(ex, path, transport)
    await manager.start()
    call = manager.place_oco(ABOVE, BELOW, list_client_order_id="held-oco")
    await _close_while_held(manager, transport, call)
    (held,) = manager.order_lists()
    assert held.state is ListState.PENDING_ACK
    _no_errors_logged(caplog)

    async with _manager(ex, path) as again:
        (found,) = again.order_lists()
        assert found.list_client_order_id == "held-oco"
        legs = again.engine.legs(found)
        await wait_until(lambda: all(state(leg) is OrderState.NEW for leg in legs))
        assert found.state is ListState.EXECUTING
    assert len(ex.all_order_lists(TRADER)) == 1  # never resent


async def test_close_during_a_cancel(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ex, path = new_exchange(), tmp_path / "journal.sqlite"
    transport = HeldAnswers(ex)
    manager = _manager(ex, path, transport)
    await manager.start()
    order = await manager.place(BID, "held-c")
    await _close_while_held(manager, transport, manager.cancel(order))
    assert state(order) is OrderState.CANCEL_REQUESTED  # the answer was not applied
    _no_errors_logged(caplog)

    async with _manager(ex, path) as again:
        found = again.order("held-c")
        assert found is not None
        await wait_until(lambda: state(found) is OrderState.CANCELED)


@pytest.mark.parametrize("call", ["amend", "cancel_replace"])
async def test_close_during_an_amend_or_cancel_replace(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, call: str
) -> None:
    ex, path = new_exchange(), tmp_path / "journal.sqlite"
    transport = HeldAnswers(ex)
    manager = _manager(ex, path, transport)
    await manager.start()
    order = await manager.place(BID, "held-a")
    running: Coroutine[Any, Any, object]
    if call == "amend":
        running = manager.amend(order, D("0.005"))
    else:
        running = manager.cancel_replace(order, BID)
    await _close_while_held(manager, transport, running)
    _no_errors_logged(caplog)

    async with _manager(ex, path) as again:  # what executed is found by query, not resent
        remote = exchange_orders(ex, TRADER)

        def as_on_exchange() -> bool:
            ours = [again.order(o.client_order_id) for o in remote]
            return all(
                mine is not None
                and (state(mine).name, mine.order_id, mine.quantity)
                == (theirs.status.value, theirs.order_id, theirs.orig_qty)
                for mine, theirs in zip(ours, remote, strict=True)
            )

        await wait_until(as_on_exchange)
    assert len(remote) == (1 if call == "amend" else 2)
    assert all(n == 1 for n in orders_per_client_id(ex).values())


async def _open_order_and_list(ex: SimExchange, path: Path) -> tuple[OrderManager, HeldAnswers]:
    transport = HeldAnswers(ex)
    manager = _manager(ex, path, transport)
    await manager.start()
    await manager.place(BID, "open-1")
    await manager.place_oco(ABOVE, BELOW, list_client_order_id="open-oco")
    await manager.close()
    return manager, transport


async def test_calls_after_close_send_nothing(tmp_path: Path) -> None:
    ex = new_exchange()
    manager, transport = await _open_order_and_list(ex, tmp_path / "journal.sqlite")
    order = manager.order("open-1")
    assert isinstance(order, Order)
    (order_list,) = manager.order_lists()
    sent, before = transport.sent, exchange_orders(ex, TRADER)
    calls = [
        manager.place(BID),
        manager.execute_spot_buy(SYMBOL, D("0.01"), D("59000.00")),
        manager.cancel(order),
        manager.cancel_all(SYMBOL),
        manager.place_oco(ABOVE, BELOW, list_client_order_id="late-oco"),
        manager.cancel_list(order_list),
        manager.amend(order, D("0.005")),
        manager.cancel_replace(order, BID),
        manager.reconcile("late"),
    ]
    for call in calls:
        with pytest.raises(ManagerClosed):
            await call
    assert transport.sent == sent  # nothing reached the exchange
    assert exchange_orders(ex, TRADER) == before
    assert state(order) is OrderState.NEW and len(manager.orders()) == 3
    await manager.close()  # closing again is harmless
