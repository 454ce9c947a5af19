"""Issue 13, item 7: pre-trade checks of the advanced orders' filters (filters.md,
TRAILING_DELTA, ICEBERG_PARTS, MAX_NUM_ALGO_ORDERS, MAX_NUM_ORDER_LISTS; PRICE_FILTER on
``stopPrice``) and of which parameters each type takes (rest-api.md, New order), with the
exact messages and suggestions."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from oms.core.checks import SymbolRules, check_list_count, check_spec
from oms.core.spec import OrderSpec
from oms.errors import OrderValidationError
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.rest import (
    IcebergPartsFilter,
    MaxNumAlgoOrdersFilter,
    MaxNumOrderListsFilter,
    PriceFilter,
    TrailingDeltaFilter,
)

D = Decimal
msgspec_replace = msgspec.structs.replace
RULES = SymbolRules(
    symbol="BTCUSDT",
    base_asset="BTC",
    quote_asset="USDT",
    price=PriceFilter(
        filter_type="PRICE_FILTER", min_price=D("0.01"), max_price=D("1000000"), tick_size=D("0.01")
    ),
    trailing=TrailingDeltaFilter(
        filter_type="TRAILING_DELTA",
        min_trailing_above_delta=10,
        max_trailing_above_delta=2000,
        min_trailing_below_delta=20,
        max_trailing_below_delta=1000,
    ),
    iceberg=IcebergPartsFilter(filter_type="ICEBERG_PARTS", limit=10),
    max_algo=MaxNumAlgoOrdersFilter(filter_type="MAX_NUM_ALGO_ORDERS", max_num_algo_orders=5),
    max_lists=MaxNumOrderListsFilter(filter_type="MAX_NUM_ORDER_LISTS", max_num_order_lists=20),
)


def _spec(kind: OrderType, side: Side = Side.SELL, **fields: object) -> OrderSpec:
    return OrderSpec(symbol="BTCUSDT", side=side, order_type=kind, quantity=D("1"),
                     **fields)  # type: ignore[arg-type]  # fmt: skip


def _refusal(spec: OrderSpec, **kw: object) -> OrderValidationError:
    with pytest.raises(OrderValidationError) as refused:
        check_spec(RULES, spec, **kw)  # type: ignore[arg-type]
    return refused.value


# (type, side, delta, the bounds' pair): above for STOP_LOSS BUY / TAKE_PROFIT SELL and their
# _LIMIT types, below for the others (filters.md, TRAILING_DELTA).
PAIRS = [
    (OrderType.STOP_LOSS, Side.BUY, "Above", 10, 2000),
    (OrderType.STOP_LOSS_LIMIT, Side.BUY, "Above", 10, 2000),
    (OrderType.TAKE_PROFIT, Side.SELL, "Above", 10, 2000),
    (OrderType.TAKE_PROFIT_LIMIT, Side.SELL, "Above", 10, 2000),
    (OrderType.STOP_LOSS, Side.SELL, "Below", 20, 1000),
    (OrderType.STOP_LOSS_LIMIT, Side.SELL, "Below", 20, 1000),
    (OrderType.TAKE_PROFIT, Side.BUY, "Below", 20, 1000),
    (OrderType.TAKE_PROFIT_LIMIT, Side.BUY, "Below", 20, 1000),
]


@pytest.mark.parametrize(("kind", "side", "pair", "low", "high"), PAIRS)
def test_trailing_delta_bounds_by_side_and_stop_kind(
    kind: OrderType, side: Side, pair: str, low: int, high: int
) -> None:
    extra: dict[str, object] = {}
    if kind.value.endswith("_LIMIT"):
        extra = {"price": D("100.00"), "time_in_force": TimeInForce.GTC}
    for delta in (low, high):
        check_spec(RULES, _spec(kind, side, trailing_delta=delta, **extra))
    below = _refusal(_spec(kind, side, trailing_delta=low - 1, **extra))
    assert below.rule == "TRAILING_DELTA" and below.suggestion == str(low)
    assert str(below) == (
        f"trailing delta {low - 1} of a {kind} {side} is below minTrailing{pair}Delta {low}; "
        f"nearest valid value is {low}"
    )
    above = _refusal(_spec(kind, side, trailing_delta=high + 1, **extra))
    assert above.rule == "TRAILING_DELTA" and above.suggestion == str(high)
    assert str(above) == (
        f"trailing delta {high + 1} of a {kind} {side} is above maxTrailing{pair}Delta "
        f"{high}; nearest valid value is {high}"
    )


def test_iceberg_parts_is_the_ceiling_of_quantity_over_iceberg_qty() -> None:
    limit = _spec(OrderType.LIMIT, price=D("100.00"), time_in_force=TimeInForce.GTC)
    check_spec(RULES, msgspec_replace(limit, iceberg_qty=D("0.1")))  # exactly 10 parts
    refused = _refusal(msgspec_replace(limit, iceberg_qty=D("0.09")))  # ceil(11.1) = 12
    assert refused.rule == "ICEBERG_PARTS" and refused.suggestion == "0.1"
    assert str(refused) == (
        "iceberg quantity 0.09 splits 1 into 12 parts, above ICEBERG_PARTS limit 10; "
        "smallest valid iceberg quantity is 0.1"
    )
    zero = _refusal(msgspec_replace(limit, iceberg_qty=D("0")))
    assert (zero.rule, str(zero)) == ("icebergQty", "iceberg quantity 0 must be positive")


def test_stop_price_required_for_stop_types_and_refused_elsewhere() -> None:
    for kind in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT):
        refused = _refusal(_spec(kind))
        assert (refused.rule, str(refused)) == (
            "stopPrice",
            f"a {kind} order needs a stop price or a trailing delta",
        )
        check_spec(RULES, _spec(kind, stop_price=D("90.00")))
        check_spec(RULES, _spec(kind, trailing_delta=100))  # trailing without activation
    limit = _spec(OrderType.LIMIT, price=D("100.00"), time_in_force=TimeInForce.GTC,
                  stop_price=D("90.00"))  # fmt: skip
    refused = _refusal(limit)
    assert (refused.rule, str(refused)) == ("stopPrice", "a LIMIT order takes no stop price")
    market = _refusal(_spec(OrderType.MARKET, trailing_delta=100))
    assert (market.rule, str(market)) == ("trailingDelta", "a MARKET order takes no trailing delta")
    # PRICE_FILTER applies to stopPrice (filters.md, PRICE_FILTER: "price/stopPrice").
    tick = _refusal(_spec(OrderType.STOP_LOSS, stop_price=D("90.005")))
    assert tick.rule == "PRICE_FILTER" and tick.suggestion == "90.01"
    assert str(tick) == (
        "stopPrice 90.005 is not a multiple of tickSize 0.01; nearest valid value is 90.01"
    )


def test_time_in_force_on_market_is_refused() -> None:
    refused = _refusal(_spec(OrderType.MARKET, time_in_force=TimeInForce.GTC))
    assert (refused.rule, str(refused)) == (
        "timeInForce",
        "a MARKET order takes no time in force (got GTC)",
    )
    check_spec(RULES, _spec(OrderType.MARKET))


def test_algo_and_list_counts_when_known() -> None:
    stop = _spec(OrderType.STOP_LOSS, stop_price=D("90.00"))
    check_spec(RULES, stop, open_algo_orders=4)
    check_spec(RULES, stop)  # unknown counts are not checked
    refused = _refusal(stop, open_algo_orders=5)
    assert refused.rule == "MAX_NUM_ALGO_ORDERS" and refused.suggestion == "0"
    assert str(refused) == (
        "5 open algo orders on the symbol, 1 more would pass MAX_NUM_ALGO_ORDERS 5"
    )
    # A LIMIT is no algo order: the count does not concern it.
    check_spec(RULES, _spec(OrderType.LIMIT, price=D("100.00"), time_in_force=TimeInForce.GTC),
               open_algo_orders=5)  # fmt: skip
    check_list_count(RULES, 19, open_algo_orders=4, new_algo_orders=1)
    with pytest.raises(OrderValidationError) as lists:
        check_list_count(RULES, 20)
    assert lists.value.rule == "MAX_NUM_ORDER_LISTS"
    assert str(lists.value) == (
        "20 open order lists on the symbol, 1 more would pass MAX_NUM_ORDER_LISTS 20"
    )
    with pytest.raises(OrderValidationError) as algo:
        check_list_count(RULES, 0, open_algo_orders=4, new_algo_orders=2)
    assert str(algo.value) == (
        "4 open algo orders on the symbol, 2 more would pass MAX_NUM_ALGO_ORDERS 5"
    )
    assert algo.value.suggestion == "1"
