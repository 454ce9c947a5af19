"""What a single new order is refused for, with which code and message, over REST and the
WebSocket API of the local server (``tests/server/order_rules.py``), and the boundaries that
must pass: filters.md (each symbol filter's rule, bounds inclusive), errors.md (the -11xx
parameter errors, "Filter failure: NAME", the -2010 matching-engine messages), rest-api.md,
New order and Test new order (mandatory parameters per type, icebergQty, strategyType,
newClientOrderId), faqs/stp_faq.md (allowedSelfTradePreventionModes), and errors.md's
quote-quantity liquidity messages. Every refusal is checked to leave no trace."""

from __future__ import annotations

from typing import Any

import pytest

from oms.testing.sim import limit, market
from oms.wire.enums import Side
from tests.server.conftest import ServeFactory
from tests.server.order_rules import LOT, POS, Probe, serve_rules


def _limit(
    qty: str, price: str, side: str = "BUY", symbol: str = "BTCUSDT", **extra: Any
) -> dict[str, Any]:
    return {
        "symbol": symbol, "side": side, "type": "LIMIT", "timeInForce": "GTC",
        "quantity": qty, "price": price, **extra,
    }  # fmt: skip


def _market(symbol: str = "BTCUSDT", side: str = "BUY", **extra: Any) -> dict[str, Any]:
    return {"symbol": symbol, "side": side, "type": "MARKET", **extra}


def _stop(side: str, **extra: Any) -> dict[str, Any]:
    return {"symbol": "BTCUSDT", "side": side, "type": "STOP_LOSS", "quantity": "0.01", **extra}


def _failure(name: str) -> tuple[int, str]:
    return -1013, f"Filter failure: {name}"


@pytest.fixture
async def probe(serve: ServeFactory) -> Probe:
    return await Probe(await serve_rules(serve)).start()


# (accepted at the boundary, refused just past it, the filter) - filters.md; sent to order/test,
# which "Creates and validates a new order" with the same checks (rest-api.md, Test new order).
BOUNDARIES = [
    # PRICE_FILTER: a multiple of tickSize 0.01 passes, a price off the tick fails.
    (_limit("0.10", "10.01", symbol=LOT), _limit("0.10", "10.005", symbol=LOT), "PRICE_FILTER"),
    # PRICE_FILTER applies to stopPrice too ("price/stopPrice", filters.md).
    (_stop("SELL", stopPrice="59000.01"), _stop("SELL", stopPrice="59000.005"), "PRICE_FILTER"),
    # minPrice 0.01: a price of 0 fails PRICE_FILTER (the first filter checked).
    (_limit("0.10", "20.00", symbol=LOT), _limit("0.10", "0.00", symbol=LOT), "PRICE_FILTER"),
    # PERCENT_PRICE (POSUSDT): 10 * 0.7 <= price <= 10 * 1.3, on either side.
    (_limit("1", "13.00", symbol=POS), _limit("1", "13.01", symbol=POS), "PERCENT_PRICE"),
    (
        _limit("1", "7.00", side="SELL", symbol=POS),
        _limit("1", "6.99", side="SELL", symbol=POS),
        "PERCENT_PRICE",
    ),
    # PERCENT_PRICE_BY_SIDE: reference 60000, multipliers 5 and 0.2, both bounds inclusive.
    (_limit("0.0001", "300000.00"), _limit("0.0001", "300000.01"), "PERCENT_PRICE_BY_SIDE"),
    (_limit("0.001", "12000.00"), _limit("0.001", "11999.99"), "PERCENT_PRICE_BY_SIDE"),
    (
        _limit("0.001", "12000.00", side="SELL"),
        _limit("0.001", "11999.99", side="SELL"),
        "PERCENT_PRICE_BY_SIDE",
    ),
    # LOT_SIZE: minQty 0.10 (and NOTIONAL's 0.5 exactly at 5.00), maxQty 1000, stepSize 0.01.
    (_limit("0.10", "5.00", symbol=LOT), _limit("0.09", "6.00", symbol=LOT), "LOT_SIZE"),
    (_limit("1000", "10.00", symbol=LOT), _limit("1000.01", "10.00", symbol=LOT), "LOT_SIZE"),
    (_limit("0.11", "10.00", symbol=LOT), _limit("0.115", "10.00", symbol=LOT), "LOT_SIZE"),
    (_limit("0.10", "5.00", symbol=LOT), _limit("0", "5.00", symbol=LOT), "LOT_SIZE"),
    # NOTIONAL: price * quantity >= minNotional 0.5.
    (_limit("0.10", "5.00", symbol=LOT), _limit("0.10", "4.99", symbol=LOT), "NOTIONAL"),
    # ... and <= maxNotional 9000000 (BTCUSDT).
    (_limit("150", "60000.00"), _limit("150.00001", "60000.00"), "NOTIONAL"),
    # MIN_NOTIONAL (BNBUSDT's legacy filter): 0.01 * 500 = 5 = minNotional.
    (
        _limit("0.01", "500.00", symbol="BNBUSDT"),
        _limit("0.01", "499.99", symbol="BNBUSDT"),
        "MIN_NOTIONAL",
    ),
    # MARKET_LOT_SIZE: maxQty 500 for MARKET orders (LOT_SIZE allows 1000).
    (_market(LOT, quantity="500"), _market(LOT, quantity="500.01"), "MARKET_LOT_SIZE"),
    # NOTIONAL applyMinToMarket: the reference price stands for the price (filters.md).
    (_market(quantity="0.00009"), _market(quantity="0.00008"), "NOTIONAL"),
    # ... and a quoteOrderQty MARKET order's notional is its quoteOrderQty.
    (_market(quoteOrderQty="5"), _market(quoteOrderQty="4.99"), "NOTIONAL"),
    # ICEBERG_PARTS: CEIL(qty / icebergQty) <= limit 100.
    (
        _limit("0.1", "59000", icebergQty="0.001"),
        _limit("0.1", "59000", icebergQty="0.00099"),
        "ICEBERG_PARTS",
    ),
    # TRAILING_DELTA: 10 .. 2000 BIPS, below (STOP_LOSS SELL) and above (STOP_LOSS BUY).
    (_stop("SELL", trailingDelta="10"), _stop("SELL", trailingDelta="9"), "TRAILING_DELTA"),
    (_stop("SELL", trailingDelta="2000"), _stop("SELL", trailingDelta="2001"), "TRAILING_DELTA"),
    (_stop("BUY", trailingDelta="10"), _stop("BUY", trailingDelta="9"), "TRAILING_DELTA"),
    (_stop("BUY", trailingDelta="2000"), _stop("BUY", trailingDelta="2001"), "TRAILING_DELTA"),
]


