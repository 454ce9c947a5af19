"""Build Binance payloads (with Binance's own keys) for the core tests, and decode them.

Every builder returns the JSON Binance would send, as a dict; ``frame``/``body`` turn it into
bytes, and the ``*_report`` helpers decode through the real decoders (``oms.wire.decoding``), so
tests exercise the wire shapes, not hand-built Structs.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, NamedTuple

from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.events import ExecutionReport
from oms.wire.rest import (
    AccountInfo,
    CancelResponse,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)

D = Decimal
SYMBOL = "BTCUSDT"
Json = dict[str, Any]


def w(value: Decimal | str | int) -> str:
    """A decimal as Binance writes it (plain notation, 8 places)."""
    return f"{D(value).quantize(D('0.00000001')):f}"


def frame(payload: Json, *, envelope: bool = True, subscription_id: int = 0) -> bytes:
    """A user-data frame: the WS API envelope by default (web-socket-api.md, Event format)."""
    if envelope:
        payload = {"subscriptionId": subscription_id, "event": payload}
    return json.dumps(payload, separators=(",", ":")).encode()


def body(payload: Json | list[Json]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def execution_report_json(**over: Any) -> Json:
    """An executionReport with every always-present key; ``over`` replaces keys."""
    base: Json = {
        "e": "executionReport",
        "E": 1_700_000_000_000,
        "s": SYMBOL,
        "c": "cid-1",
        "S": "BUY",
        "o": "LIMIT",
        "f": "GTC",
        "q": w(1),
        "p": w(100),
        "P": w(0),
        "F": w(0),
        "g": -1,
        "C": "",
        "x": "NEW",
        "X": "NEW",
        "r": "NONE",
        "i": 1001,
        "l": w(0),
        "z": w(0),
        "L": w(0),
        "n": "0",
        "N": None,
        "T": 1_700_000_000_000,
        "t": -1,
        "I": 1,
        "w": True,
        "m": False,
        "M": False,
        "O": 1_700_000_000_000,
        "Z": w(0),
        "Y": w(0),
        "Q": w(0),
        "W": 1_700_000_000_000,
        "V": "NONE",
    }
    base.update(over)
    return base


def execution_report(**over: Any) -> ExecutionReport:
    event = decode_user_data(frame(execution_report_json(**over)))
    assert isinstance(event, ExecutionReport)
    return event


class Trade(NamedTuple):
    """One trade of an order history."""

    id: int
    qty: Decimal
    price: Decimal
    commission: Decimal = D("0.001")
    asset: str = "BNB"
    maker: bool = False


class History(NamedTuple):
    """A real order history: its reports, REST answer and the truth at the end."""

    client_order_id: str
    order_id: int
    reports: list[ExecutionReport]
    answer: NewOrderResult | NewOrderFull
    trades: list[MyTrade]
    query: QueryOrderResponse
    final_status: str
    filled: Decimal
    cum_quote: Decimal
    fees: dict[str, Decimal]


def history(
    *,
    order_type: str,
    tif: str,
    qty: Decimal,
    price: Decimal,
    trades: list[Trade],
    final: str,
    final_x: str | None = None,
    expiry_reason: str | None = None,
    cid: str = "cid-1",
    order_id: int = 1001,
    side: str = "BUY",
    full: bool = True,
    extra: Json | None = None,
) -> History:
    """The executionReports Binance sends for one order (user-data-stream.md, Order Update).

    NEW, one TRADE per trade (PARTIALLY_FILLED, FILLED for the last if it completes), then
    ``final`` (CANCELED/EXPIRED/EXPIRED_IN_MATCH) unless the last trade filled the order.
    """
    common: Json = {"c": cid, "i": order_id, "S": side, "o": order_type, "f": tif, "q": w(qty)}
    common["p"] = w(price)
    t0 = 1_700_000_000_000
    reports = [execution_report(**common, E=t0, T=t0, O=t0)]
    filled, quote = D(0), D(0)
    fees: dict[str, Decimal] = {}
    for k, tr in enumerate(trades, start=1):
        filled += tr.qty
        quote += tr.qty * tr.price
        fees[tr.asset] = fees.get(tr.asset, D(0)) + tr.commission
        status = "FILLED" if filled == qty else "PARTIALLY_FILLED"
        t = t0 + k
        reports.append(
            execution_report(
                **common, E=t, T=t, O=t0, x="TRADE", X=status, l=w(tr.qty), z=w(filled),
                L=w(tr.price), n=w(tr.commission), N=tr.asset, t=tr.id, m=tr.maker,
                Z=w(quote), Y=w(tr.qty * tr.price), w=status != "FILLED",
            )
        )  # fmt: skip
    end = t0 + len(trades) + 1
    if filled != qty:
        fields: Json = dict(common, E=end, T=end, O=t0, x=final_x or final, X=final)
        fields.update(z=w(filled), Z=w(quote), w=False)
        if expiry_reason is not None:
            fields["eR"] = expiry_reason
        fields.update(extra or {})
        reports.append(execution_report(**fields))
    status = "FILLED" if filled == qty else final
    answer = answer_json(
        cid=cid, order_id=order_id, order_type=order_type, tif=tif, side=side, qty=qty,
        price=price, executed=filled, quote=quote, status=status, time=end,
        fills=trades if full else None, expiry_reason=expiry_reason,
    )  # fmt: skip
    decoded = decode_body(body(answer), NewOrderFull if full else NewOrderResult)
    rows = [my_trade(order_id, tr) for tr in trades]
    query = decode_body(
        body(query_json(answer, update_time=end)),
        QueryOrderResponse,
    )
    return History(cid, order_id, reports, decoded, rows, query, status, filled, quote, fees)


def answer_json(
    *,
    cid: str,
    order_id: int,
    order_type: str,
    tif: str,
    side: str,
    qty: Decimal,
    price: Decimal,
    executed: Decimal,
    quote: Decimal,
    status: str,
    time: int,
    fills: list[Trade] | None,
    expiry_reason: str | None = None,
) -> Json:
    """A RESULT answer, or FULL when ``fills`` is given (rest-api.md, New order: POST
    /api/v3/order)."""
    out: Json = {
        "symbol": SYMBOL,
        "orderId": order_id,
        "orderListId": -1,
        "clientOrderId": cid,
        "transactTime": time,
        "price": w(price),
        "origQty": w(qty),
        "executedQty": w(executed),
        "origQuoteOrderQty": w(0),
        "cummulativeQuoteQty": w(quote),
        "status": status,
        "timeInForce": tif,
        "type": order_type,
        "side": side,
        "workingTime": time,
        "selfTradePreventionMode": "NONE",
    }
    if expiry_reason is not None:
        out["expiryReason"] = expiry_reason
    if fills is not None:
        out["fills"] = [
            {
                "price": w(t.price),
                "qty": w(t.qty),
                "commission": w(t.commission),
                "commissionAsset": t.asset,
                "tradeId": t.id,
            }
            for t in fills
        ]
    return out


def query_json(answer: Json, *, update_time: int) -> Json:
    """The GET /api/v3/order answer for the order an answer describes (rest-api.md, New order)."""
    keep = (
        "symbol", "orderId", "orderListId", "clientOrderId", "price", "origQty",
        "executedQty", "cummulativeQuoteQty", "status", "timeInForce", "type", "side",
        "workingTime", "origQuoteOrderQty", "selfTradePreventionMode",
    )  # fmt: skip
    out = {k: answer[k] for k in keep}
    out.update(
        stopPrice=w(0),
        icebergQty=w(0),
        time=answer["transactTime"],
        updateTime=update_time,
        isWorking=answer["status"] in ("NEW", "PARTIALLY_FILLED"),
    )
    if "expiryReason" in answer:
        out["expiryReason"] = answer["expiryReason"]
    return out


def my_trade(order_id: int, tr: Trade, *, symbol: str = SYMBOL) -> MyTrade:
    row = {
        "symbol": symbol,
        "id": tr.id,
        "orderId": order_id,
        "orderListId": -1,
        "price": w(tr.price),
        "qty": w(tr.qty),
        "quoteQty": w(tr.qty * tr.price),
        "commission": w(tr.commission),
        "commissionAsset": tr.asset,
        "time": 1_700_000_000_000 + tr.id,
        "isBuyer": True,
        "isMaker": tr.maker,
        "isBestMatch": True,
    }
    return decode_body(body(row), MyTrade)


def ack(cid: str = "cid-1", order_id: int = 1001, time: int = 1_700_000_000_000) -> NewOrderAck:
    payload = {
        "symbol": SYMBOL,
        "orderId": order_id,
        "orderListId": -1,
        "clientOrderId": cid,
        "transactTime": time,
    }
    return decode_body(body(payload), NewOrderAck)


def cancel_response(
    *,
    cid: str = "cid-1",
    order_id: int = 1001,
    qty: str = "1",
    executed: str = "0",
    status: str = "CANCELED",
    time: int = 1_700_000_000_100,
) -> CancelResponse:
    payload = {
        "symbol": SYMBOL,
        "origClientOrderId": cid,
        "orderId": order_id,
        "orderListId": -1,
        "clientOrderId": "cancel-" + cid,
        "transactTime": time,
        "price": w(100),
        "origQty": w(qty),
        "executedQty": w(executed),
        "origQuoteOrderQty": w(0),
        "cummulativeQuoteQty": w(D(executed) * 100),
        "status": status,
        "timeInForce": "GTC",
        "type": "LIMIT",
        "side": "BUY",
        "selfTradePreventionMode": "NONE",
    }
    return decode_body(body(payload), CancelResponse)


def account(balances: dict[str, tuple[str, str]], *, update_time: int) -> AccountInfo:
    payload = {
        "makerCommission": 10,
        "takerCommission": 10,
        "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {
            "maker": w("0.001"),
            "taker": w("0.001"),
            "buyer": w(0),
            "seller": w(0),
        },
        "canTrade": True,
        "canWithdraw": True,
        "canDeposit": True,
        "brokered": False,
        "requireSelfTradePrevention": False,
        "preventSor": False,
        "updateTime": update_time,
        "accountType": "SPOT",
        "balances": [{"asset": a, "free": f, "locked": lk} for a, (f, lk) in balances.items()],
        "permissions": ["SPOT"],
        "uid": 354937868,
    }
    return decode_body(body(payload), AccountInfo)


def position_json(u: int, balances: dict[str, tuple[str, str]]) -> Json:
    rows = [{"a": a, "f": f, "l": lk} for a, (f, lk) in balances.items()]
    return {"e": "outboundAccountPosition", "E": u + 5, "u": u, "B": rows}


def balance_update_json(asset: str, delta: str, t: int) -> Json:
    return {"e": "balanceUpdate", "E": t + 5, "a": asset, "d": delta, "T": t}


def lock_update_json(asset: str, delta: str, t: int) -> Json:
    return {"e": "externalLockUpdate", "E": t + 5, "a": asset, "d": delta, "T": t}
