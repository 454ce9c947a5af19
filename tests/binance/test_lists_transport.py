"""The Binance transport's order-list, cancel-replace and amend calls against the local server:
typed answers, typed errors, and an unknown list placement resolved by a query by its client
list id (never resent)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.errors import CancelReplaceFailed, LocalError, OutcomeUnknown
from oms.wire.amends import AmendKeepPriority, CancelReplace, CancelReplaceAnswer, QueryAmendments
from oms.wire.enums import (
    CancelReplaceMode,
    CancelReplaceResult,
    ListOrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.orderlists import CancelOrderList, ListLeg, NewOco, QueryOrderList
from oms.wire.requests import NewOrder
from oms.wire.rest import ErrorBody
from transports.sim.faults import FaultConfig
from transports.sim.server.app import ServerOptions

from .test_local_server import Local, ServerFactory, serve

D = Decimal


def oco(cid: str | None) -> NewOco:
    return NewOco(
        symbol="BTCUSDT",
        side=Side.SELL,
        quantity=D("0.01"),
        list_client_order_id=cid,
        above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=D("62000.00")),
        below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=D("57000.00")),
    )


async def test_oco_round_trip_and_amend(aiohttp_server: ServerFactory) -> None:
    local: Local = await serve(aiohttp_server)
    async with local.client() as client:
        with pytest.raises(LocalError):
            await client.place_order_list(oco(None))
        placed = await client.place_order_list(oco("list-1"))
        assert placed.list_order_status is ListOrderStatus.EXECUTING
        found = await client.find_order_list("list-1")
        assert found is not None and found.order_list_id == placed.order_list_id
        assert [x.list_client_order_id for x in await client.get_open_order_lists()] == ["list-1"]
        leg = placed.orders[0]
        amended = await client.amend_keep_priority(
            AmendKeepPriority(symbol="BTCUSDT", order_id=leg.order_id, new_qty=D("0.005"))
        )
        assert amended.amended_order.qty == D("0.005") and amended.list_status is not None
        rows = await client.get_order_amendments(
            QueryAmendments(symbol="BTCUSDT", order_id=leg.order_id)
        )
        assert [r.new_qty for r in rows] == [D("0.005")]
        done = await client.cancel_order_list(
            CancelOrderList(symbol="BTCUSDT", list_client_order_id="list-1")
        )
        assert done.list_order_status is ListOrderStatus.ALL_DONE
        assert await client.find_order_list("nope") is None
        assert len(await client.get_all_order_lists()) == 1


async def test_cancel_replace_answers_and_failure_data(aiohttp_server: ServerFactory) -> None:
    local: Local = await serve(aiohttp_server)
    new = NewOrder(
        symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.01"),
        price=D("50000.00"), time_in_force=TimeInForce.GTC, client_order_id="c-2",
    )  # fmt: skip
    async with local.client() as client:
        first = await client.place_spot_order(
            NewOrder(symbol="BTCUSDT", side=Side.BUY, order_type=OrderType.LIMIT,
                     quantity=D("0.01"), price=D("49000.00"), time_in_force=TimeInForce.GTC,
                     client_order_id="c-1")
        )  # fmt: skip
        answer = await client.cancel_replace(
            CancelReplace(new_order=new, mode=CancelReplaceMode.STOP_ON_FAILURE,
                          cancel_order_id=first.order_id)
        )  # fmt: skip
        assert isinstance(answer, CancelReplaceAnswer)
        assert answer.new_order_result is CancelReplaceResult.SUCCESS
        with pytest.raises(CancelReplaceFailed) as err:
            await client.cancel_replace(
                CancelReplace(new_order=new, mode=CancelReplaceMode.ALLOW_FAILURE,
                              cancel_orig_client_order_id="gone")
            )  # fmt: skip
        # The cancel failed, the new order (duplicate client id c-2, still open) too: -2022.
        assert err.value.code == -2022
        data = err.value.answer
        assert isinstance(data, CancelReplaceAnswer)
        assert data.cancel() == ErrorBody(code=-2011, msg="Unknown order sent.")
        assert data.new_order() == ErrorBody(code=-2010, msg="Duplicate order sent.")


async def test_unknown_list_placement_is_resolved_by_query_not_resent(
    aiohttp_server: ServerFactory,
) -> None:
    local = await serve(
        aiohttp_server, ServerOptions(faults=FaultConfig(error_after_execution=1.0))
    )
    async with local.client() as client:
        with pytest.raises(OutcomeUnknown):
            await client.place_order_list(oco("list-u"))
        found = await client.get_order_list(QueryOrderList(list_client_order_id="list-u"))
        assert found.list_order_status is ListOrderStatus.EXECUTING
    # Exactly one list exists: the placement was resolved, never resent.
    assert len(local.sim.all_order_lists("alice")) == 1
