"""The answer shapes smart order routing adds to Binance's, as frozen Structs.

Rules:
- Each extends the ``oms.wire.rest`` shape it adds keys to, so an order placed using SOR
  encodes (``transports.wire.encode_json``) to exactly the keys Binance sends for it and any
  decoder of the plain shape still reads it.
- ``fills[]`` of an allocation: ``matchType`` "ONE_PARTY_TRADE_REPORT", ``tradeId`` -1 and
  ``allocId`` (faqs/sor_faq.md, "In the API response, ``fills`` contain fields ``matchType``
  and ``allocId``").
- Order query, open / all orders and cancel answers of an order that used SOR carry ``usedSor``
  and ``workingFloor``: fields of ``oms.wire.rest``'s own ``QueryOrderResponse`` and
  ``CancelResponse`` (absent, so not encoded, for other orders), so the simulated transport
  hands the manager the very types Binance's decoder gives it.
- ``sors`` in exchangeInfo only when SOR is configured: "The ``sors`` field is optional. It is
  omitted in responses if SOR is not available." (faqs/sor_faq.md, What symbols support SOR?)
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.rest import ExchangeInfo, OrderFill

__all__ = [
    "ALLOCATION_MATCH",
    "Allocation",
    "SorExchangeInfo",
    "SorFill",
    "SorInfo",
]

# enums.md has no matchType list; faqs/sor_faq.md names this one for SOR fills.
ALLOCATION_MATCH = "ONE_PARTY_TRADE_REPORT"


class SorFill(OrderFill, frozen=True, kw_only=True):
    """One allocation in ``fills[]``: ``tradeId`` -1, ``matchType`` and ``allocId``."""

    match_type: str | None = None
    alloc_id: int | None = None


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
