"""Filters and parameter checks: Binance's codes and messages, and nothing changes on refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.testing.sim import BTC, START, limit, make_exchange, market
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from oms.wire.rest import LotSizeFilter, NewOrderFull, PriceFilter
from transports.sim.config import SimConfig, make_symbol
from transports.sim.errors import SimError

from .support import D, Z

BUY, SELL = Side.BUY, Side.SELL


def _refusal(
    order: NewOrder, *, config: SimConfig | None = None, open_orders: int = 0
) -> tuple[int, str]:
    ex, _ = make_exchange("a", config=config)
    for i in range(open_orders):
        ex.place_order("a", limit(BUY, "0.001", str(50000 + i)))
    ex.drain_events("a")
    with pytest.raises(SimError) as err:
        ex.place_order("a", order)
    # A refusal leaves no trace: no event, no lock, no order.
    assert ex.drain_events("a") == []
    assert ex.balance("a", "BTC") == (START["BTC"], Z)
    assert len(ex.open_orders("a")) == open_orders
    # order/test runs the same checks (rest-api.md, Test new order).
    with pytest.raises(SimError) as again:
        ex.test_order("a", order)
    assert (again.value.code, again.value.msg) == (err.value.code, err.value.msg)
    return err.value.code, err.value.msg


@pytest.mark.parametrize(
    ("order", "name"),
    [
        (limit(BUY, "0.001", "50000.001"), "PRICE_FILTER"),  # off the tick
        (limit(BUY, "0.001", "2000000"), "PRICE_FILTER"),  # above maxPrice
        (limit(BUY, "0.001", "400000"), "PERCENT_PRICE_BY_SIDE"),  # > 5x reference
        (limit(SELL, "0.001", "10000"), "PERCENT_PRICE_BY_SIDE"),  # < 0.2x reference
        (limit(BUY, "0.000015", "50000"), "LOT_SIZE"),  # off the step
        (limit(BUY, "0.000001", "50000"), "LOT_SIZE"),  # below minQty
        (limit(BUY, "9001", "50000"), "LOT_SIZE"),  # above maxQty
        (market(BUY, "101"), "MARKET_LOT_SIZE"),  # above the market maxQty
        (limit(BUY, "0.00001", "50000"), "NOTIONAL"),  # 0.5 USDT < 5
        (market(BUY, "0.00001"), "NOTIONAL"),  # applyMinToMarket at the reference price
        (market(BUY, quote="4"), "NOTIONAL"),
        (limit(BUY, "0.001", "400", symbol="BNBUSDT"), "MIN_NOTIONAL"),  # legacy filter
        (market(BUY, "0.001", symbol="BNBUSDT"), "MIN_NOTIONAL"),  # applyToMarket
    ],
)
def test_filter_failures(order: NewOrder, name: str) -> None:
    assert _refusal(order) == (-1013, f"Filter failure: {name}")


def test_max_num_orders() -> None:
    cfg = SimConfig(symbols=(make_symbol(BTC, "BTC", "USDT", max_num_orders=3),))
    assert _refusal(limit(BUY, "0.001", "50100"), config=cfg, open_orders=3) == (
        -1013,
        "Filter failure: MAX_NUM_ORDERS",
    )


def test_max_notional_applies_to_limit_only() -> None:
    cfg = SimConfig(symbols=(make_symbol(BTC, "BTC", "USDT", max_qty="900000"),))
    assert _refusal(limit(BUY, "200", "50000"), config=cfg) == (-1013, "Filter failure: NOTIONAL")


def test_max_notional_skips_market_orders_without_apply_flag() -> None:
    cfg = SimConfig(
        symbols=(make_symbol(BTC, "BTC", "USDT", max_qty="900000", market_max_qty="900000"),)
    )
    ex, _ = make_exchange("m", config=cfg)
    ex.create_account("whale", {"BTC": D("300"), "USDT": D("0")})
    ex.place_order("m", limit(BUY, "10", "50000"))
    with pytest.raises(SimError) as err:  # 200 * 50000 > maxNotional 9000000
        ex.place_order("whale", limit(SELL, "200", "50000"))
    assert err.value.msg == "Filter failure: NOTIONAL"
    # applyMaxToMarket is false: 200 * reference 60000 is not checked against the maximum.
    r = ex.place_order("whale", market(SELL, "200"))
    assert isinstance(r, NewOrderFull) and r.executed_qty == D("10")


@pytest.mark.parametrize(
    ("order", "code", "msg"),
    [
        (
            NewOrder(
                symbol=BTC, side=BUY, order_type=OrderType.LIMIT, quantity=D("1"), price=D("1")
            ),
            -1102,
            "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.",
        ),
        (
            NewOrder(symbol=BTC, side=BUY, order_type=OrderType.MARKET),
            -1102,
            "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
        ),
        (
            NewOrder(
                symbol=BTC, side=BUY, order_type=OrderType.MARKET, quantity=D("1"), price=D("1")
            ),
            -1106,
            "Parameter 'price' sent when not required.",
        ),
        (
            NewOrder(
                symbol=BTC,
                side=BUY,
                order_type=OrderType.MARKET,
                quantity=D("1"),
                time_in_force=TimeInForce.GTC,
            ),
            -1114,
            "TimeInForce parameter sent when not required.",
        ),
        (limit(BUY, "0.000000001", "50000"), -1111, "Parameter 'quantity' has too much precision."),
        (limit(BUY, "-1", "50000"), -1100, None),
        (limit(BUY, "0.001", "50000", cid="bad id!"), -1100, None),
        # A stop order needs stopPrice or trailingDelta (rest-api.md, New order).
        (
            NewOrder(symbol=BTC, side=BUY, order_type=OrderType.STOP_LOSS, quantity=D("1")),
            -1102,
            "Param 'stopPrice' or 'trailingDelta' must be sent, but both were empty/null!",
        ),
        (limit(BUY, "0.001", "50000", symbol="DOGEUSDT"), -1121, "Invalid symbol."),
    ],
)
def test_parameter_errors(order: NewOrder, code: int, msg: str | None) -> None:
    got_code, got_msg = _refusal(order)
    assert got_code == code
    if msg is not None:
        assert got_msg == msg
    else:
        assert "legal range is" in got_msg


def test_default_symbols_look_like_exchange_info() -> None:
    ex, _ = make_exchange()
    info = ex.exchange_info()
    assert [s.symbol for s in info.symbols] == ["BTCUSDT", "ETHUSDT", "BNBUSDT"]
    steps = {}
    for s in info.symbols:
        price, lot = s.filter(PriceFilter), s.filter(LotSizeFilter)
        assert price is not None and lot is not None
        assert price.tick_size == Decimal("0.01")
        steps[s.symbol] = lot.step_size
    assert steps == {"BTCUSDT": D("0.00001"), "ETHUSDT": D("0.0001"), "BNBUSDT": D("0.001")}
    assert [s.symbol for s in ex.exchange_info(["ETHUSDT"]).symbols] == ["ETHUSDT"]
    with pytest.raises(SimError) as err:
        ex.exchange_info(["NOPE"])
    assert err.value.code == -1121


def test_test_order_changes_nothing() -> None:
    ex, _ = make_exchange("a")
    ex.test_order("a", limit(BUY, "0.1", "50000"))
    assert ex.open_orders("a") == [] and ex.drain_events("a") == []
    assert ex.balance("a", "USDT") == (START["USDT"], Z)
