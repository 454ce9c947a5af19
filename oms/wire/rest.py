"""REST response shapes that carry order and account state, as typed frozen Structs.

Rules:
- Field names are Binance's camelCase through ``rename="camel"``, so the snake_case
  attribute ``cummulative_quote_qty`` *is* Binance's ``cummulativeQuoteQty`` (sic, double m;
  rest-api.md, New order).
- Money is ``Decimal`` decoded straight from Binance's strings; nothing here parses floats.
- Fields Binance always sends are required; conditional ones (STP, pegs, ``expiryReason``,
  ...) default to ``None`` and are omitted again on encoding (``omit_defaults``), so a
  Struct re-encodes to exactly the keys Binance sends.
- Exchange filters are decoded leniently (``SymbolInfo.filters`` keeps the raw mapping) and
  typed on demand by ``SymbolInfo.filter``: Binance adds filter types, and an unknown one
  must not make exchangeInfo undecodable.
- Structs are data only: no behaviour beyond small pure accessors.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

import msgspec

from oms.wire.enums import OrderStatus, OrderType, Side, TimeInForce

__all__ = [
    "AccountInfo",
    "AccountBalance",
    "CancelOrderListResponse",
    "CancelResponse",
    "ListOrderRef",
    "CommissionRates",
    "CommissionResponse",
    "ErrorBody",
    "ExchangeInfo",
    "Filter",
    "IcebergPartsFilter",
    "LotSizeFilter",
    "MarketLotSizeFilter",
    "MaxNumAlgoOrdersFilter",
    "MaxNumIcebergOrdersFilter",
    "MaxNumOrderAmendsFilter",
    "MaxNumOrderListsFilter",
    "MaxNumOrdersFilter",
    "MinNotionalFilter",
    "MyAllocation",
    "MyTrade",
    "NewOrderAck",
    "NewOrderFull",
    "NewOrderResult",
    "NotionalFilter",
    "OrderFill",
    "PercentPriceBySideFilter",
    "PlacementPreventedMatch",
    "PercentPriceFilter",
    "PriceFilter",
    "QueryOrderResponse",
    "RateLimit",
    "RateLimitCount",
    "ServerTime",
    "SymbolInfo",
    "TrailingDeltaFilter",
]

ZERO = Decimal(0)
# Values inside filters and discounts: Binance sends strings, integers and booleans.
FilterValue = str | int | bool


class _Rest(msgspec.Struct, frozen=True, kw_only=True, rename="camel", gc=False):
    """Base for REST shapes: camelCase on the wire, frozen, keyword-only, untracked by gc
    (decoded data holds no reference cycle)."""


class _Strict(_Rest, frozen=True, kw_only=True, omit_defaults=True):
    """Base for order, trade and account shapes: conditional fields omitted when absent."""


class ErrorBody(_Rest, frozen=True, kw_only=True):
    """Binance's error body ``{"code": -1121, "msg": "Invalid symbol."}`` (errors.md, -1121)."""

    code: int
    msg: str


class ServerTime(_Rest, frozen=True, kw_only=True):
    server_time: int


class OrderFill(_Strict, frozen=True, kw_only=True):
    """One element of ``fills[]`` in a FULL new-order response."""

    price: Decimal
    qty: Decimal
    commission: Decimal
    commission_asset: str
    trade_id: int
    # An SOR order's fills are allocations: tradeId -1, an allocId and a matchType
    # (rest-api.md, New order using SOR; faqs/sor_faq.md).
    match_type: str | None = None
    alloc_id: int | None = None


class PlacementPreventedMatch(_Strict, frozen=True, kw_only=True):
    """One element of a placement answer's ``preventedMatches`` (faqs/stp_faq.md, STP
    Examples; CHANGELOG.md 2023-01-26 (STP): each quantity "will only appear" for the modes
    that prevent it; ``makerSymbol`` since 2023-08-08, shown in Scenario H)."""

    prevented_match_id: int
    maker_symbol: str | None = None
    maker_order_id: int
    price: Decimal
    taker_prevented_quantity: Decimal | None = None
    maker_prevented_quantity: Decimal | None = None


class NewOrderAck(_Strict, frozen=True, kw_only=True):
    """``newOrderRespType=ACK``: ids and time only (default for non-MARKET/LIMIT types)."""

    symbol: str
    order_id: int
    order_list_id: int
    client_order_id: str
    transact_time: int


