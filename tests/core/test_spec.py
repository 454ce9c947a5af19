"""OrderSpec -> NewOrder: the one mapping copies every field by name."""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.core.spec import OrderSpec, new_order_request
from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.requests import NewOrder


def test_every_sent_field_of_the_spec_is_a_request_field() -> None:
    sent = set(OrderSpec.__struct_fields__) - {"list_client_order_id"}
    assert sent <= set(NewOrder.__struct_fields__)


def test_a_stop_limit_spec_becomes_its_request() -> None:
    spec = OrderSpec(
        symbol="BTCUSDT",
        side=Side.SELL,
        order_type=OrderType.STOP_LOSS_LIMIT,
        quantity=Decimal("0.5"),
        price=Decimal("59000.00"),
        stop_price=Decimal("59500.00"),
        trailing_delta=150,
        time_in_force=TimeInForce.GTC,
        iceberg_qty=Decimal("0.1"),
        self_trade_prevention_mode=SelfTradePreventionMode.EXPIRE_MAKER,
        strategy_id=7,
        strategy_type=1000000,
        list_client_order_id="L1",
    )
    request = new_order_request(spec, "c1", OrderResponseType.FULL)
    assert request.client_order_id == "c1"
    assert request.response_type is OrderResponseType.FULL
    for name in set(OrderSpec.__struct_fields__) - {"list_client_order_id"}:
        assert getattr(request, name) == getattr(spec, name), name
    assert ("stopPrice", "59500.00") in request.params()
    assert ("trailingDelta", "150") in request.params()


def test_the_spec_round_trips_through_json() -> None:
    spec = OrderSpec(
        symbol="BTCUSDT",
        side=Side.BUY,
        order_type=OrderType.MARKET,
        quote_order_qty=Decimal("10.5"),
    )
    raw = msgspec.json.encode(spec)
    assert b"price" not in raw  # defaults omitted
    assert msgspec.json.decode(raw, type=OrderSpec) == spec
