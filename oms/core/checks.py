"""Pre-trade checks: an order is refused locally, with the rule and the nearest valid value,
before anything is sent.

Rules:
- The rules are Binance's symbol filters as exchangeInfo states them (filters.md, PRICE_FILTER):
  PRICE_FILTER (``price % tickSize == 0`` since 2022-02-24), LOT_SIZE / MARKET_LOT_SIZE
  (``qty % stepSize == 0`` since 2023-03-13), MIN_NOTIONAL / NOTIONAL (MARKET orders only
  where ``applyToMarket`` / ``apply*ToMarket`` says so), plus the local free balance.
- The advanced orders' filters (filters.md): TRAILING_DELTA (the *above* bounds for STOP_LOSS
  BUY and TAKE_PROFIT SELL and their _LIMIT types, the *below* bounds for the others),
  ICEBERG_PARTS (``CEIL(qty / icebergQty) <= limit``), MAX_NUM_ALGO_ORDERS and
  MAX_NUM_ORDER_LISTS (only when the caller passes the open counts it knows). A stop type
  needs ``stopPrice`` or ``trailingDelta``, LIMIT / MARKET / LIMIT_MAKER take neither, and a
  MARKET order takes no ``timeInForce`` (rest-api.md, New order).
- Every refusal is an ``OrderValidationError`` whose ``rule`` names the filter and whose
  ``suggestion`` is the nearest valid value (as wire text), so a caller can fix and retry.
- A check never rounds silently: ``round_price`` / ``round_quantity`` are separate helpers.
- Pure: no I/O; the caller passes the symbol's rules and the balance it knows.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_EVEN, ROUND_UP, Decimal

import msgspec

from oms.core.spec import OrderSpec
from oms.errors import OrderValidationError
from oms.wire.enums import OrderType, Side
from oms.wire.money import ZERO, is_multiple, round_to_step, to_wire
from oms.wire.rest import (
    IcebergPartsFilter,
    LotSizeFilter,
    MarketLotSizeFilter,
    MaxNumAlgoOrdersFilter,
    MaxNumOrderListsFilter,
    MinNotionalFilter,
    NotionalFilter,
    PriceFilter,
    SymbolInfo,
    TrailingDeltaFilter,
)

__all__ = [
    "ALGO_TYPES",
    "SymbolRules",
    "check_list_count",
    "check_order",
    "check_spec",
    "round_price",
    "round_quantity",
]

# "Algo" orders (filters.md, MAX_NUM_ALGO_ORDERS): the types that wait for a stop price.
ALGO_TYPES = frozenset(
    {
        OrderType.STOP_LOSS,
        OrderType.STOP_LOSS_LIMIT,
        OrderType.TAKE_PROFIT,
        OrderType.TAKE_PROFIT_LIMIT,
    }
)
_STOP_LOSS = frozenset({OrderType.STOP_LOSS, OrderType.STOP_LOSS_LIMIT})


class SymbolRules(msgspec.Struct, frozen=True, kw_only=True):
    """The filters of one symbol that a pre-trade check needs, typed once."""

    symbol: str
    base_asset: str
    quote_asset: str
    price: PriceFilter | None = None
    lot: LotSizeFilter | None = None
    market_lot: MarketLotSizeFilter | None = None
    min_notional: MinNotionalFilter | None = None
    notional: NotionalFilter | None = None
    trailing: TrailingDeltaFilter | None = None
    iceberg: IcebergPartsFilter | None = None
    max_algo: MaxNumAlgoOrdersFilter | None = None
    max_lists: MaxNumOrderListsFilter | None = None

    @classmethod
    def from_symbol(cls, info: SymbolInfo) -> SymbolRules:
        return cls(
            symbol=info.symbol,
            base_asset=info.base_asset,
            quote_asset=info.quote_asset,
            price=info.filter(PriceFilter),
            lot=info.filter(LotSizeFilter),
            market_lot=info.filter(MarketLotSizeFilter),
            min_notional=info.filter(MinNotionalFilter),
            notional=info.filter(NotionalFilter),
            trailing=info.filter(TrailingDeltaFilter),
            iceberg=info.filter(IcebergPartsFilter),
            max_algo=info.filter(MaxNumAlgoOrdersFilter),
            max_lists=info.filter(MaxNumOrderListsFilter),
        )


def round_price(rules: SymbolRules, price: Decimal, *, side: Side | None = None) -> Decimal:
    """Round a price to the symbol's tick: down for a BUY, up for a SELL (never worse for the
    caller), half-even when no side is given."""
    if rules.price is None:
        return price
    mode = ROUND_HALF_EVEN
    if side is Side.BUY:
        mode = ROUND_DOWN
    elif side is Side.SELL:
        mode = ROUND_UP
    return round_to_step(price, rules.price.tick_size, rounding=mode)


def round_quantity(rules: SymbolRules, quantity: Decimal, *, market: bool = False) -> Decimal:
    """Round a quantity down onto the symbol's step: LOT_SIZE, and for a MARKET order also
    MARKET_LOT_SIZE (both apply to it, filters.md, MARKET_LOT_SIZE), so the result passes
    ``check_order``'s steps."""
    steps = [f.step_size for f in (rules.lot, rules.market_lot if market else None) if f]
    steps = [step for step in steps if step > ZERO]
    for _ in range(8):  # rounding down onto each step in turn reaches a common multiple
        if all(is_multiple(quantity, step) for step in steps):
            break
        for step in steps:
            quantity = round_to_step(quantity, step, rounding=ROUND_DOWN)
    return quantity


