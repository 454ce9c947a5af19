"""Pre-trade checks refuse with the rule and the nearest valid value."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.checks import SymbolRules, check_order, round_price, round_quantity
from oms.errors import OrderValidationError
from oms.wire.enums import OrderType, Side
from oms.wire.money import is_multiple
from oms.wire.rest import SymbolInfo

BTCUSDT = SymbolInfo(
    symbol="BTCUSDT",
    base_asset="BTC",
    quote_asset="USDT",
    filters=(
        {
            "filterType": "PRICE_FILTER",
            "minPrice": "0.01",
            "maxPrice": "1000000.00",
            "tickSize": "0.01",
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": "0.00001",
            "maxQty": "9000.00000",
            "stepSize": "0.00001",
        },
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": "0.00000",
            "maxQty": "100.00000",
            "stepSize": "0.00000",
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": "5.00",
            "applyMinToMarket": True,
            "maxNotional": "9000000.00",
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
    ),
)
RULES = SymbolRules.from_symbol(BTCUSDT)


def refuse(**kw: object) -> OrderValidationError:
    args: dict[str, object] = {
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "price": D("100"),
        "quantity": D("1"),
    }
    args.update(kw)
    with pytest.raises(OrderValidationError) as info:
        check_order(RULES, **args)  # type: ignore[arg-type]
    return info.value


def test_rules_are_typed_from_exchange_info() -> None:
    assert RULES.price is not None and RULES.price.tick_size == D("0.01")
    assert RULES.lot is not None and RULES.lot.step_size == D("0.00001")
    assert RULES.notional is not None and RULES.notional.apply_min_to_market


def test_valid_limit_order_passes() -> None:
    check_order(
        RULES, side=Side.BUY, order_type=OrderType.LIMIT, quantity=D("0.001"), price=D("50000.01")
    )


def test_off_tick_price_names_rule_and_nearest() -> None:
    err = refuse(price=D("100.005"))
    assert err.rule == "PRICE_FILTER" and err.suggestion == "100.00"
    assert "tickSize 0.01" in str(err)
    err = refuse(price=D("100.005"), side=Side.SELL)
    assert err.suggestion == "100.01"


def test_off_step_quantity() -> None:
    err = refuse(quantity=D("0.000015"))
    assert err.rule == "LOT_SIZE" and err.suggestion == "0.00001"


def test_below_min_quantity() -> None:
    err = refuse(quantity=D("0.000001"))
    assert err.rule == "LOT_SIZE" and err.suggestion == "0.00001"


def test_below_min_notional_suggests_smallest_quantity() -> None:
    err = refuse(quantity=D("0.01"), price=D("100"))
    assert err.rule == "NOTIONAL"
    assert err.suggestion == "0.05000"


def test_market_order_notional_uses_reference_price() -> None:
    err = refuse(
        order_type=OrderType.MARKET, price=None, quantity=D("0.00001"), reference_price=D("1000")
    )
    assert err.rule == "NOTIONAL"
    check_order(
        RULES,
        side=Side.BUY,
        order_type=OrderType.MARKET,
        quantity=D("0.01"),
        price=None,
        reference_price=D("1000"),
    )


def test_insufficient_free_balance() -> None:
    err = refuse(quantity=D("1"), price=D("100"), free_balance=D("99.99"))
    assert err.rule == "BALANCE" and err.suggestion == "99.99"
    err = refuse(side=Side.SELL, quantity=D("2"), price=D("100"), free_balance=D("1.5"))
    assert err.rule == "BALANCE" and "BTC" in str(err)


def test_limit_without_price_is_refused() -> None:
    assert refuse(price=None).rule == "price"


@given(st.decimals(min_value=D("0.01"), max_value=D("100000"), places=6))
def test_round_price_lands_on_tick(price: D) -> None:
    for side in (Side.BUY, Side.SELL, None):
        rounded = round_price(RULES, price, side=side)
        assert is_multiple(rounded, D("0.01"))
        assert abs(rounded - price) < D("0.01")
    assert (
        round_price(RULES, price, side=Side.BUY)
        <= price
        <= round_price(RULES, price, side=Side.SELL)
    )


@given(st.decimals(min_value=D("0.00001"), max_value=D("100"), places=8))
def test_round_quantity_never_exceeds_request(qty: D) -> None:
    rounded = round_quantity(RULES, qty)
    assert rounded <= qty and is_multiple(rounded, D("0.00001"))
    if rounded * 1000 >= 5:  # the rounded quantity passes LOT_SIZE when notional allows
        check_order(
            RULES, side=Side.SELL, order_type=OrderType.LIMIT, quantity=rounded, price=D("1000")
        )


def test_market_orders_obey_lot_size_too() -> None:
    """LOT_SIZE applies to MARKET orders as well as MARKET_LOT_SIZE (filters.md,
    MARKET_LOT_SIZE)."""
    err = refuse(
        order_type=OrderType.MARKET, price=None, quantity=D("0.000015"), reference_price=D("1000")
    )
    assert err.rule == "LOT_SIZE" and err.suggestion == "0.00001"
    err = refuse(
        order_type=OrderType.MARKET, price=None, quantity=D("150"), reference_price=D("1000")
    )
    assert err.rule == "MARKET_LOT_SIZE" and err.suggestion == "100.00000"


def test_market_rounding_satisfies_both_lot_filters() -> None:
    info = msgspec.structs.replace(
        BTCUSDT,
        filters=(
            *BTCUSDT.filters[:2],
            {"filterType": "MARKET_LOT_SIZE", "minQty": "0", "maxQty": "100", "stepSize": "0.0004"},
        ),
    )
    rules = SymbolRules.from_symbol(info)
    rounded = round_quantity(rules, D("0.12345"), market=True)
    assert is_multiple(rounded, D("0.00001")) and is_multiple(rounded, D("0.0004"))
    assert rounded <= D("0.12345")
    check_order(rules, side=Side.SELL, order_type=OrderType.MARKET, quantity=rounded, price=None)