@pytest.mark.parametrize(("ok", "bad", "name"), BOUNDARIES)
async def test_each_filter_passes_at_its_bound_and_fails_past_it(
    probe: Probe, ok: dict[str, Any], bad: dict[str, Any], name: str
) -> None:
    await probe.tested(ok)
    code, msg = _failure(name)
    await probe.refused("/v3/order/test", bad, code, msg)
    await probe.refused("/v3/order", bad, code, msg)


async def test_an_stp_mode_the_symbol_does_not_allow(probe: Probe) -> None:
    # faqs/stp_faq.md: with allowedSelfTradePreventionModes NONE, EXPIRE_TAKER, EXPIRE_BOTH,
    # "If a user tries to specify EXPIRE_MAKER ... -1013 This symbol does not allow the
    # specified self-trade prevention mode."
    msg = "This symbol does not allow the specified self-trade prevention mode."
    bad = _limit("1", "10.00", symbol=LOT, selfTradePreventionMode="EXPIRE_MAKER")
    await probe.refused("/v3/order", bad, -1013, msg)
    await probe.refused("/v3/order/test", bad, -1013, msg)
    await probe.tested({**bad, "selfTradePreventionMode": "EXPIRE_BOTH"})


def _mandatory(name: str) -> tuple[int, str]:
    return -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."


def _not_required(name: str) -> tuple[int, str]:
    return -1106, f"Parameter '{name}' sent when not required."


