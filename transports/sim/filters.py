"""Validation of a new order against its symbol's rules, as Binance does before the engine.

Rules:
- ``SymbolFilters`` is compiled once per symbol from exchangeInfo's filter dicts; nothing here
  re-parses a filter per order.
- Parameter checks come first (mandatory, not-required, legal range, precision, client id;
  rest-api.md, New order and errors.md), then the symbol filters in this order: PRICE_FILTER,
  PERCENT_PRICE, PERCENT_PRICE_BY_SIDE, LOT_SIZE, MARKET_LOT_SIZE, ICEBERG_PARTS,
  MIN_NOTIONAL, NOTIONAL, MAX_NUM_ORDERS, then MAX_POSITION (which needs the account's
  balance: ``check_max_position``). Binance does not document the order of filter
  evaluation (filters.md, MARKET_LOT_SIZE, UNVERIFIED); this one is ours.
- Every filter a symbol lists is enforced, so a ``[[markets]]`` entry's raw ``filters`` may
  list any of filters.md's symbol filters; PERCENT_PRICE and MAX_POSITION are not in the
  default listings (live symbols carry PERCENT_PRICE_BY_SIDE; MAX_POSITION is rare).
- Each failure raises ``SimError`` with Binance's code and message; nothing is changed.
- Ticks and steps are checked as ``value % step == 0`` (rules since 2022-02-24 and
  2023-03-13, CHANGELOG.md); a zero bound or step disables that part (filters.md, Symbol filters).
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal

from oms.wire.enums import OrderType, SelfTradePreventionMode, Side, TimeInForce
from oms.wire.money import MAX_AMOUNT, ZERO
from oms.wire.requests import NewOrder
from oms.wire.rest import (
    IcebergPartsFilter,
    LotSizeFilter,
    MarketLotSizeFilter,
    MaxNumAlgoOrdersFilter,
    MaxNumIcebergOrdersFilter,
    MaxNumOrderAmendsFilter,
    MaxNumOrderListsFilter,
    MaxNumOrdersFilter,
    MinNotionalFilter,
    NotionalFilter,
    PercentPriceBySideFilter,
    PercentPriceFilter,
    PriceFilter,
    SymbolInfo,
    TrailingDeltaFilter,
)
from transports.sim import errors

__all__ = [
    "CLIENT_ID_RANGE",
    "SymbolFilters",
    "check_amend_quantity",
    "check_filters",
    "check_max_position",
    "check_params",
    "effective_time_in_force",
    "valid_client_id",
]

# newClientOrderId charset and length (rest-api.md, New order).
CLIENT_ID_RANGE = "^[a-zA-Z0-9-_]{1,36}$"
_CLIENT_ID = re.compile(r"[a-zA-Z0-9\-_]{1,36}")

_NOT_SUPPORTED = {
    OrderType.MARKET: "Market orders are not supported for this symbol.",
    OrderType.STOP_LOSS: "Stop loss orders are not supported for this symbol.",
    OrderType.STOP_LOSS_LIMIT: "Stop loss limit orders are not supported for this symbol.",
    OrderType.TAKE_PROFIT: "Take profit orders are not supported for this symbol.",
    OrderType.TAKE_PROFIT_LIMIT: "Take profit limit orders are not supported for this symbol.",
    OrderType.LIMIT: "Unsupported order combination",
    OrderType.LIMIT_MAKER: "Unsupported order combination",
}


# rest-api.md, New order, ``icebergQty``: the types that take it with timeInForce GTC.
_ICEBERG_TIF_TYPES = frozenset(
    {OrderType.LIMIT, OrderType.STOP_LOSS_LIMIT, OrderType.TAKE_PROFIT_LIMIT}
)


def valid_client_id(client_id: str) -> bool:
    """Does ``client_id`` match Binance's ``^[a-zA-Z0-9-_]{1,36}$`` (rest-api.md, New order)?"""
    return _CLIENT_ID.fullmatch(client_id) is not None


def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