class NewOrderResult(NewOrderAck, frozen=True, kw_only=True):
    """``RESULT``: ACK plus the order's state after the engine handled it."""

    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    # Absent from the answers of faqs/sor_faq.md (Examples 1-4), faqs/stp_faq.md (STP
    # Examples, the taker orders) and faqs/market_orders_faq.md: None then ("not set", as 0).
    orig_quote_order_qty: Decimal | None = None
    # Binance's spelling, sic (rest-api.md, New order).
    cummulative_quote_qty: Decimal
    status: OrderStatus
    time_in_force: TimeInForce
    type: OrderType
    side: Side
    # Conditional fields (rest-api.md, Conditional fields in Order Responses) where the
    # documented answers put them: ``stopPrice`` after ``side``, ``icebergQty`` after
    # ``workingTime`` (rest-api.md, New Order list - OCO, Response); the rest at the end.
    stop_price: Decimal | None = None
    working_time: int
    iceberg_qty: Decimal | None = None
    # Absent from web-socket-api.md, Place new order, the FULL response example.
    self_trade_prevention_mode: str | None = None
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    used_sor: bool | None = None
    working_floor: str | None = None
    peg_price_type: str | None = None
    peg_offset_type: str | None = None
    peg_offset_value: int | None = None
    pegged_price: Decimal | None = None
    expiry_reason: str | None = None
    # After a prevented match (faqs/stp_faq.md, STP Examples): CHANGELOG.md 2023-01-26, "New
    # responses that will appear for all order placement endpoints if there was a prevented
    # match": ``preventedMatches``, and ``tradeGroupId`` for an account in a trade group.
    prevented_matches: tuple[PlacementPreventedMatch, ...] | None = None
    trade_group_id: int | None = None


class NewOrderFull(NewOrderResult, frozen=True, kw_only=True):
    """``FULL``: RESULT plus ``fills[]`` (empty for an order that rests, rest-api.md, New order)."""

    fills: tuple[OrderFill, ...]


class CancelResponse(_Strict, frozen=True, kw_only=True):
    """``DELETE /api/v3/order``: ``clientOrderId`` is the *cancel's* id (rest-api.md, Cancel
    order)."""

    symbol: str
    orig_client_order_id: str
    order_id: int
    order_list_id: int
    client_order_id: str
    transact_time: int
    price: Decimal
    # None: a pending order of an OPO list, whose quantity is not known until its working
    # order fills (rest-api.md, New Order List - OPO, "Response", has no origQty for it);
    # the local exchange's list cancel answers leave it out the same way.
    orig_qty: Decimal | None = None
    executed_qty: Decimal
    orig_quote_order_qty: Decimal
    cummulative_quote_qty: Decimal
    status: OrderStatus
    time_in_force: TimeInForce
    type: OrderType
    side: Side
    # Conditional fields where web-socket-api.md, Cancel order and Cancel open orders, put
    # them: ``stopPrice``, ``trailingDelta``, ``trailingTime``, ``icebergQty``,
    # ``strategyId``, ``strategyType``, then ``selfTradePreventionMode``.
    stop_price: Decimal | None = None
    trailing_delta: int | None = None
    trailing_time: int | None = None
    iceberg_qty: Decimal | None = None
    strategy_id: int | None = None
    strategy_type: int | None = None
    self_trade_prevention_mode: str
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    expiry_reason: str | None = None
    # An order placed with smart order routing (rest-api.md, Conditional fields in Order
    # Responses; faqs/sor_faq.md, How do I query orders that used SOR?).
    used_sor: bool | None = None
    working_floor: str | None = None


class ListOrderRef(_Rest, frozen=True, kw_only=True):
    """One order of an order list: ``{"symbol", "orderId", "clientOrderId"}``."""

    symbol: str
    order_id: int
    client_order_id: str


class CancelOrderListResponse(_Strict, frozen=True, kw_only=True):
    """An order list in the answer of ``DELETE /api/v3/openOrders`` (rest-api.md, Cancel All
    Open Orders on a Symbol: "This includes orders that are part of an order list")."""

    order_list_id: int
    contingency_type: str
    list_status_type: str
    list_order_status: str
    list_client_order_id: str
    transaction_time: int
    symbol: str
    orders: tuple[ListOrderRef, ...]
    order_reports: tuple[CancelResponse, ...]


class QueryOrderResponse(_Strict, frozen=True, kw_only=True):
    """``GET /api/v3/order`` and each element of ``GET /api/v3/openOrders`` (rest-api.md, Current
    open orders)."""

    symbol: str
    order_id: int
    order_list_id: int
    client_order_id: str
    price: Decimal
    orig_qty: Decimal
    executed_qty: Decimal
    # Historical orders may show a negative value, meaning unavailable (rest-api.md, New order).
    cummulative_quote_qty: Decimal
    status: OrderStatus
    time_in_force: TimeInForce
    type: OrderType
    side: Side
    # In the order of web-socket-api.md, Query order, "Response": ``trailingDelta`` and
    # ``trailingTime`` after ``stopPrice``, ``strategyId`` / ``strategyType`` before
    # ``selfTradePreventionMode``.
    stop_price: Decimal
    trailing_delta: int | None = None
    trailing_time: int | None = None
    iceberg_qty: Decimal
    time: int
    update_time: int
    is_working: bool
    working_time: int
    orig_quote_order_qty: Decimal
    strategy_id: int | None = None
    strategy_type: int | None = None
    self_trade_prevention_mode: str
    prevented_match_id: int | None = None
    prevented_quantity: Decimal | None = None
    expiry_reason: str | None = None
    # An order placed with smart order routing (as CancelResponse).
    used_sor: bool | None = None
    working_floor: str | None = None


