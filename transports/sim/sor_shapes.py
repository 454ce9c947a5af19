"""The answer shapes smart order routing adds to Binance's, as frozen Structs.

Rules:
- ``SimExchange.place_sor_order`` answers with ``oms.wire.rest``'s own types (``NewOrderFull``
  etc., its ``fills`` ``OrderFill`` with ``matchType`` and ``allocId``), so the simulated
  transport hands the manager the very types Binance's decoder gives it.
- On the wire (the local server) the RESULT / FULL answer is re-shaped by ``in_binance_order``
  into ``SorOrderResult``: the same keys in the order of Binance's examples (rest-api.md, New
  order using SOR, "Response"; faqs/sor_faq.md, examples 1-4): ..., ``workingTime``,
  ``fills`` (FULL only), ``workingFloor``, ``selfTradePreventionMode``, ``usedSor``; the
  conditional fields no example shows (``icebergQty``, the STP fields, ``strategyId`` /
  ``strategyType``, ``expiryReason``) follow (our choice). Any decoder of the plain shape
  (which reads by name) still reads it.
- ``fills[]`` of an allocation: ``matchType`` "ONE_PARTY_TRADE_REPORT" (first on the wire),
  ``tradeId`` -1 and ``allocId`` (faqs/sor_faq.md, "In the API response, ``fills`` contain
  fields ``matchType`` and ``allocId``").
- Order query, open / all orders and cancel answers of an order that used SOR carry ``usedSor``
  and ``workingFloor``: fields of ``oms.wire.rest``'s own ``QueryOrderResponse`` and
  ``CancelResponse`` (absent, so not encoded, for other orders).
- ``sors`` in exchangeInfo only when SOR is configured: "The ``sors`` field is optional. It is
  omitted in responses if SOR is not available." (faqs/sor_faq.md, What symbols support SOR?)
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.wire.rest import ExchangeInfo, NewOrderAck, NewOrderFull, NewOrderResult, OrderFill

__all__ = [
    "ALLOCATION_MATCH",
    "SorExchangeInfo",
    "SorFill",
    "SorInfo",
    "SorOrderResult",
    "in_binance_order",
]

# enums.md has no matchType list; faqs/sor_faq.md names this one for SOR fills.
ALLOCATION_MATCH = "ONE_PARTY_TRADE_REPORT"


class SorFill(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """One allocation in ``fills[]`` on the wire, keys in the FAQ's order: ``matchType``
    first, ``tradeId`` -1, then ``allocId`` (faqs/sor_faq.md, examples 1-4)."""

    match_type: str | None = None
    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int
    alloc_id: int | None = None


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


_RESULT_KEYS = frozenset(SorOrderResult.__struct_fields__) - {"fills"}


def in_binance_order(answer: NewOrderAck) -> NewOrderAck:
    """An SOR placement answer for the wire: RESULT / FULL as ``SorOrderResult`` (module
    rules); ACK (ids and time only) unchanged."""
    if not isinstance(answer, NewOrderResult):
        return answer
    fields = {k: v for k, v in msgspec.structs.asdict(answer).items() if k in _RESULT_KEYS}
    fills = None
    if isinstance(answer, NewOrderFull):
        fills = tuple(_wire_fill(f) for f in answer.fills)
    return SorOrderResult(**fields, fills=fills)


def _wire_fill(fill: OrderFill) -> SorFill:
    return SorFill(
        match_type=fill.match_type,
        price=fill.price,
        qty=fill.qty,
        commission=fill.commission,
        commission_asset=fill.commission_asset,
        trade_id=fill.trade_id,
        alloc_id=fill.alloc_id,
    )


class SorInfo(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One element of exchangeInfo's ``sors`` (rest-api.md, Exchange information)."""

    base_asset: str
    symbols: tuple[str, ...]


class SorExchangeInfo(ExchangeInfo, frozen=True, kw_only=True):
    """exchangeInfo with ``sors`` (present only when SOR is available)."""

    sors: tuple[SorInfo, ...]
