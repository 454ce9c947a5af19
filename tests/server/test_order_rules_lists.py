"""What an order list, a cancel-replace and an amend are refused for, over REST and the
WebSocket API of the local server (``tests/server/order_rules.py``): the kinds an OCO's
legs may be and where (rest-api.md, New Order list - OCO; errors.md -1165 .. -1199), its
price relationship before a leg's own engine refusal (errors.md, -2010 messages), a
cancel-replace whose new order fails a filter cancels nothing (rest-api.md, Cancel an
Existing Order and Send a New Order; CHANGELOG 2022-06-15), and an amend's ``newQty``
keeps the filters (faqs/order_amend_keep_priority.md). Every refusal leaves no trace."""

from __future__ import annotations

from typing import Any

import pytest

from oms.testing.sim import limit
from oms.wire.enums import Side
from tests.server.conftest import ServeFactory
from tests.server.order_rules import LOT, Probe, serve_rules

OCO = "/v3/orderList/oco"
RELATIONSHIP = (-2010, "The relationship of the prices for the orders is not correct.")


def _oco(side: str, above: dict[str, str], below: dict[str, str]) -> dict[str, Any]:
    legs = {f"above{k}": v for k, v in above.items()} | {f"below{k}": v for k, v in below.items()}
    return {"symbol": "BTCUSDT", "side": side, "quantity": "0.01", **legs}


def _maker(price: str) -> dict[str, str]:
    return {"Type": "LIMIT_MAKER", "Price": price}


def _stop(kind: str, stop: str) -> dict[str, str]:
    return {"Type": kind, "StopPrice": stop}


@pytest.fixture
async def probe(serve: ServeFactory) -> Probe:
    return await Probe(await serve_rules(serve)).start()


# The last price is 60000. rest-api.md, New Order list - OCO: "One of the orders must be a
# LIMIT_MAKER/TAKE_PROFIT/TAKE_PROFIT_LIMIT order and the other must be STOP_LOSS or
# STOP_LOSS_LIMIT order"; a BUY's stop loss is its above order, a SELL's its below one.
MISPLACED = [
    (
        _oco("SELL", _maker("62000"), _maker("58000")),
        (-1168, "At least one OCO order must be contingent."),
    ),
    (
        _oco("BUY", _maker("59000"), _stop("STOP_LOSS", "61000")),
        (-1165, "A limit order in a buy OCO must be below."),
    ),
    (
        _oco("SELL", _stop("STOP_LOSS", "57000"), _maker("61000")),
        (-1166, "A limit order in a sell OCO must be above."),
    ),
    (
        _oco("BUY", _stop("STOP_LOSS", "61000"), _stop("STOP_LOSS", "62000")),
        (-1196, "A stop loss order in a buy OCO must be above."),
    ),
    (
        _oco("SELL", _stop("STOP_LOSS", "58000"), _stop("STOP_LOSS", "57000")),
        (-1197, "A stop loss order in a sell OCO must be below."),
    ),
    (
        _oco("BUY", _stop("TAKE_PROFIT", "59000"), _maker("58000")),
        (-1198, "A take profit order in a buy OCO must be below."),
    ),
    (
        _oco("SELL", _maker("62000"), _stop("TAKE_PROFIT", "61000")),
        (-1199, "A take profit order in a sell OCO must be above."),
    ),
]


