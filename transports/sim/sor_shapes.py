"""The answer shapes smart order routing adds to Binance's, as frozen Structs.

Rules:
- An order placed using SOR encodes (``transports.wire.encode_json``) to exactly the keys
  Binance sends for it: the plain ``oms.wire.rest`` shape's keys plus SOR's, so any decoder
  of the plain shape (which reads by name) still reads it. Query and cancel shapes extend the
  plain one; the placement answer and its fills are their own Structs, for the key order.
- ``fills[]`` of an allocation: ``matchType`` "ONE_PARTY_TRADE_REPORT" (first), ``tradeId``
  -1 and ``allocId`` (faqs/sor_faq.md, "In the API response, ``fills`` contain fields
  ``matchType`` and ``allocId``").
- Order query, open / all orders and cancel answers of an order that used SOR carry ``usedSor``
  and ``workingFloor`` (rest-api.md, Conditional fields in Order Responses; faqs/sor_faq.md,
  How do I query orders that used SOR?).
- The placement answer (RESULT / FULL) keeps the key order of Binance's examples
  (rest-api.md, New order using SOR, "Response"; faqs/sor_faq.md, examples 1-4): ...,
  ``workingTime``, ``fills`` (FULL only), ``workingFloor``, ``selfTradePreventionMode``,
  ``usedSor``; the conditional fields no example shows (``icebergQty``, the STP fields,
  ``strategyId`` / ``strategyType``, ``expiryReason``) follow (our choice).
- ``sors`` in exchangeInfo only when SOR is configured: "The ``sors`` field is optional. It is
  omitted in responses if SOR is not available." (faqs/sor_faq.md, What symbols support SOR?)
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.rest import (
    CancelResponse,
    ExchangeInfo,
    NewOrderAck,
    QueryOrderResponse,
)

__all__ = [
    "ALLOCATION_MATCH",
    "Allocation",
    "SorCancelResponse",
    "SorExchangeInfo",
    "SorFill",
    "SorInfo",
    "SorOrderResult",
    "SorQueryOrderResponse",
]

# enums.md has no matchType list; faqs/sor_faq.md names this one for SOR fills.
ALLOCATION_MATCH = "ONE_PARTY_TRADE_REPORT"


class SorFill(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One allocation in ``fills[]``, keys in the FAQ's order: ``matchType`` first, ``tradeId``
    -1, then ``allocId`` (faqs/sor_faq.md, examples 1-4)."""

    match_type: str
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int
    alloc_id: int


class SorOrderResult(NewOrderAck, frozen=True, kw_only=True):
    """The RESULT / FULL answer of an order placed using SOR, keys in Binance's order (module
    rules); ``fills`` is absent (None) in RESULT."""

    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    orig_quote_order_qty: Decimal
    cummulative_quote_qty: Decimal  # Binance's spelling, sic
    status: OrderStatus
    time_in_force: TimeInForce
    type: OrderType
    side: Side
    working_time: int
    fills: tuple[SorFill, ...] | None = None
    working_floor: str
    self_trade_prevention_mode: str
    used_sor: bool
    iceberg_qty: Decimal | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    expiry_reason: str | None = None


class SorQueryOrderResponse(QueryOrderResponse, frozen=True, kw_only=True):
    """``GET /api/v3/order`` (and open / all orders) of an order placed using SOR."""

    used_sor: bool | None = None
    working_floor: str | None = None


class SorCancelResponse(CancelResponse, frozen=True, kw_only=True):
    """``DELETE /api/v3/order`` of an order placed using SOR."""

    used_sor: bool | None = None
    working_floor: str | None = None


class SorInfo(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One element of exchangeInfo's ``sors`` (rest-api.md, Exchange information)."""

    base_asset: str
    symbols: tuple[str, ...]


class SorExchangeInfo(ExchangeInfo, frozen=True, kw_only=True):
    """exchangeInfo with ``sors`` (present only when SOR is available)."""

    sors: tuple[SorInfo, ...]


class Allocation(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One element of ``GET /api/v3/myAllocations`` (rest-api.md, Query Allocations)."""

    symbol: str
    allocation_id: int
    allocation_type: str
    order_id: int
    order_list_id: int
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    commission: Decimal
    commission_asset: str
    time: int
    is_buyer: bool
    is_maker: bool
    is_allocator: bool
