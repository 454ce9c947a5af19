"""Commission rates per symbol from the config file: fees, ``account/commission``,
``account.commission`` and ``order.test`` with ``computeCommissionRates``
(faqs/commission_faq.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from tests.server.conftest import ALICE_KEY, ALICE_SECRET, START_MS, ServeFactory, accounts
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import markets_from_config

D = Decimal
CONFIG = {
    "markets": [
        {"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "reference_price": "60000"},
        {
            "symbol": "ETHUSDT",
            "base": "ETH",
            "quote": "USDT",
            "reference_price": "3000",
            "commission": {"maker": "0.0002", "taker": "0.0004", "seller": "0.0001"},
        },
    ],
    "commission": {"maker": "0.001", "taker": "0.002"},
}


def exchange(clock: ManualClock) -> SimExchange:
    out = SimExchange(clock=clock, config=markets_from_config(CONFIG))
    for name in ("alice", "maker"):
        out.create_account(name, {"USDT": D(10) ** 6, "BTC": D(100), "ETH": D(1000)})
    return out


def limit(symbol: str, side: Side, qty: str, price: str) -> NewOrder:
    return NewOrder(
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.GTC,
        quantity=D(qty),
        price=D(price),
    )


def test_config_rates_per_symbol_and_defaults() -> None:
    config = markets_from_config(CONFIG)
    assert config.commission("BTCUSDT").taker == D("0.002")
    eth = config.commission("ETHUSDT")
    assert (eth.maker, eth.taker, eth.buyer, eth.seller) == (
        D("0.0002"),
        D("0.0004"),
        D(0),
        D("0.0001"),
    )
    assert markets_from_config({}).commission("BTCUSDT").taker == 0  # testnet's zero
    with pytest.raises(ValueError, match="unknown keys"):
        markets_from_config({"commission": {"bnb": "0.1"}})
    bad = {**CONFIG["markets"][1], "commission": {"maker": "-1"}}  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="non-negative"):
        markets_from_config({"markets": [bad]})


def test_fees_use_the_symbols_rates() -> None:
    """ETHUSDT: maker BUY pays 0.0002 of the ETH received; taker SELL pays (0.0004 + 0.0001) of
    the USDT received (faqs/commission_faq.md, How is the commission calculated?)."""
    ex = exchange(ManualClock(START_MS))
    ex.place_order("maker", limit("ETHUSDT", Side.BUY, "2", "3000"))
    sold = ex.place_order("alice", limit("ETHUSDT", Side.SELL, "2", "3000"))
    assert [(f.commission, f.commission_asset) for f in sold.fills] == [(D("3.0"), "USDT")]
    assert ex.balance("maker", "ETH")[0] == D(1000) + D(2) - D("0.0004")
    # BTCUSDT keeps the rates for every symbol: taker BUY pays 0.002 of the BTC received.
    ex.place_order("maker", limit("BTCUSDT", Side.SELL, "1", "60000"))
    bought = ex.place_order("alice", limit("BTCUSDT", Side.BUY, "1", "60000"))
    assert [f.commission for f in bought.fills] == [D("0.002")]


async def test_commission_calls_answer_the_symbols_rates(serve: ServeFactory) -> None:
    clock = ManualClock(START_MS)
    h = await serve(exchange=exchange(clock), api_accounts=accounts(), clock=clock)
    rest = h.rest()
    eth = (await rest.signed("GET", "/v3/account/commission", {"symbol": "ETHUSDT"})).json()
    assert eth["standardCommission"] == {
        "maker": "0.00020000",
        "taker": "0.00040000",
        "buyer": "0.00000000",
        "seller": "0.00010000",
    }
    # rest-api.md, Query Commission Rates: standard, special, tax, discount, in that order.
    documented = ["symbol", "standardCommission", "specialCommission", "taxCommission", "discount"]
    assert list(eth) == documented
    btc = (await rest.signed("GET", "/v3/account/commission", {"symbol": "BTCUSDT"})).json()
    assert btc["standardCommission"]["taker"] == "0.00200000"
    sell = {"symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "1"}
    test = await rest.signed("POST", "/v3/order/test", {**sell, "computeCommissionRates": "true"})
    assert test.json()["standardCommissionForOrder"] == {
        "maker": "0.00030000",
        "taker": "0.00050000",
    }
    ws = await h.ws()
    found = await ws.call(
        "account.commission", ws.signed_params(ALICE_KEY, ALICE_SECRET, symbol="ETHUSDT")
    )
    assert found["result"]["standardCommission"]["maker"] == "0.00020000", found
    assert list(found["result"]) == documented  # web-socket-api.md, Account commission rates
    tested = await ws.call(
        "order.test",
        ws.signed_params(
            ALICE_KEY, ALICE_SECRET, computeCommissionRates="true", **{**sell, "side": "BUY"}
        ),
    )
    assert tested["result"]["standardCommissionForOrder"]["taker"] == "0.00040000", tested
    await ws.ws.close()