TIF_NOT_REQUIRED = (-1114, "TimeInForce parameter sent when not required.")
LIMIT = _limit("0.01", "59000")
# rest-api.md, New order ("Additional mandatory parameters based on order type", the
# parameter table) and errors.md, 11xx: each malformed request and its documented refusal.
MALFORMED = [
    ({k: v for k, v in LIMIT.items() if k != "timeInForce"}, _mandatory("timeInForce")),
    ({k: v for k, v in LIMIT.items() if k != "price"}, _mandatory("price")),
    ({k: v for k, v in LIMIT.items() if k != "quantity"}, _mandatory("quantity")),
    ({**LIMIT, "quantity": ""}, _mandatory("quantity")),
    (
        _market(),
        (-1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"),
    ),
    (_market(quantity="0.01", price="59000"), _not_required("price")),
    (_market(quantity="0.01", timeInForce="GTC"), TIF_NOT_REQUIRED),
    ({**LIMIT, "type": "LIMIT_MAKER"}, TIF_NOT_REQUIRED),
    (
        _stop("SELL"),
        (-1102, "Param 'stopPrice' or 'trailingDelta' must be sent, but both were empty/null!"),
    ),
    ({**LIMIT, "stopPrice": "58000"}, _not_required("stopPrice")),
    ({**LIMIT, "trailingDelta": "100"}, _not_required("trailingDelta")),
    ({**LIMIT, "side": "HOLD"}, (-1117, "Invalid side.")),
    ({**LIMIT, "type": "LIMIT_TAKER"}, (-1116, "Invalid orderType.")),
    ({**LIMIT, "timeInForce": "GTD"}, (-1115, "Invalid timeInForce.")),
    ({**LIMIT, "symbol": "NOPEUSDT"}, (-1121, "Invalid symbol.")),
    ({**LIMIT, "quantity": "0.000000001"}, (-1111, "Parameter 'quantity' has too much precision.")),
    ({**LIMIT, "strategyType": "999999"}, (-1134, "`strategyType` was less than 1000000.")),
    (
        {**LIMIT, "newClientOrderId": "x" * 37},
        (
            -1100,
            "Illegal characters found in parameter 'newClientOrderId'; legal range is "
            "'^[a-zA-Z0-9-_]{1,36}$'.",
        ),
    ),
    # errors.md, -2010 messages: "Unsupported order combination" (timeInForce with icebergQty,
    # rest-api.md: "Any order with an icebergQty MUST have timeInForce set to GTC") and
    # "IcebergQty exceeds QTY." ("icebergQty must be less than the order quantity").
    (
        {**LIMIT, "timeInForce": "IOC", "icebergQty": "0.001"},
        (-2010, "Unsupported order combination"),
    ),
    ({**LIMIT, "icebergQty": "0.01"}, (-2010, "IcebergQty exceeds QTY.")),
    # No simulated symbol has pegInstructionsAllowed (exchangeInfo says false): errors.md.
    (
        {**LIMIT, "pegPriceType": "PRIMARY_PEG"},
        (-2010, "Pegged orders are not supported for this symbol."),
    ),
]


@pytest.mark.parametrize(("params", "expected"), MALFORMED)
async def test_malformed_orders_are_refused_alike_on_both_transports(
    probe: Probe, params: dict[str, Any], expected: tuple[int, str]
) -> None:
    await probe.refused("/v3/order", params, *expected)
    await probe.refused("/v3/order/test", params, *expected)


async def test_the_documented_limits_of_strategy_type_and_client_ids_are_inclusive(
    probe: Probe,
) -> None:
    await probe.tested({**LIMIT, "strategyType": "1000000", "newClientOrderId": "x" * 36})


async def test_matching_engine_refusals(probe: Probe) -> None:
    h = probe.h
    # errors.md, -2010: "Duplicate order sent." - the client id of an open order.
    await probe.place("/v3/order", {**LIMIT, "newClientOrderId": "mine"})
    dup = {**LIMIT, "price": "58000", "newClientOrderId": "mine"}
    await probe.refused("/v3/order", dup, -2010, "Duplicate order sent.")
    # "Order would immediately match and take." - a LIMIT_MAKER that would trade.
    h.exchange.place_order("bob", limit(Side.SELL, "0.01", "60000"))
    maker = {**LIMIT, "type": "LIMIT_MAKER", "price": "60000"}
    del maker["timeInForce"]
    await probe.refused("/v3/order", maker, -2010, "Order would immediately match and take.")
    await probe.place("/v3/order", {**maker, "price": "59999.99"})  # one tick less rests
    # "Order would trigger immediately." - a STOP_LOSS BUY at or under the last price.
    stop = _stop("BUY", stopPrice="60000")
    await probe.refused("/v3/order", stop, -2010, "Order would trigger immediately.")
    await probe.place("/v3/order", {**stop, "stopPrice": "60000.01"})
    # "Account has insufficient balance for requested action."
    big = _limit("17", "59000")  # 1003000 USDT > 1000000
    msg = "Account has insufficient balance for requested action."
    await probe.refused("/v3/order", big, -2010, msg)


async def test_quote_quantity_market_orders_need_liquidity(probe: Probe) -> None:
    # errors.md, -2010 messages: "Quote quantity market orders cannot be placed when there
    # are no orders on the book" / "when the order book liquidity is less than minimum
    # quantity configured for the LOT_SIZE filter" (CHANGELOG 2024-08-16).
    h = probe.h
    buy = _market(LOT, quoteOrderQty="1")
    msg = "Order book liquidity is less than symbol minimum quantity."
    await probe.refused("/v3/order", buy, -2010, msg)
    h.exchange.place_order("bob", limit(Side.SELL, "0.15", "10", symbol=LOT))
    h.exchange.place_order("carol", market(Side.BUY, "0.10", symbol=LOT))  # leaves 0.05
    msg = "Order book liquidity is less than LOT_SIZE filter minimum quantity."
    await probe.refused("/v3/order", buy, -2010, msg)
    # A quantity MARKET order is not sized from the book: it takes what there is.
    taken = await probe.place("/v3/order", _market(LOT, quantity="0.10"))
    assert (taken["status"], taken["executedQty"]) == ("EXPIRED", "0.05000000")


async def test_quote_quantity_market_orders_keep_the_quantity_filters(probe: Probe) -> None:
    # CHANGELOG 2023-07-11: "MARKET_LOT_SIZE filter now correctly rejects reverse market
    # orders that go over the symbol's maxQty" (LOTUSDT: 500); rest-api.md, New order: they
    # "will not break LOT_SIZE filter rules" (minQty 0.10: 0.99 USDT buys 0.09 at 10).
    probe.h.exchange.place_order("bob", limit(Side.SELL, "600", "10", symbol=LOT))
    await probe.refused("/v3/order", _market(LOT, quoteOrderQty="0.99"), *_failure("LOT_SIZE"))
    small = await probe.place("/v3/order", _market(LOT, quoteOrderQty="1"))
    assert (small["status"], small["executedQty"]) == ("FILLED", "0.10000000")
    over = _market(LOT, quoteOrderQty="5000.10")  # 500.01 LOT
    await probe.refused("/v3/order", over, *_failure("MARKET_LOT_SIZE"))
    done = await probe.place("/v3/order", _market(LOT, quoteOrderQty="5000"))
    assert (done["status"], done["executedQty"]) == ("FILLED", "500.00000000")


async def test_max_num_orders_counts_the_open_orders_on_the_symbol(probe: Probe) -> None:
    # filters.md, MAX_NUM_ORDERS (LOTUSDT: 4): the fourth open order passes, the fifth fails.
    for i in range(4):
        await probe.place("/v3/order", _limit("1", f"9.{i}0", symbol=LOT))
    await probe.refused("/v3/order", _limit("1", "9.50", symbol=LOT), *_failure("MAX_NUM_ORDERS"))
    await probe.refused(
        "/v3/order/test", _limit("1", "9.50", symbol=LOT), *_failure("MAX_NUM_ORDERS")
    )


async def test_max_position_counts_the_base_held_and_the_open_buys(probe: Probe) -> None:
    # filters.md, MAX_POSITION (POSUSDT: 10): position = free + locked POS + the quantity of
    # every open BUY order; a BUY that would take it past 10 fails, up to 10 passes.
    await probe.place("/v3/order", _limit("1", "12.00", side="SELL", symbol=POS))  # 3 + 1 locked
    await probe.place("/v3/order", _limit("3", "9.00", symbol=POS))  # 4 + 3
    await probe.tested(_limit("3", "9.00", symbol=POS))  # exactly 10
    over = _limit("3.01", "9.00", symbol=POS)
    await probe.refused("/v3/order", over, *_failure("MAX_POSITION"))
    await probe.refused("/v3/order/test", over, *_failure("MAX_POSITION"))
    await probe.place("/v3/order", _limit("3", "9.00", symbol=POS))
    await probe.refused("/v3/order", _limit("0.01", "9.00", symbol=POS), *_failure("MAX_POSITION"))
    # SELL orders are not limited.
    await probe.place("/v3/order", _limit("1", "12.00", side="SELL", symbol=POS))
