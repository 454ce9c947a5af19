"""Typed requests a transport carries to the exchange, and their wire parameters.

Rules:
- A request is plain frozen data; ``params()`` renders it as Binance's parameters, in a
  fixed order, with every Decimal through ``oms.wire.money.to_wire`` (never ``1E-8``).
- Optional fields that are ``None`` are not sent, so Binance applies its defaults
  (e.g. ``newOrderRespType`` FULL for MARKET/LIMIT, ACK otherwise; rest-api.md, New order).
- ``timestamp``, ``recvWindow`` and ``signature`` are the transport's business, not here.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.money import to_wire

__all__ = ["CancelOrder", "NewOrder", "Params", "QueryOrder"]

Params = list[tuple[str, str]]


class NewOrder(msgspec.Struct, frozen=True, kw_only=True):
    """``POST /api/v3/order`` / ``order.place``."""

    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal | None = None
    # MARKET only: the quote amount to spend (BUY) or receive (SELL) (rest-api.md, New order).
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    time_in_force: TimeInForce | None = None
    client_order_id: str | None = None
    response_type: OrderResponseType | None = None
    self_trade_prevention_mode: SelfTradePreventionMode | None = None
    stop_price: Decimal | None = None
    trailing_delta: int | None = None
    iceberg_qty: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None

    def params(self) -> Params:
        out: Params = [
            ("symbol", self.symbol),
            ("side", self.side.value),
            ("type", self.order_type.value),
        ]
        if self.time_in_force is not None:
            out.append(("timeInForce", self.time_in_force.value))
        if self.quantity is not None:
            out.append(("quantity", to_wire(self.quantity)))
        if self.quote_order_qty is not None:
            out.append(("quoteOrderQty", to_wire(self.quote_order_qty)))
        if self.price is not None:
            out.append(("price", to_wire(self.price)))
        if self.stop_price is not None:
            out.append(("stopPrice", to_wire(self.stop_price)))
        if self.trailing_delta is not None:
            out.append(("trailingDelta", str(self.trailing_delta)))
        if self.iceberg_qty is not None:
            out.append(("icebergQty", to_wire(self.iceberg_qty)))
        if self.client_order_id is not None:
            out.append(("newClientOrderId", self.client_order_id))
        if self.response_type is not None:
            out.append(("newOrderRespType", self.response_type.value))
        if self.self_trade_prevention_mode is not None:
            out.append(("selfTradePreventionMode", self.self_trade_prevention_mode.value))
        if self.strategy_id is not None:
            out.append(("strategyId", str(self.strategy_id)))
        if self.strategy_type is not None:
            out.append(("strategyType", str(self.strategy_type)))
        return out

    def effective_response_type(self) -> OrderResponseType:
        """The response shape Binance will use: FULL for MARKET/LIMIT, ACK otherwise (rest-api.md,
        New order)."""
        if self.response_type is not None:
            return self.response_type
        if self.order_type in (OrderType.MARKET, OrderType.LIMIT):
            return OrderResponseType.FULL
        return OrderResponseType.ACK


class CancelOrder(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE /api/v3/order`` / ``order.cancel``: by ``order_id`` and/or original client id."""

    symbol: str
    order_id: int | None = None
    orig_client_order_id: str | None = None
    # The id of this cancel request itself; Binance generates one when absent (rest-api.md, Cancel
    # order).
    new_client_order_id: str | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol)]
        if self.order_id is not None:
            out.append(("orderId", str(self.order_id)))
        if self.orig_client_order_id is not None:
            out.append(("origClientOrderId", self.orig_client_order_id))
        if self.new_client_order_id is not None:
            out.append(("newClientOrderId", self.new_client_order_id))
        return out


class QueryOrder(msgspec.Struct, frozen=True, kw_only=True):
    """``GET /api/v3/order`` / ``order.status``: by ``order_id`` and/or original client id."""

    symbol: str
    order_id: int | None = None
    orig_client_order_id: str | None = None

    def params(self) -> Params:
        out: Params = [("symbol", self.symbol)]
        if self.order_id is not None:
            out.append(("orderId", str(self.order_id)))
        if self.orig_client_order_id is not None:
            out.append(("origClientOrderId", self.orig_client_order_id))
        return out
