"""Exchange filters: the limits on an account's open orders across every symbol (filters.md,
Exchange Filters: EXCHANGE_MAX_NUM_ORDERS, EXCHANGE_MAX_NUM_ALGO_ORDERS,
EXCHANGE_MAX_NUM_ICEBERG_ORDERS, EXCHANGE_MAX_NUM_ORDER_LISTS).

Rules:
- Configured by ``ExchangeLimits`` (``SimConfig.exchange_limits``; ``[exchange_filters]`` in
  the ``oms exchange`` config). A limit left None is neither listed nor enforced; by default
  none is set, and exchangeInfo's ``exchangeFilters`` stays ``[]``.
- Each set limit is listed in exchangeInfo's ``exchangeFilters`` (and so in ``myFilters``) in
  filters.md's format, in the order above: ``{"filterType": "EXCHANGE_MAX_NUM_ORDERS",
  "maxNumOrders": 1000}``.
- Counted per account over its open orders on every symbol. EXCHANGE_MAX_NUM_ORDERS counts
  every order, "algo" and normal (filters.md); EXCHANGE_MAX_NUM_ALGO_ORDERS the STOP_LOSS,
  STOP_LOSS_LIMIT, TAKE_PROFIT and TAKE_PROFIT_LIMIT orders; EXCHANGE_MAX_NUM_ICEBERG_ORDERS
  the orders with an iceberg quantity; EXCHANGE_MAX_NUM_ORDER_LISTS the open order lists
  ("OTOCOs count as one order list"). The order being placed counts, and so does every
  order of its list (rest-api.md, e.g. New Order list - OCO: "adds 2 orders to the
  EXCHANGE_MAX_ORDERS filter and the MAX_NUM_ORDERS filter"; CHANGELOG 2025-08-12: order
  lists that exceed the order count filter limits are no longer accepted); an order placed
  using SOR adds 1, an amend 0 (no check).
- A refusal is -1013 "Filter failure: EXCHANGE_MAX_NUM_ORDERS" (and so on): errors.md, -1013
  INVALID_MESSAGE, "Potential error messages can be found in Filter Failures", whose table
  lists the four messages; the same code the symbol's MAX_NUM_ORDERS refusal uses. Checked
  after the symbol's own filter of the same kind (Binance documents no order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

import msgspec

from oms.wire.rest import FilterValue
from transports.sim import errors
from transports.sim.book import SimOrder
from transports.sim.triggers import ALGO_TYPES

__all__ = ["ExchangeLimits", "check_exchange_limit", "is_algo", "is_iceberg"]

_T = TypeVar("_T")


class ExchangeLimits(msgspec.Struct, frozen=True, kw_only=True):
    """The exchange filters' limits; None: that filter is not listed."""

    max_num_orders: int | None = None
    max_num_algo_orders: int | None = None
    max_num_iceberg_orders: int | None = None
    max_num_order_lists: int | None = None

    def filters(self) -> tuple[dict[str, FilterValue], ...]:
        """exchangeInfo's ``exchangeFilters`` (filters.md, Exchange Filters' formats)."""
        out: list[dict[str, FilterValue]] = []
        if self.max_num_orders is not None:
            out.append(
                {"filterType": "EXCHANGE_MAX_NUM_ORDERS", "maxNumOrders": self.max_num_orders}
            )
        if self.max_num_algo_orders is not None:
            out.append(
                {
                    "filterType": "EXCHANGE_MAX_NUM_ALGO_ORDERS",
                    "maxNumAlgoOrders": self.max_num_algo_orders,
                }
            )
        if self.max_num_iceberg_orders is not None:
            out.append(
                {
                    "filterType": "EXCHANGE_MAX_NUM_ICEBERG_ORDERS",
                    "maxNumIcebergOrders": self.max_num_iceberg_orders,
                }
            )
        if self.max_num_order_lists is not None:
            out.append(
                {
                    "filterType": "EXCHANGE_MAX_NUM_ORDER_LISTS",
                    "maxNumOrderLists": self.max_num_order_lists,
                }
            )
        return tuple(out)


def is_algo(order: SimOrder) -> bool:
    return order.type in ALGO_TYPES


def is_iceberg(order: SimOrder) -> bool:
    return order.iceberg_qty > 0


def check_exchange_limit(
    name: str,
    limit: int | None,
    open_items: Iterable[_T],
    *,
    adding: int,
    kind: Callable[[_T], bool] | None = None,
) -> None:
    """Refuse when the account's open orders (or lists) of ``kind`` (all when None) plus the
    ``adding`` new ones exceed ``limit``. Raises: SimError -1013 "Filter failure: ``name``"."""
    if limit is None:
        return
    count = sum(1 for o in open_items if kind is None or kind(o))
    if count + adding > limit:
        raise errors.filter_failure(name)
