"""Exchange filters on the local server over 127.0.0.1 (filters.md, Exchange Filters;
errors.md, -1013 and Filter failures; rest-api.md, the "adds N orders to the
EXCHANGE_MAX_ORDERS filter" lines): listed in exchangeInfo and myFilters when configured,
counted per account across every symbol, order list legs and SOR orders included."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tests.server.conftest import (
    ALICE_KEY,
    ALICE_SECRET,
    BOB_KEY,
    BOB_SECRET,
    START_MS,
    Harness,
    RestClient,
    ServeFactory,
)
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.exchange_filters import ExchangeLimits
from transports.sim.markets import default_markets, markets_from_config
from transports.sim.server.rest import STATE_KEY
from transports.sim.server.serve import _parser, build

FUNDS = {"USDT": Decimal("1000000"), "BTC": Decimal("100"), "ETH": Decimal("1000")}


async def limited(serve: ServeFactory, **limits: int) -> Harness:
    clock = ManualClock(START_MS)
    config = msgspec.structs.replace(default_markets(), exchange_limits=ExchangeLimits(**limits))
    exchange = SimExchange(clock=clock, config=config)
    for name in ("alice", "bob", "carol"):
        exchange.create_account(name, FUNDS)
    return await serve(exchange=exchange, clock=clock)


def bid(symbol: str = "BTCUSDT", price: str = "59000", **extra: Any) -> dict[str, Any]:
    return {
        "symbol": symbol,
        "side": "BUY",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01",
        "price": price,
        **extra,
    }


OTO = {
    "symbol": "BTCUSDT",
    "workingType": "LIMIT",
    "workingSide": "BUY",
    "workingPrice": "59000",
    "workingQuantity": "0.01",
    "workingTimeInForce": "GTC",
    "pendingType": "LIMIT",
    "pendingSide": "SELL",
    "pendingPrice": "61000",
    "pendingQuantity": "0.01",
    "pendingTimeInForce": "GTC",
}


def stop(symbol: str, price: str) -> dict[str, Any]:
    # A STOP_LOSS_LIMIT SELL below the market: waits (an "algo" order, filters.md).
    return {**bid(symbol, price, stopPrice=price), "side": "SELL", "type": "STOP_LOSS_LIMIT"}


async def refused(client: RestClient, path: str, params: dict[str, Any]) -> tuple[int, str]:
    reply = await client.signed("POST", path, params)
    assert reply.status == 400, reply.body
    body = reply.json()
    return body["code"], body["msg"]


async def test_exchange_filters_are_listed_only_when_configured(serve: ServeFactory) -> None:
    plain = await serve()
    assert (await plain.rest().public("/v3/exchangeInfo")).json()["exchangeFilters"] == []
    h = await limited(
        serve,
        max_num_orders=1000,
        max_num_algo_orders=200,
        max_num_iceberg_orders=10000,
        max_num_order_lists=20,
    )
    # filters.md, Exchange Filters: the "/exchangeInfo format" of each.
    expected = [
        {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": 1000},
        {"filterType": "EXCHANGE_MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 200},
        {"filterType": "EXCHANGE_MAX_NUM_ICEBERG_ORDERS", "maxNumIcebergOrders": 10000},
        {"filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS", "maxNumOrderLists": 20},
    ]
    info = (await h.rest().public("/v3/exchangeInfo", {"symbol": "BTCUSDC"})).json()
    assert info["exchangeFilters"] == expected
    assert "sors" in info  # the SOR configuration stays listed beside them
    mine = await h.rest().signed("GET", "/v3/myFilters", {"symbol": "BTCUSDT"})
    assert mine.json()["exchangeFilters"] == expected
    only = await limited(serve, max_num_orders=1000)
    listed = (await only.rest().public("/v3/exchangeInfo")).json()["exchangeFilters"]
    assert listed == expected[:1]


async def test_max_num_orders_counts_every_symbol_list_legs_and_sor(serve: ServeFactory) -> None:
    h = await limited(serve, max_num_orders=3)
    alice = h.rest()
    for params in (bid(), bid("ETHUSDT", "2900")):
        assert (await alice.signed("POST", "/v3/order", params)).status == 200
    # An OTO adds 2 orders: 2 open + 2 > 3 (rest-api.md, New Order list - OTO).
    failure = (-1013, "Filter failure: EXCHANGE_MAX_NUM_ORDERS")
    assert await refused(alice, "/v3/orderList/oto", OTO) == failure
    # The third order, on a third symbol, fits; a fourth, placed using SOR, does not.
    assert (await alice.signed("POST", "/v3/order", bid("BNBUSDT", "590"))).status == 200
    assert await refused(alice, "/v3/order", bid("ETHUSDT", "2800")) == failure
    assert await refused(alice, "/v3/sor/order", bid()) == failure
    assert await refused(alice, "/v3/order/test", bid()) == failure
    assert len(h.exchange.open_orders("alice")) == 3
    # Per account: bob has room.
    bob = h.rest(BOB_KEY, BOB_SECRET)
    assert (await bob.signed("POST", "/v3/orderList/oto", OTO)).status == 200
    # A cancel frees a place; the WebSocket API refuses the same way.
    [first, *_] = h.exchange.open_orders("alice")
    cancel = {"symbol": first.symbol, "orderId": first.order_id}
    assert (await alice.signed("DELETE", "/v3/order", cancel)).status == 200
    assert (await alice.signed("POST", "/v3/order", bid("ETHUSDT", "2800"))).status == 200
    ws = await h.ws()
    answer = await ws.call("order.place", ws.signed_params(ALICE_KEY, ALICE_SECRET, **bid()))
    assert (answer["status"], answer["error"]) == (400, {"code": failure[0], "msg": failure[1]})


async def test_algo_and_iceberg_limits_count_across_symbols(serve: ServeFactory) -> None:
    h = await limited(serve, max_num_algo_orders=1, max_num_iceberg_orders=1)
    alice = h.rest()
    assert (await alice.signed("POST", "/v3/order", stop("BTCUSDT", "55000"))).status == 200
    assert await refused(alice, "/v3/order", stop("ETHUSDT", "2500")) == (
        -1013,
        "Filter failure: EXCHANGE_MAX_NUM_ALGO_ORDERS",
    )
    iceberg = bid(quantity="0.02", icebergQty="0.01")
    iceberg["quantity"] = "0.02"
    assert (await alice.signed("POST", "/v3/order", iceberg)).status == 200
    other = {**iceberg, "symbol": "ETHUSDT", "price": "2900", "quantity": "1", "icebergQty": "0.5"}
    assert await refused(alice, "/v3/order", other) == (
        -1013,
        "Filter failure: EXCHANGE_MAX_NUM_ICEBERG_ORDERS",
    )
    # Neither limit touches plain orders; both are per account.
    assert (await alice.signed("POST", "/v3/order", bid("ETHUSDT", "2900"))).status == 200
    bob = h.rest(BOB_KEY, BOB_SECRET)
    assert (await bob.signed("POST", "/v3/order", stop("ETHUSDT", "2500"))).status == 200
    assert (await bob.signed("POST", "/v3/order", other)).status == 200


async def test_max_num_order_lists_counts_open_lists_across_symbols(serve: ServeFactory) -> None:
    h = await limited(serve, max_num_order_lists=1)
    alice = h.rest()
    assert (await alice.signed("POST", "/v3/orderList/oto", OTO)).status == 200
    eth = {**OTO, "symbol": "ETHUSDT", "workingPrice": "2900", "pendingPrice": "3100"}
    assert await refused(alice, "/v3/orderList/oto", eth) == (
        -1013,
        "Filter failure: EXCHANGE_MAX_NUM_ORDER_LISTS",
    )
    # Plain orders are not lists; another account has its own count.
    assert (await alice.signed("POST", "/v3/order", bid("ETHUSDT", "2900"))).status == 200
    bob = h.rest(BOB_KEY, BOB_SECRET)
    assert (await bob.signed("POST", "/v3/orderList/oto", eth)).status == 200
    # Once alice's list is done (cancelled), another fits.
    [listed] = (await alice.signed("GET", "/v3/openOrderList")).json()
    cancel = {"symbol": "BTCUSDT", "orderListId": listed["orderListId"]}
    assert (await alice.signed("DELETE", "/v3/orderList", cancel)).status == 200
    assert (await alice.signed("POST", "/v3/orderList/oto", eth)).status == 200


def test_config_file_sets_the_exchange_filters() -> None:
    config = markets_from_config({"exchange_filters": {"max_num_orders": 7}})
    assert config.exchange_limits == ExchangeLimits(max_num_orders=7)
    assert markets_from_config({}).exchange_limits.filters() == ()
    for bad in ({"max_orders": 1}, {"max_num_orders": 0}, {"max_num_orders": "7"}, []):
        with pytest.raises(ValueError, match="exchange_filters"):
            markets_from_config({"exchange_filters": bad})


def test_oms_exchange_reads_exchange_filters_from_its_config_file(tmp_path: Path) -> None:
    path = tmp_path / "exchange.toml"
    path.write_text(
        '[[accounts]]\nname = "alice"\napi_key = "k"\nsecret = "s"\n\n'
        "[exchange_filters]\nmax_num_orders = 1000\nmax_num_algo_orders = 200\n"
    )
    app, _ = build(_parser().parse_args(["--no-liquidity", "--config", str(path)]))
    info = app[STATE_KEY].exchange.exchange_info()
    assert [f["filterType"] for f in info.exchange_filters] == [
        "EXCHANGE_MAX_NUM_ORDERS",
        "EXCHANGE_MAX_NUM_ALGO_ORDERS",
    ]