class SymbolFilters:
    """One symbol's filters and precisions, compiled for the hot path."""

    __slots__ = (
        "allowed_stp",
        "base",
        "base_commission_quantum",
        "base_quantum",
        "default_stp",
        "iceberg_allowed",
        "iceberg_parts",
        "info",
        "lot",
        "market_lot",
        "max_num_algo_orders",
        "max_num_amends",
        "max_num_iceberg_orders",
        "max_num_order_lists",
        "max_num_orders",
        "max_position",
        "min_notional",
        "notional",
        "order_types",
        "percent",
        "percent_price",
        "price",
        "quote",
        "quote_commission_quantum",
        "quote_market_allowed",
        "quote_quantum",
        "step",
        "symbol",
        "tick",
        "trailing",
        "zero_price",
        "zero_qty",
    )

    def __init__(self, info: SymbolInfo) -> None:
        self.info = info
        self.symbol = info.symbol
        self.base = info.base_asset
        self.quote = info.quote_asset
        self.base_quantum = _quantum(info.base_asset_precision)
        self.quote_quantum = _quantum(info.quote_asset_precision)
        # Zeros as Binance writes them for this symbol ("0.00000000").
        self.zero_qty = ZERO.quantize(self.base_quantum)
        self.zero_price = ZERO.quantize(self.quote_quantum)
        self.base_commission_quantum = _quantum(info.base_commission_precision)
        self.quote_commission_quantum = _quantum(info.quote_commission_precision)
        self.order_types = frozenset(OrderType(t) for t in info.order_types)
        self.allowed_stp = frozenset(info.allowed_self_trade_prevention_modes)
        self.default_stp = SelfTradePreventionMode(info.default_self_trade_prevention_mode)
        self.quote_market_allowed = info.quote_order_qty_market_allowed
        self.price = info.filter(PriceFilter)
        self.lot = info.filter(LotSizeFilter)
        self.market_lot = info.filter(MarketLotSizeFilter)
        self.percent = info.filter(PercentPriceBySideFilter)
        self.percent_price = info.filter(PercentPriceFilter)
        self.max_position = _max_position(info)
        self.min_notional = info.filter(MinNotionalFilter)
        self.notional = info.filter(NotionalFilter)
        orders = info.filter(MaxNumOrdersFilter)
        self.max_num_orders = orders.max_num_orders if orders else None
        algo = info.filter(MaxNumAlgoOrdersFilter)
        self.max_num_algo_orders = algo.max_num_algo_orders if algo else None
        lists = info.filter(MaxNumOrderListsFilter)
        self.max_num_order_lists = lists.max_num_order_lists if lists else None
        icebergs = info.filter(MaxNumIcebergOrdersFilter)
        self.max_num_iceberg_orders = icebergs.max_num_iceberg_orders if icebergs else None
        amends = info.filter(MaxNumOrderAmendsFilter)
        self.max_num_amends = amends.max_num_order_amends if amends else None
        self.trailing = info.filter(TrailingDeltaFilter)
        self.iceberg_allowed = info.iceberg_allowed
        parts = info.filter(IcebergPartsFilter)
        self.iceberg_parts = parts.limit if parts else None
        self.tick = self.price.tick_size if self.price else ZERO
        self.step = self.lot.step_size if self.lot else ZERO


def check_params(
    rules: SymbolFilters,
    order: NewOrder,
    *,
    quantity_pending: bool = False,
    checked: bool = False,
) -> SelfTradePreventionMode:
    """Check the parameters of a new order (rest-api.md, New order, errors.md); return its effective
    STP mode. ``quantity_pending``: the pending order of an OPO / OPOCO list, placed without a
    quantity (faqs/opo.md, "What is the difference ..."), so no quantity is required yet.
    ``checked``: the order was parsed by the local server (``new_order_from_params``), which
    already refused every shape, range, precision and ``strategyType`` error these checks
    find, so only the ones it cannot see are made (see ``_check_unchecked``).

    Raises:
        SimError: -1100/-1102/-1106/-1111/-1114/-1134 for a malformed request, -2010 for
            an order type or feature the symbol does not support, -1013 for an STP mode the
            symbol does not allow.
    """
    kind = order.order_type
    if kind not in rules.order_types:
        raise errors.SimError(-2010, _NOT_SUPPORTED[kind])
    if checked:
        _check_unchecked(order)
    else:
        _check_shape(order, quantity_pending=quantity_pending)
        for name, value in _amounts(order):
            _check_amount(rules, name, value)
    if order.client_order_id is not None and not valid_client_id(order.client_order_id):
        raise errors.illegal_chars("newClientOrderId", CLIENT_ID_RANGE)
    if order.strategy_type is not None and order.strategy_type < 1_000_000:
        raise errors.SimError(-1134, "`strategyType` was less than 1000000.")
    if order.iceberg_qty is not None:
        _check_iceberg_shape(rules, order, order.iceberg_qty)
    if order.quote_order_qty is not None and not rules.quote_market_allowed:
        # Binance's spelling, sic (errors.md).
        raise errors.SimError(
            -2010, "Quote order qty market orders are not support for this symbol."
        )
    stp = order.self_trade_prevention_mode or rules.default_stp
    if stp not in rules.allowed_stp:  # a StrEnum member hashes and compares as its value
        raise errors.SimError(
            -1013, "This symbol does not allow the specified self-trade prevention mode."
        )
    return stp


