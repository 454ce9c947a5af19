"""Golden shapes: the simulator's outputs carry exactly the keys of Binance's reference payloads.

The reference payloads are the examples of rest-api.md, New order and user-data-stream.md, Order
Update, copied verbatim.
"""

from __future__ import annotations

import json
from typing import Any

from oms.testing.sim import BTC, limit, make_exchange, market
from oms.wire.decoding import decode_user_data
from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.events import BalanceUpdate, ExecutionReport, OutboundAccountPosition
from oms.wire.requests import CancelOrder, NewOrder, QueryOrder
from transports.wire import encode_json

from .support import D, reports

BUY, SELL = Side.BUY, Side.SELL

REF_ACK = (
    '{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,'
    '"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595}'
)
REF_FULL = """{"symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
  "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595,
  "price": "0.00000000", "origQty": "10.00000000", "executedQty": "10.00000000",
  "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "10.00000000", "status": "FILLED",
  "timeInForce": "GTC", "type": "MARKET", "side": "SELL", "workingTime": 1507725176595,
  "selfTradePreventionMode": "NONE",
  "fills": [{"price": "4000.00000000", "qty": "1.00000000", "commission": "4.00000000",
             "commissionAsset": "USDT", "tradeId": 56}]}"""
REF_CANCEL = """{"symbol": "LTCBTC", "origClientOrderId": "myOrder1", "orderId": 4,
  "orderListId": -1, "clientOrderId": "cancelMyOrder1", "transactTime": 1684804350068,
  "price": "2.00000000", "origQty": "1.00000000", "executedQty": "0.00000000",
  "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "0.00000000", "status": "CANCELED",
  "timeInForce": "GTC", "type": "LIMIT", "side": "BUY", "selfTradePreventionMode": "NONE"}"""
REF_REPORT = """{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW",
 "S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"",
 "x":"NEW","X":"NEW","r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,
 "T":1499405658657,"t":-1,"v":3,"I":8641984,"w":true,"m":false,"M":false,"O":1499405658657,"Z":"0.00000000",
 "Y":"0.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}"""
REF_POSITION = """{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,
 "B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}"""
REF_BALANCE = (
    '{"e":"balanceUpdate","E":1573200697110,"a":"BTC","d":"100.00000000","T":1573200697068}'
)
# rest-api.md, Query order response fields, rest-api.md, Account trade list account and myTrades.
QUERY_KEYS = {
    "symbol", "orderId", "orderListId", "clientOrderId", "price", "origQty", "executedQty",
    "cummulativeQuoteQty", "status", "timeInForce", "type", "side", "stopPrice", "icebergQty",
    "time", "updateTime", "isWorking", "workingTime", "origQuoteOrderQty",
    "selfTradePreventionMode",
}  # fmt: skip
ACCOUNT_KEYS = {
    "makerCommission", "takerCommission", "buyerCommission", "sellerCommission",
    "commissionRates", "canTrade", "canWithdraw", "canDeposit", "brokered",
    "requireSelfTradePrevention", "preventSor", "updateTime", "accountType", "balances",
    "permissions", "uid",
}  # fmt: skip
TRADE_KEYS = {
    "symbol", "id", "orderId", "orderListId", "price", "qty", "quoteQty", "commission",
    "commissionAsset", "time", "isBuyer", "isMaker", "isBestMatch",
}  # fmt: skip
STP_KEYS = {"v", "A", "B", "u", "U", "Cs", "pl", "pL", "pY"}


def keys(raw: bytes | str) -> set[str]:
    return set(json.loads(raw))


def loads(raw: bytes) -> Any:
    return json.loads(raw)


def test_new_order_ack_result_full_keys() -> None:
    ex, _ = make_exchange("m", "t")
    ack = ex.place_order("m", limit(SELL, "0.1", "60000", resp=OrderResponseType.ACK))
    assert keys(encode_json(ack)) == keys(REF_ACK)
    full = encode_json(ex.place_order("t", market(BUY, "0.1")))
    assert keys(full) == keys(REF_FULL)
    assert set(loads(full)["fills"][0]) == set(json.loads(REF_FULL)["fills"][0])
    assert b'"cummulativeQuoteQty":"6000.00000000"' in full
    result = encode_json(
        ex.place_order("t", limit(BUY, "0.1", "50000", resp=OrderResponseType.RESULT))
    )
    assert keys(result) == keys(REF_FULL) - {"fills"}


