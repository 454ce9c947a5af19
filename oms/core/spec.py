"""``OrderSpec``: everything an order is created with, in one frozen Struct.

Rules:
- The spec is the order's intent. ``Order`` holds it, the journal stores it as the intent, and
  ``new_order_request`` is the one function that turns it into the request sent to Binance.
- Fields are named as in ``oms.wire.requests.NewOrder`` and copied by name, so adding a field to
  an order touches this spec, the request's ``params()`` and the pre-trade checks, nothing else.
- An order opened elsewhere is adopted with the spec its report states (``spec_of_report``,
  ``spec_of_answer``, here beside the spec): Binance writes zero for an amount that is not
  set (user-data-stream.md, Order update: ``P``, ``F``; rest-api.md, Query order:
  ``stopPrice``, ``icebergQty``), which is None in a spec.
- Amounts are ``Decimal``; ``trailing_delta`` is in basis points, an integer, as Binance takes it
  (rest-api.md, New order: ``trailingDelta``).
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from oms.wire.enums import OrderResponseType, OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.requests import NewOrder
from oms.wire.rest import CancelResponse, NewOrderResult, QueryOrderResponse

__all__ = ["OrderSpec", "new_order_request", "spec_of_answer", "spec_of_report"]


class OrderSpec(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True, gc=False):
    """What an order is created with (rest-api.md, New order).

    ``gc=False``: a spec holds only strings, Decimals, enums and ints, never a cycle; every
    tracked order holds one, and the garbage collector need not walk them (bench section 2).
    """

    symbol: str
    side: Side
    order_type: OrderType
    quantity: Decimal | None = None
    # MARKET only: the quote amount to spend (BUY) or receive (SELL).
    quote_order_qty: Decimal | None = None
    price: Decimal | None = None
    stop_price: Decimal | None = None
    trailing_delta: int | None = None
    time_in_force: TimeInForce | None = None
    iceberg_qty: Decimal | None = None
    self_trade_prevention_mode: SelfTradePreventionMode | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    # Order-list membership: the list's client id when this order is a leg of an order list.
    list_client_order_id: str | None = None


# The spec's fields that are not request parameters of a single order.
_NOT_SENT = frozenset({"list_client_order_id"})
_SENT = tuple(f for f in OrderSpec.__struct_fields__ if f not in _NOT_SENT)


def new_order_request(
    spec: OrderSpec, client_order_id: str, response_type: OrderResponseType | None = None
) -> NewOrder:
    """The one mapping from a spec to ``POST /api/v3/order`` / ``order.place``."""
    fields = {name: getattr(spec, name) for name in _SENT}
    return NewOrder(client_order_id=client_order_id, response_type=response_type, **fields)


def spec_of_report(r: ExecutionReport) -> OrderSpec:
    """The spec an ``executionReport`` states for its order (an order adopted from it)."""
    return OrderSpec(
        symbol=r.symbol,
        side=r.side,
        order_type=r.order_type,
        quantity=_set(r.quantity),
        quote_order_qty=_set(r.quote_order_quantity),
        price=_set(r.price),
        stop_price=_set(r.stop_price),
        trailing_delta=r.trailing_delta,
        time_in_force=r.time_in_force,
        iceberg_qty=_set(r.iceberg_quantity),
        strategy_id=r.strategy_id,
        strategy_type=r.strategy_type,
    )


def spec_of_answer(r: NewOrderResult | CancelResponse | QueryOrderResponse) -> OrderSpec:
    """The spec a REST answer about an order states (an order adopted from it)."""
    return OrderSpec(
        symbol=r.symbol,
        side=r.side,
        order_type=r.type,
        quantity=_set(r.orig_qty),
        quote_order_qty=_set(r.orig_quote_order_qty),
        price=_set(r.price),
        stop_price=_set(r.stop_price),
        trailing_delta=getattr(r, "trailing_delta", None),
        time_in_force=r.time_in_force,
        iceberg_qty=_set(r.iceberg_qty),
        strategy_id=getattr(r, "strategy_id", None),
        strategy_type=getattr(r, "strategy_type", None),
    )


def _set(amount: Decimal | None) -> Decimal | None:
    """A reported amount as a spec's: zero (Binance's "not set") is None."""
    return amount if amount is not None and amount > 0 else None
