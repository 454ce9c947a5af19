"""SimTransport's order-list calls: the same answers and errors as the Binance transport, and
an unknown list placement (injected fault after execution) resolved by a query by its client
list id, never resent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.errors import CancelReplaceFailed, LocalError, OutcomeUnknown
from oms.runtime.ports import OrderListTransport
from oms.testing.sim import BTC, make_exchange
from oms.wire.amends import CancelReplace, CancelReplaceAnswer
from oms.wire.enums import CancelReplaceMode, ListOrderStatus, OrderType, Side, TimeInForce
from oms.wire.orderlists import CancelOrderList, ListLeg, NewOco
from oms.wire.requests import NewOrder
from oms.wire.rest import ErrorBody
from transports.binance.client import BinanceClient
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

D = Decimal


def oco(cid: str | None) -> NewOco:
    return NewOco(
        symbol=BTC, side=Side.SELL, quantity=D("0.01"), list_client_order_id=cid,
        above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("62000")),
        below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("57000")),
    )  # fmt: skip


def test_both_transports_offer_the_list_calls() -> None:
    ex, _ = make_exchange("a")
    assert isinstance(SimTransport(ex, "a"), OrderListTransport)
    assert issubclass(BinanceClient, OrderListTransport)


async def test_unknown_list_placement_is_found_not_resent() -> None:
    ex, _ = make_exchange("a")
    transport = SimTransport(ex, "a", faults=FaultConfig(error_after_execution=1.0))
    with pytest.raises(LocalError):
        await transport.place_order_list(oco(None))
    with pytest.raises(OutcomeUnknown):
        await transport.place_order_list(oco("L1"))
    found = await transport.find_order_list("L1")
    assert found is not None and found.list_order_status is ListOrderStatus.EXECUTING
    assert await transport.find_order_list("L2") is None
    assert len(ex.all_order_lists("a")) == 1
    done = await transport.cancel_order_list(CancelOrderList(symbol=BTC, list_client_order_id="L1"))
    assert done.list_order_status is ListOrderStatus.ALL_DONE


async def test_cancel_replace_failure_carries_both_results() -> None:
    ex, _ = make_exchange("a")
    transport = SimTransport(ex, "a")
    new = NewOrder(symbol=BTC, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.01"),
                   price=D("50000"), time_in_force=TimeInForce.GTC)  # fmt: skip
    with pytest.raises(CancelReplaceFailed) as err:
        await transport.cancel_replace(
            CancelReplace(new_order=new, mode=CancelReplaceMode.ALLOW_FAILURE, cancel_order_id=9)
        )
    assert err.value.code == -2021
    answer = err.value.answer
    assert isinstance(answer, CancelReplaceAnswer)
    assert answer.cancel() == ErrorBody(code=-2011, msg="Unknown order sent.")
    placed = answer.new_order()
    assert placed is not None and not isinstance(placed, ErrorBody)
    assert ex.open_orders("a")[0].order_id == placed.order_id
