"""``OrderManager.place(spec)``: one ``OrderSpec`` through the whole path (checks, journal,
request, the order), and the in-flight facts the core holds while requests are out."""

from __future__ import annotations

import msgspec
import pytest

from oms.core.commands import Intent
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import OrderValidationError
from oms.testing.sim import SYMBOL, TRADER, quote_book
from oms.wire.enums import OrderType, Side, TimeInForce
from tests.manager.support import D, Venue, exchange_orders

pytestmark = pytest.mark.timeout(30)


async def test_place_takes_a_spec_and_journals_it_as_the_intent(venue: Venue) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    spec = OrderSpec(
        symbol=SYMBOL,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D("0.01"),
        price=D("59000.00"),
        time_in_force=TimeInForce.GTC,
    )
    order = await manager.place(spec, "spec-1")
    assert order.spec is spec and order.state is OrderState.NEW
    assert (order.price, order.time_in_force) == (D("59000.00"), TimeInForce.GTC)
    assert not order.send_in_flight and not order.cancel_in_flight
    [placed] = [o for o in exchange_orders(venue.ex, TRADER) if o.client_order_id == "spec-1"]
    assert placed.price == D("59000.00")
    [row] = [e for e in manager.journal.entries() if e.kind == "Intent"]
    intent = msgspec.json.decode(row.data, type=Intent)
    assert intent.spec == spec and intent.client_order_id == "spec-1"
    canceled = await manager.cancel(order)
    assert canceled.state is OrderState.CANCELED and not canceled.cancel_in_flight


async def test_execute_spot_buy_builds_the_spec_with_its_defaults(venue: Venue) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    order = await manager.execute_spot_buy(SYMBOL, D("0.01"), D("59000.00"))
    assert order.spec == OrderSpec(
        symbol=SYMBOL,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D("0.01"),
        price=D("59000.00"),
        time_in_force=TimeInForce.GTC,
    )


async def test_a_spec_the_checks_refuse_is_neither_journaled_nor_sent(venue: Venue) -> None:
    quote_book(venue.ex)
    manager = await venue.manager()
    before = len(exchange_orders(venue.ex, TRADER))
    spec = OrderSpec(
        symbol=SYMBOL,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        quantity=D("0.01"),
        price=D("59000.001"),  # off the tick
        time_in_force=TimeInForce.GTC,
    )
    with pytest.raises(OrderValidationError):
        await manager.place(spec)
    assert manager.orders() == [] and len(exchange_orders(venue.ex, TRADER)) == before
    assert [e for e in manager.journal.entries() if e.kind == "Intent"] == []