@pytest.mark.parametrize(("params", "expected"), MISPLACED)
async def test_each_oco_leg_must_be_of_its_kind_and_side(
    probe: Probe, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    await probe.refused(OCO, params, *expected)


async def test_an_otoco_pending_pair_follows_the_oco_rules(probe: Probe) -> None:
    otoco = {
        "symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY",
        "workingPrice": "59000", "workingQuantity": "0.01", "workingTimeInForce": "GTC",
        "pendingSide": "SELL", "pendingQuantity": "0.01",
        "pendingAboveType": "LIMIT_MAKER", "pendingAbovePrice": "62000",
        "pendingBelowType": "LIMIT_MAKER", "pendingBelowPrice": "58000",
    }  # fmt: skip
    await probe.refused(
        "/v3/orderList/otoco", otoco, -1168, "At least one OCO order must be contingent."
    )
    ok = {**otoco, "pendingBelowType": "STOP_LOSS", "pendingBelowStopPrice": "58000"}
    del ok["pendingBelowPrice"]
    await probe.place("/v3/orderList/otoco", ok)


async def test_the_price_relationship_is_strict_and_judged_before_the_legs(probe: Probe) -> None:
    # errors.md, -2010 "The relationship of the prices for the orders is not correct.":
    # "SELL: LIMIT_MAKER price > Last Traded Price > stopPrice" - strict on both sides.
    at_last = _oco("SELL", _maker("60000.01"), _stop("STOP_LOSS", "60000"))
    await probe.refused(OCO, at_last, *RELATIONSHIP)
    # A stop above the last price would also trigger at once; the list's rule speaks first.
    await probe.refused(
        OCO, _oco("SELL", _maker("62000"), _stop("STOP_LOSS", "61000")), *RELATIONSHIP
    )
    await probe.refused(
        OCO, _oco("SELL", _maker("59000"), _stop("STOP_LOSS", "58000")), *RELATIONSHIP
    )
    # ... and so for the deprecated endpoint (rest-api.md, New OCO - Deprecated: "SELL:
    # Limit Price > Last Price > Stop Price").
    old = {"symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": "59000"}
    await probe.refused("/v3/order/oco", {**old, "stopPrice": "58000"}, *RELATIONSHIP)
    # A LIMIT_MAKER leg that keeps the relationship but would take is the leg's refusal.
    probe.h.exchange.place_order("bob", limit(Side.SELL, "0.01", "59000"))
    takes = _oco("BUY", _stop("STOP_LOSS", "61000"), _maker("59500"))
    await probe.refused(OCO, takes, -2010, "Order would immediately match and take.")
    placed = await probe.place(
        OCO, _oco("SELL", _maker("60000.01"), _stop("STOP_LOSS", "59999.99"))
    )
    assert [o["status"] for o in placed["orderReports"]] == ["NEW", "NEW"]


def _replace(**extra: Any) -> dict[str, Any]:
    return {
        "symbol": LOT, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
        "quantity": "1", "price": "9.00", "cancelReplaceMode": "STOP_ON_FAILURE",
        "cancelOrigClientOrderId": "old", **extra,
    }  # fmt: skip


async def test_cancel_replace_checks_the_new_orders_filters_before_it_cancels(
    probe: Probe,
) -> None:
    path = "/v3/order/cancelReplace"
    rest = {"symbol": LOT, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1"}
    await probe.place("/v3/order", {**rest, "price": "8.00", "newClientOrderId": "old"})
    for mode in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
        off_tick = _replace(price="9.001", cancelReplaceMode=mode)
        await probe.refused(path, off_tick, -1013, "Filter failure: PRICE_FILTER")
    # CHANGELOG 2022-06-15: with MAX_NUM_ORDERS full (LOTUSDT: 4), "both the cancel order
    # placement and new order will fail because of the filter".
    for i, price in enumerate(("8.10", "8.20", "8.30")):
        await probe.place("/v3/order", {**rest, "price": price, "newClientOrderId": f"o{i}"})
    await probe.refused(path, _replace(), -1013, "Filter failure: MAX_NUM_ORDERS")
    await probe.place("/v3/order", {"symbol": LOT, "origClientOrderId": "o2"}, method="DELETE")
    # The matching engine's refusals still come after the cancel (the documented -2021
    # example: "Order would immediately match and take.").
    probe.h.exchange.place_order("bob", limit(Side.SELL, "1", "9", symbol=LOT))
    maker = _replace(type="LIMIT_MAKER")
    del maker["timeInForce"]
    reply = await probe.rest.signed("POST", path, maker)
    assert reply.status == 409, reply.json()
    data = reply.json()["data"]
    assert (data["cancelResult"], data["newOrderResult"]) == ("SUCCESS", "FAILURE")
    assert data["newOrderResponse"] == {
        "code": -2010,
        "msg": "Order would immediately match and take.",
    }


AMEND = "/v3/order/amend/keepPriority"


async def test_an_amended_quantity_keeps_the_filters(probe: Probe) -> None:
    order = {"symbol": LOT, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    await probe.place(
        "/v3/order", {**order, "quantity": "1", "price": "9", "newClientOrderId": "am"}
    )

    def amend(qty: str) -> dict[str, str]:
        return {"symbol": LOT, "origClientOrderId": "am", "newQty": qty, "newClientOrderId": "am"}

    lot = (-1013, "Filter failure: LOT_SIZE")
    for qty in ("0.105", "0.09", "0"):  # off the step, under minQty 0.10, zero
        await probe.refused(AMEND, amend(qty), *lot, method="PUT")
    precision = (-1111, "Parameter 'newQty' has too much precision.")
    await probe.refused(AMEND, amend("0.000000001"), *precision, method="PUT")
    # errors.md, -2038 messages.
    more = (-2038, "Order amend (quantity increase) is not supported.")
    await probe.refused(AMEND, amend("2"), *more, method="PUT")
    same = (-2038, "The requested action would change no state; rejecting")
    await probe.refused(AMEND, amend("1"), *same, method="PUT")
    amended = await probe.place(AMEND, amend("0.10"), method="PUT")  # exactly minQty
    assert amended["amendedOrder"]["qty"] == "0.10000000"


async def test_an_oto_pending_market_order_needs_its_own_quantity(probe: Probe) -> None:
    # rest-api.md, New Order list - OTO: pendingQuantity is mandatory ("YES"), and a pending
    # MARKET order "using quoteOrderQty" is not supported.
    oto = {
        "symbol": "BTCUSDT", "workingType": "LIMIT", "workingSide": "BUY",
        "workingPrice": "59000", "workingQuantity": "0.01", "workingTimeInForce": "GTC",
        "pendingType": "MARKET", "pendingSide": "SELL",
    }  # fmt: skip
    msg = "Mandatory parameter 'pendingQuantity' was not sent, was empty/null, or malformed."
    await probe.refused("/v3/orderList/oto", oto, -1102, msg)
    await probe.place("/v3/orderList/oto", {**oto, "pendingQuantity": "0.01"})


SOR = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {**SOR, "quantity": "0.01", "price": "59000.001"},
            (-1013, "Filter failure: PRICE_FILTER"),
        ),
        ({**SOR, "quantity": "0.000001", "price": "59000"}, (-1013, "Filter failure: LOT_SIZE")),
        ({**SOR, "quantity": "0.00001", "price": "59000"}, (-1013, "Filter failure: NOTIONAL")),
        (
            {**SOR, "price": "59000"},
            (-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed."),
        ),
    ],
)
async def test_sor_orders_keep_the_symbol_filters(
    probe: Probe, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    await probe.refused("/v3/sor/order", params, *expected)


async def test_the_deprecated_oco_names_its_own_iceberg_parameter(probe: Probe) -> None:
    # errors.md, -1160 "Parameter '%s' is not supported if aboveTimeInForce/belowTimeInForce
    # is not GTC.": the deprecated request's stop leg is stopIcebergQty, not belowIcebergQty.
    old = {
        "symbol": "BTCUSDT", "side": "SELL", "quantity": "0.01", "price": "62000",
        "stopPrice": "57000", "stopLimitPrice": "56000", "stopLimitTimeInForce": "FOK",
        "stopIcebergQty": "0.001",
    }  # fmt: skip
    msg = (
        "Parameter 'stopIcebergQty' is not supported if aboveTimeInForce/belowTimeInForce "
        "is not GTC."
    )
    await probe.refused("/v3/order/oco", old, -1160, msg)


async def test_an_unsupported_leg_type_is_refused_before_the_leg_kinds(probe: Probe) -> None:
    # errors.md, -1158 "Order type not supported in OCO." (rest-api.md: aboveType / belowType
    # supported values), before any rule about where a supported type may be.
    limit_leg = {"Type": "LIMIT", "Price": "62000", "TimeInForce": "GTC"}
    params = _oco("SELL", limit_leg, _maker("58000"))
    await probe.refused(OCO, params, -1158, "Order type not supported in OCO.")


async def test_the_eleventh_amend_of_an_order_is_refused_with_2038(probe: Probe) -> None:
    # filters.md, MAX_NUM_ORDER_AMENDS (10 here): "If there are too many order amendments
    # made on a single order, you will receive the -2038 error code"; errors.md's message.
    order = {"symbol": LOT, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    await probe.place(
        "/v3/order", {**order, "quantity": "1", "price": "9", "newClientOrderId": "am"}
    )
    for i in range(1, 11):
        amend = {"symbol": LOT, "origClientOrderId": "am", "newQty": f"{1 - i / 100:.2f}"}
        await probe.place(AMEND, {**amend, "newClientOrderId": "am"}, method="PUT")
    eleventh = {"symbol": LOT, "origClientOrderId": "am", "newQty": "0.80"}
    msg = "Filter failure: MAX_NUM_ORDER_AMENDS"
    await probe.refused(AMEND, eleventh, -2038, msg, method="PUT")


async def test_both_orders_of_an_oco_count_in_max_num_orders(probe: Probe) -> None:
    # rest-api.md, New Order list - OCO: "OCOs add 2 orders to the EXCHANGE_MAX_ORDERS filter
    # and the MAX_NUM_ORDERS filter" (LOTUSDT: 4); CHANGELOG 2025-08-12: lists over the
    # order count filters are no longer accepted.
    buy = {"symbol": LOT, "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "1"}
    oco = {
        **_oco("SELL", _maker("11.00"), _stop("STOP_LOSS", "9.00")),
        "symbol": LOT,
        "quantity": "1",
    }
    for price in ("8.00", "8.10"):
        await probe.place("/v3/order", {**buy, "price": price})
    placed = await probe.place(OCO, oco)  # 2 + 2 = 4
    await probe.place(
        "/v3/orderList", {"symbol": LOT, "orderListId": placed["orderListId"]}, method="DELETE"
    )
    await probe.place("/v3/order", {**buy, "price": "8.20"})
    await probe.refused(OCO, oco, -1013, "Filter failure: MAX_NUM_ORDERS")  # 3 + 2 > 4