def _check_unchecked(order: NewOrder) -> None:
    """What ``_check_shape`` and ``_check_amount`` refuse that the server's parse lets through:
    a MARKET order with both ``quantity`` and ``quoteOrderQty``, and a zero ``quoteOrderQty``
    (the parse checks presence, not-required names, the decimal range and the precision)."""
    quote = order.quote_order_qty
    if quote is None:
        return
    if order.order_type is OrderType.MARKET and order.quantity is not None:
        raise errors.not_required("quoteOrderQty")
    if quote == ZERO:
        raise errors.mandatory("quoteOrderQty")


def _check_iceberg_shape(rules: SymbolFilters, order: NewOrder, iceberg: Decimal) -> None:
    """rest-api.md, New order: ``icebergQty`` is "Used with LIMIT, STOP_LOSS_LIMIT, and
    TAKE_PROFIT_LIMIT", "Any LIMIT or LIMIT_MAKER type order can be made an iceberg order",
    and "Any order with an icebergQty MUST have timeInForce set to GTC" (LIMIT_MAKER has
    none); the messages are errors.md's -2010 ones. A triggered stop-limit iceberg works as
    a LIMIT iceberg."""
    if not rules.iceberg_allowed:
        raise errors.SimError(-2010, "Iceberg orders are not supported for this symbol.")
    kind = order.order_type
    gtc = order.time_in_force in (None, TimeInForce.GTC)
    if not (kind is OrderType.LIMIT_MAKER or (kind in _ICEBERG_TIF_TYPES and gtc)):
        raise errors.SimError(-2010, "Unsupported order combination")
    if iceberg <= ZERO or (order.quantity is not None and iceberg >= order.quantity):
        # errors.md: "icebergQty must be less than the order quantity".
        raise errors.SimError(-2010, "IcebergQty exceeds QTY.")


def _check_shape(order: NewOrder, *, quantity_pending: bool = False) -> None:
    """Mandatory and not-required parameters per order type (rest-api.md, New order)."""
    kind = order.order_type
    # A pending OPO order has no quantity until the working order fills: none is required.
    qty = ZERO if quantity_pending else order.quantity
    if kind is OrderType.LIMIT:
        for name, value in (
            ("timeInForce", order.time_in_force),
            ("quantity", qty),
            ("price", order.price),
        ):
            if value is None:
                raise errors.mandatory(name)
    elif kind is OrderType.LIMIT_MAKER:
        for name, value in (("quantity", qty), ("price", order.price)):
            if value is None:
                raise errors.mandatory(name)
    elif kind in _ALGO_SHAPES:
        _check_algo_shape(order, limit=_ALGO_SHAPES[kind], quantity_pending=quantity_pending)
        return
    else:
        if qty is None and order.quote_order_qty is None:
            raise errors.one_of_mandatory("quantity", "quoteOrderQty")
        if order.quantity is not None and order.quote_order_qty is not None:
            raise errors.not_required("quoteOrderQty")
        if order.price is not None:
            raise errors.not_required("price")
    if kind is not OrderType.LIMIT and order.time_in_force is not None:
        raise errors.not_required("timeInForce")
    if kind is not OrderType.MARKET and order.quote_order_qty is not None:
        raise errors.not_required("quoteOrderQty")
    if order.stop_price is not None:
        raise errors.not_required("stopPrice")


# The stop types, and whether each is a LIMIT variant (rest-api.md, New order, "Additional
# mandatory parameters").
_ALGO_SHAPES = {
    OrderType.STOP_LOSS: False,
    OrderType.TAKE_PROFIT: False,
    OrderType.STOP_LOSS_LIMIT: True,
    OrderType.TAKE_PROFIT_LIMIT: True,
}


def _check_algo_shape(order: NewOrder, *, limit: bool, quantity_pending: bool = False) -> None:
    """STOP_LOSS / TAKE_PROFIT: ``quantity``, ``stopPrice`` or ``trailingDelta``; the _LIMIT
    types also ``timeInForce`` and ``price`` (rest-api.md, New order)."""
    if order.quantity is None and not quantity_pending:
        raise errors.mandatory("quantity")
    if order.stop_price is None and order.trailing_delta is None:
        raise errors.one_of_mandatory("stopPrice", "trailingDelta")
    if order.quote_order_qty is not None:
        raise errors.not_required("quoteOrderQty")
    if limit:
        if order.time_in_force is None:
            raise errors.mandatory("timeInForce")
        if order.price is None:
            raise errors.mandatory("price")
    else:
        if order.price is not None:
            raise errors.not_required("price")
        if order.time_in_force is not None:
            raise errors.not_required("timeInForce")