def check_spec(
    rules: SymbolRules,
    spec: OrderSpec,
    *,
    reference_price: Decimal | None = None,
    free_balance: Decimal | None = None,
    open_algo_orders: int | None = None,
) -> None:
    """Check an order's spec (``check_order``): the one place a new field of an order gets
    its pre-trade check.

    Args:
        open_algo_orders: the account's open algo orders on the symbol, when known
            (MAX_NUM_ALGO_ORDERS); None skips that check.

    Raises:
        OrderValidationError: the first rule the order breaks, with the nearest valid value.
    """
    _check_shape(spec)
    if spec.trailing_delta is not None:
        _check_trailing(rules.trailing, spec)
    if spec.iceberg_qty is not None and spec.quantity is not None:
        _check_iceberg(rules.iceberg, spec.quantity, spec.iceberg_qty)
    if spec.stop_price is not None:
        _check_price(rules, spec.stop_price, spec.side, name="stopPrice")
    if spec.order_type in ALGO_TYPES and open_algo_orders is not None:
        _check_count(_algo_limit(rules),
                     open_algo_orders, 1, "MAX_NUM_ALGO_ORDERS", "algo orders")  # fmt: skip
    check_order(
        rules,
        side=spec.side,
        order_type=spec.order_type,
        quantity=spec.quantity,
        price=spec.price,
        quote_order_qty=spec.quote_order_qty,
        reference_price=reference_price,
        free_balance=free_balance,
    )


def check_list_count(
    rules: SymbolRules, open_order_lists: int, *, open_algo_orders: int | None = None,
    new_algo_orders: int = 0,
) -> None:  # fmt: skip
    """One more order list (an OTOCO counts once) and its ``new_algo_orders`` stop legs
    against MAX_NUM_ORDER_LISTS and MAX_NUM_ALGO_ORDERS (filters.md).

    Raises:
        OrderValidationError: the first limit the list would pass.
    """
    _check_count(_lists_limit(rules),
                 open_order_lists, 1, "MAX_NUM_ORDER_LISTS", "order lists")  # fmt: skip
    if open_algo_orders is not None and new_algo_orders:
        _check_count(_algo_limit(rules),
                     open_algo_orders, new_algo_orders, "MAX_NUM_ALGO_ORDERS",
                     "algo orders")  # fmt: skip


def _algo_limit(rules: SymbolRules) -> int | None:
    return rules.max_algo.max_num_algo_orders if rules.max_algo is not None else None


def _lists_limit(rules: SymbolRules) -> int | None:
    return rules.max_lists.max_num_order_lists if rules.max_lists is not None else None


def _check_count(limit: int | None, open_now: int, adding: int, rule: str, what: str) -> None:
    if limit is not None and open_now + adding > limit:
        raise OrderValidationError(
            f"{open_now} open {what} on the symbol, {adding} more would pass {rule} {limit}",
            rule=rule,
            suggestion=str(max(limit - open_now, 0)),
        )


def _check_shape(spec: OrderSpec) -> None:
    """Which parameters the type takes (rest-api.md, New order, additional mandatory
    parameters): stop types need ``stopPrice`` or ``trailingDelta``, the others take neither;
    a MARKET order takes no ``timeInForce``."""
    kind = spec.order_type
    if kind in ALGO_TYPES:
        if spec.stop_price is None and spec.trailing_delta is None:
            raise OrderValidationError(
                f"a {kind} order needs a stop price or a trailing delta", rule="stopPrice"
            )
        return
    if spec.stop_price is not None:
        raise OrderValidationError(f"a {kind} order takes no stop price", rule="stopPrice")
    if spec.trailing_delta is not None:
        raise OrderValidationError(f"a {kind} order takes no trailing delta", rule="trailingDelta")
    if kind is OrderType.MARKET and spec.time_in_force is not None:
        raise OrderValidationError(
            f"a MARKET order takes no time in force (got {spec.time_in_force})",
            rule="timeInForce",
        )