def test_resting_full_order_has_empty_fills() -> None:
    ex, _ = make_exchange("a")
    raw = encode_json(ex.place_order("a", limit(BUY, "0.1", "50000")))
    assert b'"fills":[]' in raw and keys(raw) == keys(REF_FULL)


def test_expired_full_order_adds_expiry_reason_only() -> None:
    ex, _ = make_exchange("a")
    raw = encode_json(ex.place_order("a", limit(BUY, "0.1", "50000", tif=TimeInForce.IOC)))
    assert keys(raw) == keys(REF_FULL) | {"expiryReason"}


def test_cancel_query_account_trades_keys() -> None:
    ex, _ = make_exchange("m", "t")
    r = ex.place_order("t", limit(BUY, "0.1", "50000"))
    query = encode_json(ex.query_order("t", QueryOrder(symbol=BTC, order_id=r.order_id)))
    assert keys(query) == QUERY_KEYS
    assert [keys(encode_json(o)) for o in ex.open_orders("t")] == [QUERY_KEYS]
    cancel = encode_json(ex.cancel_order("t", CancelOrder(symbol=BTC, order_id=r.order_id)))
    assert keys(cancel) == keys(REF_CANCEL)
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    ex.place_order("t", market(BUY, "0.1"))
    account = loads(encode_json(ex.account_info("t")))
    assert set(account) == ACCOUNT_KEYS
    assert set(account["commissionRates"]) == {"maker", "taker", "buyer", "seller"}
    assert all(set(b) == {"asset", "free", "locked"} for b in account["balances"])
    trades = loads(encode_json(ex.my_trades("t", BTC)))
    assert [set(t) for t in trades] == [TRADE_KEYS]


def test_report_keys_new_trade_expired_and_prevented() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.1", "60000"))
    ex.place_order("t", market(BUY, "0.2"))
    # ``v`` is documented for STP expiries only (user-data-stream.md, Order Update).
    plain = keys(REF_REPORT) - {"v"}
    t_reports = reports(ex.drain_events("t"))
    new, trade, expired = (encode_json(e) for e in t_reports)
    assert keys(new) == plain and keys(trade) == plain
    assert keys(expired) == plain | {"eR"}
    assert b'"n":"0","N":null' in new and b'"t":-1' in new
    assert b'"N":"BTC"' in trade
    ex.place_order("t", limit(SELL, "0.1", "70000"))
    ex.drain_events("t")
    ex.place_order(
        "t",
        limit(BUY, "0.1", "70000", stp=SelfTradePreventionMode.EXPIRE_TAKER, tif=TimeInForce.IOC),
    )
    prevented = [e for e in reports(ex.drain_events("t")) if e.execution_type == "TRADE_PREVENTION"]
    assert keys(encode_json(prevented[0])) == plain | STP_KEYS


def test_position_and_balance_update_keys() -> None:
    ex, _ = make_exchange("a")
    ex.deposit("a", "BTC", D("100"))
    balance, position = ex.drain_events("a")
    assert isinstance(balance, BalanceUpdate) and isinstance(position, OutboundAccountPosition)
    assert keys(encode_json(balance)) == keys(REF_BALANCE)
    raw = encode_json(position)
    assert keys(raw) == keys(REF_POSITION)
    assert set(loads(raw)["B"][0]) == {"a", "f", "l"}
    assert b'"d":"100.00000000"' in encode_json(balance)


def test_every_event_decodes_back_to_itself() -> None:
    ex, _ = make_exchange("m", "t")
    ex.place_order("m", limit(SELL, "0.3", "60000"))
    ex.place_order("m", limit(SELL, "0.1", "60100"))
    ex.place_order("t", limit(BUY, "0.5", "60100", tif=TimeInForce.IOC))
    ex.place_order(
        "t",
        NewOrder(
            symbol=BTC,
            side=BUY,
            order_type=OrderType.LIMIT_MAKER,
            quantity=D("0.1"),
            price=D("59000"),
        ),
    )
    ex.place_order("t", limit(SELL, "0.1", "59000", stp=SelfTradePreventionMode.EXPIRE_BOTH))
    ex.deposit("t", "USDT", D("1"))
    seen = 0
    for account in ("m", "t"):
        for event in ex.drain_events(account):
            decoded = decode_user_data(encode_json(event))
            assert decoded == event
            seen += 1
            if isinstance(event, ExecutionReport):
                assert b"E-" not in encode_json(event)  # plain notation, never 1E-8
    assert seen >= 12