def _amounts(order: NewOrder) -> list[tuple[str, Decimal]]:
    out: list[tuple[str, Decimal]] = []
    if order.quantity is not None:
        out.append(("quantity", order.quantity))
    if order.quote_order_qty is not None:
        out.append(("quoteOrderQty", order.quote_order_qty))
    if order.price is not None:
        out.append(("price", order.price))
    if order.stop_price is not None:
        out.append(("stopPrice", order.stop_price))
    return out


def _check_amount(rules: SymbolFilters, name: str, value: Decimal) -> None:
    if not value.is_finite() or value < ZERO or value >= MAX_AMOUNT:
        raise errors.illegal_chars(name)
    quantum = rules.base_quantum if name == "quantity" else rules.quote_quantum
    # More places than the asset has is -1111 (rest-api.md, General API Information); trailing zeros
    # are fine.
    if value.quantize(quantum) != value:
        raise errors.bad_precision(name)
    if name == "quoteOrderQty" and value == ZERO:
        raise errors.mandatory(name)


def check_filters(
    rules: SymbolFilters, order: NewOrder, reference_price: Decimal, open_orders: int
) -> None:
    """Apply the symbol filters to a new order whose parameters passed ``check_params``.

    Args:
        rules: the symbol's compiled rules.
        order: the order.
        reference_price: the price PERCENT_PRICE_BY_SIDE and market notional checks use
            (filters.md, PERCENT_PRICE_BY_SIDE; the simulator's reference is the last trade price,
            or the configured start).
        open_orders: the account's open orders on the symbol now (MAX_NUM_ORDERS).

    Raises:
        SimError: -1013 "Filter failure: NAME" for the first filter that fails.
    """
    market = order.order_type is OrderType.MARKET
    if order.stop_price is not None:
        _check_price(rules, order.stop_price)
    if order.order_type in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT):
        # Executes as MARKET once triggered: its notional is judged at the stop price.
        pass
    elif not market:
        price = order.price if order.price is not None else ZERO
        _check_price(rules, price)
        _check_percent(rules, order.side, price, reference_price)
    if order.quantity is not None:
        _check_lot(rules.lot, order.quantity, "LOT_SIZE")
        if market:
            _check_lot(rules.market_lot, order.quantity, "MARKET_LOT_SIZE")
        if order.iceberg_qty is not None:
            _check_iceberg_parts(rules, order.quantity, order.iceberg_qty)
    if order.quantity is not None or order.quote_order_qty is not None:
        # Without either, a pending OPO order: its quantity filters wait for its quantity
        # (faqs/opo.md: "evaluated (e.g. filters) after the working order fully fills").
        _check_notional(rules, order, reference_price)
    if rules.max_num_orders is not None and open_orders >= rules.max_num_orders:
        raise errors.filter_failure("MAX_NUM_ORDERS")


def check_amend_quantity(rules: SymbolFilters, new_qty: Decimal) -> None:
    """An amended quantity is a quantity like any other: "If the request fails for any
    reason (e.g. fails the filters, ...), then the order amend request is rejected and the
    order remains unchanged" (faqs/order_amend_keep_priority.md). More places than the base
    asset has is -1111 (rest-api.md, General API Information); a ``newQty`` off the step,
    under ``minQty`` or zero fails LOT_SIZE (filters.md, LOT_SIZE).

    Raises:
        SimError: -1111 "Parameter 'newQty' has too much precision.", or -1013 "Filter
            failure: LOT_SIZE".
    """
    if new_qty.quantize(rules.base_quantum) != new_qty:
        raise errors.bad_precision("newQty")
    _check_lot(rules.lot, new_qty, "LOT_SIZE")


def _max_position(info: SymbolInfo) -> Decimal | None:
    """MAX_POSITION's ``maxPosition`` (filters.md: ``{"filterType": "MAX_POSITION",
    "maxPosition": "10.00000000"}``), read from the raw filter: None when not listed."""
    for raw in info.filters:
        if raw.get("filterType") == "MAX_POSITION":
            return Decimal(str(raw["maxPosition"]))
    return None