def _check_trailing(flt: TrailingDeltaFilter | None, spec: OrderSpec) -> None:
    delta = spec.trailing_delta
    assert delta is not None
    if delta <= 0:
        raise OrderValidationError(
            f"trailing delta {delta} must be a positive number of BIPS", rule="trailingDelta"
        )
    if flt is None:
        return
    # The *above* pair for STOP_LOSS BUY / TAKE_PROFIT SELL, the *below* pair for STOP_LOSS
    # SELL / TAKE_PROFIT BUY, _LIMIT types alike (filters.md, TRAILING_DELTA).
    if (spec.order_type in _STOP_LOSS) == (spec.side is Side.BUY):
        low, high, pair = flt.min_trailing_above_delta, flt.max_trailing_above_delta, "Above"
    else:
        low, high, pair = flt.min_trailing_below_delta, flt.max_trailing_below_delta, "Below"
    label = f"{spec.order_type} {spec.side}"
    if delta < low:
        raise OrderValidationError(
            f"trailing delta {delta} of a {label} is below minTrailing{pair}Delta {low}; "
            f"nearest valid value is {low}",
            rule="TRAILING_DELTA",
            suggestion=str(low),
        )
    if delta > high:
        raise OrderValidationError(
            f"trailing delta {delta} of a {label} is above maxTrailing{pair}Delta {high}; "
            f"nearest valid value is {high}",
            rule="TRAILING_DELTA",
            suggestion=str(high),
        )


def _check_iceberg(flt: IcebergPartsFilter | None, quantity: Decimal, iceberg: Decimal) -> None:
    if iceberg <= ZERO:
        raise OrderValidationError(
            f"iceberg quantity {to_wire(iceberg)} must be positive", rule="icebergQty"
        )
    if flt is None:
        return
    # "The number of ICEBERG_PARTS is defined as CEIL(qty / icebergQty)" (filters.md).
    parts = int((quantity / iceberg).to_integral_value(rounding=ROUND_CEILING))
    if parts > flt.limit:
        smallest = quantity / flt.limit
        raise OrderValidationError(
            f"iceberg quantity {to_wire(iceberg)} splits {to_wire(quantity)} into {parts} "
            f"parts, above ICEBERG_PARTS limit {flt.limit}; smallest valid iceberg quantity "
            f"is {to_wire(smallest)}",
            rule="ICEBERG_PARTS",
            suggestion=to_wire(smallest),
        )


# STOP_LOSS and TAKE_PROFIT take no price: they "execute a MARKET order when the conditions
# are met" (rest-api.md, New order, additional mandatory parameters).
_NO_PRICE = frozenset({OrderType.MARKET, OrderType.STOP_LOSS, OrderType.TAKE_PROFIT})


def check_order(
    rules: SymbolRules,
    *,
    side: Side,
    order_type: OrderType,
    quantity: Decimal | None,
    price: Decimal | None,
    quote_order_qty: Decimal | None = None,
    reference_price: Decimal | None = None,
    free_balance: Decimal | None = None,
) -> None:
    """Check an order against the symbol's filters and the free balance.

    Args:
        reference_price: the price a MARKET order is expected to trade at (last trade or
            best opposite quote); used for its notional and balance checks when known.
        free_balance: free amount of the asset the order spends (quote for BUY, base for
            SELL); None skips the balance check.

    Raises:
        OrderValidationError: the first rule the order breaks, with the nearest valid value.
    """
    market = order_type is OrderType.MARKET
    if quantity is None and quote_order_qty is None:
        raise OrderValidationError("give a quantity or a quote quantity", rule="quantity")
    if price is not None:
        _check_price(rules, price, side)
    elif order_type not in _NO_PRICE:
        raise OrderValidationError(f"a {order_type} order needs a price", rule="price")
    if quantity is not None:
        _check_quantity(rules, quantity, market)
    at = price if price is not None else reference_price
    notional = (
        quote_order_qty
        if quote_order_qty is not None
        else (quantity * at if quantity is not None and at is not None else None)
    )
    if notional is not None:
        _check_notional(rules, notional, market, at)
    if free_balance is not None:
        _check_balance(rules, side, quantity, notional, free_balance)


