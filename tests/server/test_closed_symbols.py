"""Symbols that are not TRADING (enums.md, Symbol status: END_OF_DAY, HALT, BREAK and, since
CHANGELOG 2026-07-01, CANCEL_ONLY), set by ``status`` in a ``[[markets]]`` entry: listed with
their status in exchangeInfo, selected by ``symbolStatus``, and refusing every new order
(single, test, list; REST and WebSocket API) with -2010 "Market is closed." (errors.md, -2010
messages: "The symbol is not trading."), while cancels still go through."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.server.conftest import ALICE_KEY, ALICE_SECRET, START_MS, ServeFactory, accounts
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.markets import markets_from_config

CONFIG = {
    "markets": [
        {"symbol": "BTCUSDT", "base": "BTC", "quote": "USDT", "reference_price": "60000"},
        {"symbol": "ETHUSDT", "base": "ETH", "quote": "USDT", "reference_price": "3000",
         "status": "HALT"},
        {"symbol": "BNBUSDT", "base": "BNB", "quote": "USDT", "reference_price": "600",
         "status": "CANCEL_ONLY"},
    ]
}  # fmt: skip
CLOSED = (400, -2010, "Market is closed.")


def exchange(clock: ManualClock) -> SimExchange:
    out = SimExchange(clock=clock, config=markets_from_config(CONFIG))
    for name in ("alice", "bob", "carol"):
        out.create_account(name, {"USDT": Decimal(10) ** 6, "ETH": Decimal(10)})
    return out


def test_config_status_is_checked() -> None:
    bad = {"markets": [{**CONFIG["markets"][0], "status": "OPEN"}]}
    with pytest.raises(ValueError, match="status"):
        markets_from_config(bad)


async def test_closed_symbols_are_listed_and_refuse_new_orders(serve: ServeFactory) -> None:
    clock = ManualClock(START_MS)
    h = await serve(exchange=exchange(clock), api_accounts=accounts(), clock=clock)
    rest = h.rest()
    info = (await rest.public("/v3/exchangeInfo")).json()
    statuses = {s["symbol"]: s["status"] for s in info["symbols"]}
    assert statuses == {"BTCUSDT": "TRADING", "ETHUSDT": "HALT", "BNBUSDT": "CANCEL_ONLY"}
    halted = (await rest.public("/v3/exchangeInfo", {"symbolStatus": "HALT"})).json()
    assert [s["symbol"] for s in halted["symbols"]] == ["ETHUSDT"]
    mismatch = await rest.public(
        "/v3/ticker/price", {"symbol": "ETHUSDT", "symbolStatus": "TRADING"}
    )
    assert (mismatch.status, mismatch.code) == (400, -1220)

    for symbol in ("ETHUSDT", "BNBUSDT"):
        order = {"symbol": symbol, "side": "SELL", "type": "LIMIT", "timeInForce": "GTC"}
        order |= {"quantity": "1", "price": "3100" if symbol == "ETHUSDT" else "610"}
        for path in ("/v3/order", "/v3/order/test"):
            refused = await rest.signed("POST", path, order)
            assert (refused.status, refused.code, refused.json()["msg"]) == CLOSED, path
        oco = {"symbol": symbol, "side": "SELL", "quantity": "1", "aboveType": "LIMIT_MAKER"}
        oco |= {"abovePrice": order["price"], "belowType": "STOP_LOSS", "belowStopPrice": "1"}
        listed = await rest.signed("POST", "/v3/orderList/oco", oco)
        assert (listed.status, listed.code) == CLOSED[:2]
        # Cancels are not refused: nothing is open, so the answer is the usual -2011.
        cancel = await rest.signed("DELETE", "/v3/openOrders", {"symbol": symbol})
        assert (cancel.status, cancel.code) == (400, -2011)
    ws = await h.ws()
    placed = await ws.call(
        "order.place",
        ws.signed_params(
            ALICE_KEY, ALICE_SECRET, symbol="ETHUSDT", side="SELL", type="MARKET", quantity="1"
        ),
    )
    error = placed["error"]
    assert (placed["status"], error["code"], error["msg"]) == CLOSED
    assert h.exchange.open_orders("alice") == []
    btc = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    trading = await rest.signed("POST", "/v3/order", {**btc, "quantity": "0.01", "price": "59000"})
    assert trading.status == 200, trading.body