def check_max_position(rules: SymbolFilters, order: NewOrder, position: Decimal) -> None:
    """filters.md, MAX_POSITION: ``position`` is the account's free plus locked base asset
    plus the quantity of its open BUY orders on the symbol; "BUY orders will be rejected if
    the account's position is greater than the maximum position allowed", and "If an
    order's quantity can cause the position to overflow" too: so a BUY passes while
    ``position + quantity <= maxPosition``. SELL orders are not limited. A ``quoteOrderQty``
    BUY has no quantity yet: only its position is checked (our reading; the docs are silent).

    Raises:
        SimError: -1013 "Filter failure: MAX_POSITION".
    """
    limit = rules.max_position
    if limit is None or order.side is not Side.BUY:
        return
    if position + (order.quantity or ZERO) > limit:
        raise errors.filter_failure("MAX_POSITION")


def _check_iceberg_parts(rules: SymbolFilters, quantity: Decimal, iceberg: Decimal) -> None:
    # filters.md, ICEBERG_PARTS: "defined as CEIL(qty / icebergQty)"; the visible part is
    # itself a quantity, so it keeps LOT_SIZE too (filters.md, LOT_SIZE).
    _check_lot(rules.lot, iceberg, "LOT_SIZE")
    limit = rules.iceberg_parts
    if limit is not None and (quantity / iceberg).to_integral_value(ROUND_CEILING) > limit:
        raise errors.filter_failure("ICEBERG_PARTS")


def _check_price(rules: SymbolFilters, price: Decimal) -> None:
    f = rules.price
    if f is None:
        return
    if (
        (f.min_price and price < f.min_price)
        or (f.max_price and price > f.max_price)
        or (f.tick_size and price % f.tick_size)
    ):
        raise errors.filter_failure("PRICE_FILTER")


def _check_percent(rules: SymbolFilters, side: Side, price: Decimal, ref: Decimal) -> None:
    if not ref:
        return
    plain = rules.percent_price
    # filters.md, PERCENT_PRICE: "price <= average * multiplierUp" and ">= average *
    # multiplierDown", whatever the side (the reference stands for the average here).
    if plain is not None and not ref * plain.multiplier_down <= price <= ref * plain.multiplier_up:
        raise errors.filter_failure("PERCENT_PRICE")
    f = rules.percent
    if f is None:
        return
    if side is Side.BUY:
        up, down = f.bid_multiplier_up, f.bid_multiplier_down
    else:
        up, down = f.ask_multiplier_up, f.ask_multiplier_down
    if price > ref * up or price < ref * down:
        raise errors.filter_failure("PERCENT_PRICE_BY_SIDE")


def _check_lot(f: LotSizeFilter | None, qty: Decimal, name: str) -> None:
    if f is None:
        return
    if (
        qty <= ZERO
        or (f.min_qty and qty < f.min_qty)
        or (f.max_qty and qty > f.max_qty)
        or (f.step_size and qty % f.step_size)
    ):
        raise errors.filter_failure(name)


def _check_notional(rules: SymbolFilters, order: NewOrder, ref: Decimal) -> None:
    market = order.order_type is OrderType.MARKET
    if order.quote_order_qty is not None:
        notional = order.quote_order_qty
    elif order.order_type in (OrderType.STOP_LOSS, OrderType.TAKE_PROFIT):
        notional = (order.stop_price or ref) * (order.quantity or ZERO)
    elif market:
        notional = ref * (order.quantity or ZERO)
    else:
        notional = (order.price or ZERO) * (order.quantity or ZERO)
    legacy = rules.min_notional
    # MIN_NOTIONAL checks MARKET orders only with applyToMarket (filters.md, MIN_NOTIONAL).
    applies = legacy is not None and (not market or legacy.apply_to_market)
    if legacy is not None and applies and notional < legacy.min_notional:
        raise errors.filter_failure("MIN_NOTIONAL")
    f = rules.notional
    if f is None:
        return
    # NOTIONAL checks each bound on MARKET orders only with its apply*ToMarket flag (filters.md,
    # NOTIONAL).
    if (not market or f.apply_min_to_market) and notional < f.min_notional:
        raise errors.filter_failure("NOTIONAL")
    if (not market or f.apply_max_to_market) and f.max_notional and notional > f.max_notional:
        raise errors.filter_failure("NOTIONAL")


def effective_time_in_force(order: NewOrder) -> TimeInForce:
    """Binance reports GTC for MARKET and LIMIT_MAKER orders (rest-api.md, New order FULL
    example)."""
    return order.time_in_force or TimeInForce.GTC