class CommissionRates(_Strict, frozen=True, kw_only=True):
    maker: Decimal
    taker: Decimal
    buyer: Decimal
    seller: Decimal


class AccountBalance(_Strict, frozen=True, kw_only=True):
    asset: str
    free: Decimal
    locked: Decimal


class AccountInfo(_Strict, frozen=True, kw_only=True):
    """``GET /api/v3/account`` (rest-api.md, Account information)."""

    maker_commission: int
    taker_commission: int
    buyer_commission: int
    seller_commission: int
    commission_rates: CommissionRates
    can_trade: bool
    can_withdraw: bool
    can_deposit: bool
    brokered: bool
    require_self_trade_prevention: bool
    prevent_sor: bool
    update_time: int
    account_type: str
    balances: tuple[AccountBalance, ...]
    permissions: tuple[str, ...]
    uid: int
    # faqs/stp_faq.md, What is a Trade Group Id?: "A user can confirm if their accounts are
    # under the same tradeGroupId from GET /api/v3/account"; absent from rest-api.md's
    # example, so the local exchange shows it only for an account in a group.
    trade_group_id: int | None = None


class MyTrade(_Strict, frozen=True, kw_only=True):
    """One element of ``GET /api/v3/myTrades`` (rest-api.md, Account trade list)."""

    symbol: str
    id: int
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
    is_best_match: bool


class MyAllocation(_Strict, frozen=True, kw_only=True):
    """One element of ``GET /api/v3/myAllocations`` (rest-api.md, Query Allocations): a fill
    of an order placed with smart order routing (faqs/sor_faq.md, What are allocations?),
    which ``myTrades`` does not list."""

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


class CommissionResponse(_Rest, frozen=True, kw_only=True):
    """``GET /api/v3/account/commission`` (faqs/commission_faq.md). Fields in the order of
    rest-api.md, Query Commission Rates: standard, special, tax, discount."""

    symbol: str
    standard_commission: CommissionRates
    special_commission: CommissionRates | None = None
    tax_commission: CommissionRates
    discount: dict[str, FilterValue] = msgspec.field(default_factory=dict)


# --- exchangeInfo ---------------------------------------------------------------------


