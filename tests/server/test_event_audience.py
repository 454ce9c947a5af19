"""The user-data hub builds an account's events only while a connection is subscribed to it.

An order placed before its account's subscription is reported correctly once the account is
heard (its first report built late from the order), and an order nobody hears still leaves
the unfilled order count on its first fill (rest-api.md, Unfilled Order Count).
"""

from __future__ import annotations

from decimal import Decimal

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, ServeFactory
from transports.sim.server.app import HUB_KEY, ServerOptions


def _order(side: Side, qty: str, cid: str, price: str = "60000") -> NewOrder:
    return NewOrder(
        symbol="BTCUSDT",
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=Decimal(qty),
        price=Decimal(price),
        client_order_id=cid,
    )


async def test_an_order_placed_unheard_is_reported_right_once_heard(serve: ServeFactory) -> None:
    h = await serve(ServerOptions())
    hub = h.server.app[HUB_KEY]
    h.exchange.place_order("alice", _order(Side.SELL, "0.3", "early"))  # nobody listens
    assert not hub.listens("alice")
    ws = await h.ws()
    params = ws.signed_params(ALICE_KEY, ALICE_SECRET)
    assert (await ws.call("userDataStream.subscribe.signature", params))["status"] == 200
    assert hub.listens("alice") and not hub.listens("bob")
    h.exchange.place_order("bob", _order(Side.BUY, "0.1", "taker"))
    trade = (await ws.next_event())["event"]
    position = (await ws.next_event())["event"]
    assert (trade["e"], trade["x"], trade["X"]) == ("executionReport", "TRADE", "PARTIALLY_FILLED")
    assert (trade["c"], trade["S"], trade["i"]) == ("early", "SELL", 1)
    assert (trade["q"], trade["p"], trade["l"], trade["z"]) == (
        "0.30000000",
        "60000.00000000",
        "0.10000000",
        "0.10000000",
    )
    assert trade["O"] <= trade["T"]
    # Execution ids count every report, heard or not: alice's NEW (1), bob's NEW (2) and the
    # taker's TRADE (3) came first.
    assert trade["I"] == 4
    assert position["e"] == "outboundAccountPosition"
    assert {b["a"] for b in position["B"]} == {"BTC", "USDT"}
    assert await ws.events_for(0.2) == []  # nothing of bob's


async def test_the_first_fill_of_an_unheard_order_leaves_the_unfilled_count(
    serve: ServeFactory,
) -> None:
    h = await serve(ServerOptions())
    client = h.rest()
    placed = await client.signed(
        "POST",
        "/v3/order",
        {
            "symbol": "BTCUSDT",
            "side": "SELL",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": "0.3",
            "price": "60000",
        },
    )
    assert placed.headers["X-MBX-ORDER-COUNT-10S"] == "1"
    h.exchange.place_order("bob", _order(Side.BUY, "0.1", "taker"))  # alice's order, as maker
    counts = (await client.signed("GET", "/v3/rateLimit/order")).json()
    assert [c["count"] for c in counts] == [0, 0]  # both windows (limits.py, first_fill)
