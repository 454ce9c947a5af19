"""Order-list scenarios the fuzzer found over the local server, kept as small examples.

Each runs on ``served.ServerRig`` (the real Binance transport on 127.0.0.1, the server's own
fault hooks) and names what it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest

from oms.core.state import OrderState
from oms.errors import RateLimited
from oms.wire.enums import Side
from transports.sim.faults import FaultConfig

from .harness import ME, NO_FAULTS, discrepancies, started
from .served import ServerRig

D = Decimal
BTC = "BTCUSDT"


@pytest.fixture
def rig() -> Iterator[ServerRig]:
    with started(ServerRig) as rig:
        yield rig


def test_a_list_placement_lost_on_the_way_is_settled_by_its_client_list_id(
    rig: ServerRig,
) -> None:
    """The OCO request never reaches the engine and no answer comes (the server's
    ``lose_request``): unknown, never resent; the query by client list id after the
    recvWindow says it does not exist, and the list and its legs end REJECTED."""
    qty = rig.quantity(BTC, D(100))
    rig.inject(FaultConfig(lose_request=1.0))
    task = rig.loop.create_task(
        rig.m.bracket(BTC, Side.BUY, qty, entry_price=rig.price(BTC, -8, Side.BUY),
                      take_profit=rig.price(BTC, 4, Side.BUY),
                      stop_loss=rig.price(BTC, -16, Side.BUY))
    )  # fmt: skip
    rig.settle(20)
    rig.inject(NO_FAULTS)
    rig.resolve_all()
    rig.run(rig.m.reconcile("after"))
    rig.resolve_all()
    assert task.done()
    lists = rig.m.order_lists()
    assert [lst.state.name for lst in lists] == ["REJECTED"]
    assert rig.exchange.all_order_lists(ME) == []
    assert {o.state for o in rig.m.engine.legs(lists[0])} == {OrderState.REJECTED}
    assert discrepancies(rig) == []


def test_a_list_cancel_that_never_left_leaves_the_legs_as_they_were(rig: ServerRig) -> None:
    """Found by ``ServedListMachine`` (a 429 fault, then a list cancel): after a 429 the
    client holds every request until Retry-After, so the list cancel fails before sending."""
    qty = rig.quantity(BTC, D(100))
    bracket = rig.m.bracket(BTC, Side.BUY, qty, entry_price=rig.price(BTC, -8, Side.BUY),
                            take_profit=rig.price(BTC, 4, Side.BUY),
                            stop_loss=rig.price(BTC, -16, Side.BUY))  # fmt: skip
    order_list = rig.run(bracket)
    rig.settle()
    rig.inject(FaultConfig(orders_per_10s=1))
    for offset in (-20, -24):
        try:
            rig.run(
                rig.m.execute_spot_buy(BTC, quantity=qty, price=rig.price(BTC, offset, Side.BUY))
            )
        except RateLimited:
            break
    with pytest.raises(RateLimited):
        rig.run(rig.m.cancel_list(order_list))
    rig.inject(NO_FAULTS)
    rig.clock.advance(10_000)  # past Retry-After
    report = rig.run(rig.m.reconcile("after"))
    assert not report.errors
    rig.resolve_all()
    assert discrepancies(rig) == []