class Filter(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Base of typed symbol filters (filters.md, Symbol filters); ``filter_type`` is Binance's
    ``filterType``."""

    filter_type: str


class PriceFilter(Filter, frozen=True, kw_only=True):
    min_price: Decimal
    max_price: Decimal
    tick_size: Decimal


class LotSizeFilter(Filter, frozen=True, kw_only=True):
    min_qty: Decimal
    max_qty: Decimal
    step_size: Decimal


class MarketLotSizeFilter(LotSizeFilter, frozen=True, kw_only=True):
    pass


class MinNotionalFilter(Filter, frozen=True, kw_only=True):
    min_notional: Decimal
    apply_to_market: bool = False
    avg_price_mins: int = 5


class NotionalFilter(Filter, frozen=True, kw_only=True):
    min_notional: Decimal
    apply_min_to_market: bool = False
    max_notional: Decimal
    apply_max_to_market: bool = False
    avg_price_mins: int = 5


class PercentPriceFilter(Filter, frozen=True, kw_only=True):
    multiplier_up: Decimal
    multiplier_down: Decimal
    avg_price_mins: int = 5


class PercentPriceBySideFilter(Filter, frozen=True, kw_only=True):
    bid_multiplier_up: Decimal
    bid_multiplier_down: Decimal
    ask_multiplier_up: Decimal
    ask_multiplier_down: Decimal
    avg_price_mins: int = 5


class MaxNumOrdersFilter(Filter, frozen=True, kw_only=True):
    max_num_orders: int


class MaxNumAlgoOrdersFilter(Filter, frozen=True, kw_only=True):
    max_num_algo_orders: int


class IcebergPartsFilter(Filter, frozen=True, kw_only=True):
    """At most ``limit`` parts, ``CEIL(qty / icebergQty)`` (filters.md, ICEBERG_PARTS)."""

    limit: int


class TrailingDeltaFilter(Filter, frozen=True, kw_only=True):
    """Bounds of ``trailingDelta`` in BIPS (filters.md, TRAILING_DELTA): the *above* pair for
    STOP_LOSS BUY and TAKE_PROFIT SELL, the *below* pair for STOP_LOSS SELL and TAKE_PROFIT
    BUY (and their LIMIT variants)."""

    min_trailing_above_delta: int
    max_trailing_above_delta: int
    min_trailing_below_delta: int
    max_trailing_below_delta: int


class MaxNumOrderListsFilter(Filter, frozen=True, kw_only=True):
    """Open order lists per account and symbol; an OTOCO counts once (filters.md)."""

    max_num_order_lists: int


class MaxNumOrderAmendsFilter(Filter, frozen=True, kw_only=True):
    """Amends per order; beyond it -2038 (filters.md, MAX_NUM_ORDER_AMENDS)."""

    max_num_order_amends: int


class MaxNumIcebergOrdersFilter(Filter, frozen=True, kw_only=True):
    max_num_iceberg_orders: int


FILTER_TYPES: dict[str, type[Filter]] = {
    "PRICE_FILTER": PriceFilter,
    "LOT_SIZE": LotSizeFilter,
    "MARKET_LOT_SIZE": MarketLotSizeFilter,
    "MIN_NOTIONAL": MinNotionalFilter,
    "NOTIONAL": NotionalFilter,
    "PERCENT_PRICE": PercentPriceFilter,
    "PERCENT_PRICE_BY_SIDE": PercentPriceBySideFilter,
    "MAX_NUM_ORDERS": MaxNumOrdersFilter,
    "MAX_NUM_ALGO_ORDERS": MaxNumAlgoOrdersFilter,
    "ICEBERG_PARTS": IcebergPartsFilter,
    "TRAILING_DELTA": TrailingDeltaFilter,
    "MAX_NUM_ORDER_LISTS": MaxNumOrderListsFilter,
    "MAX_NUM_ORDER_AMENDS": MaxNumOrderAmendsFilter,
    "MAX_NUM_ICEBERG_ORDERS": MaxNumIcebergOrdersFilter,
}

F = TypeVar("F", bound=Filter)


class RateLimit(_Rest, frozen=True, kw_only=True):
    """One of exchangeInfo's ``rateLimits``. rest-api.md, Exchange information, shows the
    entry as a placeholder ``{}`` ("All limits are optional"): a key left out decodes to an
    empty value, which no limit of the governor matches (``RateGovernor.set_limits``)."""

    rate_limit_type: str = ""
    interval: str = ""
    interval_num: int = 0
    limit: int = 0


class RateLimitCount(_Rest, frozen=True, kw_only=True):
    """A limit with its current count: ``GET /api/v3/rateLimit/order`` (rest-api.md, Query
    Unfilled Order Count) and the ``rateLimits`` of WebSocket API answers."""

    rate_limit_type: str
    interval: str
    interval_num: int
    limit: int
    count: int


class SymbolInfo(_Rest, frozen=True, kw_only=True):
    """One symbol of exchangeInfo. Decimal filter values stay strings until ``filter()``."""

    symbol: str
    status: str = "TRADING"
    base_asset: str
    base_asset_precision: int = 8
    quote_asset: str
    quote_precision: int = 8
    quote_asset_precision: int = 8
    base_commission_precision: int = 8
    quote_commission_precision: int = 8
    order_types: tuple[str, ...] = ()
    iceberg_allowed: bool = False
    oco_allowed: bool = False
    oto_allowed: bool = False
    opo_allowed: bool = False
    quote_order_qty_market_allowed: bool = True
    allow_trailing_stop: bool = False
    cancel_replace_allowed: bool = False
    amend_allowed: bool = False
    peg_instructions_allowed: bool = False
    is_spot_trading_allowed: bool = True
    is_margin_trading_allowed: bool = False
    filters: tuple[dict[str, FilterValue], ...] = ()
    permissions: tuple[str, ...] = ()
    permission_sets: tuple[tuple[str, ...], ...] = ()
    default_self_trade_prevention_mode: str = "NONE"
    allowed_self_trade_prevention_modes: tuple[str, ...] = ()

    def filter(self, kind: type[F]) -> F | None:
        """The typed filter of class ``kind`` (e.g. ``LotSizeFilter``), or None if absent."""
        for name, cls in FILTER_TYPES.items():
            if cls is kind:
                for raw in self.filters:
                    if raw.get("filterType") == name:
                        return msgspec.convert(raw, kind)
        return None


class ExchangeInfo(_Rest, frozen=True, kw_only=True):
    """``GET /api/v3/exchangeInfo`` (rest-api.md, Exchange information)."""

    timezone: str = "UTC"
    server_time: int
    rate_limits: tuple[RateLimit, ...] = ()
    exchange_filters: tuple[dict[str, FilterValue], ...] = ()
    symbols: tuple[SymbolInfo, ...]