def _check_price(rules: SymbolRules, price: Decimal, side: Side, name: str = "price") -> None:
    # PRICE_FILTER applies to stopPrice as to price (filters.md, PRICE_FILTER: "price/stopPrice").
    flt = rules.price
    if price <= ZERO:
        raise OrderValidationError(f"{name} {to_wire(price)} must be positive", rule=name)
    if flt is None:
        return
    if flt.min_price > ZERO and price < flt.min_price:
        raise _fail("PRICE_FILTER", f"{name} {to_wire(price)} is below minPrice", flt.min_price)
    if flt.max_price > ZERO and price > flt.max_price:
        raise _fail("PRICE_FILTER", f"{name} {to_wire(price)} is above maxPrice", flt.max_price)
    if not is_multiple(price, flt.tick_size):
        nearest = round_to_step(
            price, flt.tick_size, rounding=ROUND_DOWN if side is Side.BUY else ROUND_UP
        )
        raise _fail(
            "PRICE_FILTER",
            f"{name} {to_wire(price)} is not a multiple of tickSize {to_wire(flt.tick_size)}",
            nearest,
        )


def _check_quantity(rules: SymbolRules, quantity: Decimal, market: bool) -> None:
    if quantity <= ZERO:
        raise OrderValidationError(
            f"quantity {to_wire(quantity)} must be positive", rule="quantity"
        )
    # LOT_SIZE applies to every order; MARKET_LOT_SIZE to MARKET orders on top (filters.md,
    # MARKET_LOT_SIZE).
    if rules.lot is not None:
        _check_lot(rules.lot, quantity, "LOT_SIZE")
    if market and rules.market_lot is not None:
        _check_lot(rules.market_lot, quantity, "MARKET_LOT_SIZE")


def _check_lot(lot: LotSizeFilter, quantity: Decimal, name: str) -> None:
    # A zero minQty, maxQty or stepSize disables that part (MARKET_LOT_SIZE often has 0s).
    if lot.min_qty > ZERO and quantity < lot.min_qty:
        raise _fail(name, f"quantity {to_wire(quantity)} is below minQty", lot.min_qty)
    if lot.max_qty > ZERO and quantity > lot.max_qty:
        raise _fail(name, f"quantity {to_wire(quantity)} is above maxQty", lot.max_qty)
    if not is_multiple(quantity, lot.step_size):
        nearest = round_to_step(quantity, lot.step_size, rounding=ROUND_DOWN)
        raise _fail(
            name,
            f"quantity {to_wire(quantity)} is not a multiple of stepSize {to_wire(lot.step_size)}",
            nearest,
        )


def _check_notional(
    rules: SymbolRules, notional: Decimal, market: bool, at: Decimal | None
) -> None:
    mn = rules.min_notional
    if mn is not None and (not market or mn.apply_to_market) and notional < mn.min_notional:
        raise _fail_notional("MIN_NOTIONAL", notional, mn.min_notional, at, rules)
    nf = rules.notional
    if nf is None:
        return
    if (not market or nf.apply_min_to_market) and notional < nf.min_notional:
        raise _fail_notional("NOTIONAL", notional, nf.min_notional, at, rules)
    if (
        nf.max_notional > ZERO
        and (not market or nf.apply_max_to_market)
        and notional > nf.max_notional
    ):
        raise OrderValidationError(
            f"notional {to_wire(notional)} is above maxNotional {to_wire(nf.max_notional)}",
            rule="NOTIONAL",
            suggestion=to_wire(nf.max_notional),
        )


def _check_balance(
    rules: SymbolRules,
    side: Side,
    quantity: Decimal | None,
    notional: Decimal | None,
    free: Decimal,
) -> None:
    if side is Side.BUY:
        need, asset = notional, rules.quote_asset
    else:
        need, asset = quantity if quantity is not None else None, rules.base_asset
    if need is not None and need > free:
        raise OrderValidationError(
            f"insufficient free {asset}: need {to_wire(need)}, have {to_wire(free)}",
            rule="BALANCE",
            suggestion=to_wire(free),
        )


def _fail(rule: str, message: str, nearest: Decimal) -> OrderValidationError:
    return OrderValidationError(
        f"{message}; nearest valid value is {to_wire(nearest)}",
        rule=rule,
        suggestion=to_wire(nearest),
    )


def _fail_notional(
    rule: str, notional: Decimal, minimum: Decimal, at: Decimal | None, rules: SymbolRules
) -> OrderValidationError:
    suggestion = minimum
    hint = f"notional {to_wire(notional)} is below minNotional {to_wire(minimum)}"
    if at is not None and at > ZERO and rules.lot is not None:
        # The smallest quantity at this price that meets the minimum, on the step grid.
        qty = round_to_step(minimum / at, rules.lot.step_size, rounding=ROUND_UP)
        return OrderValidationError(
            f"{hint}; smallest valid quantity at {to_wire(at)} is {to_wire(qty)}",
            rule=rule,
            suggestion=to_wire(qty),
        )
    return OrderValidationError(hint, rule=rule, suggestion=to_wire(suggestion))
