"""What the trading commands do once the session is up: place, test, cancel, query, list fills.

Rules:
- What the exchange would refuse is refused here first, in the user's words: an unknown
  symbol, a price outside PERCENT_PRICE_BY_SIDE (with the valid range), and (in ``cli``) a
  time in force on a MARKET order. Nothing is sent then.
- An order placement has its own deadline; when it passes with the outcome unknown the
  order is reported as it stands (the command then says IN DOUBT and how to check it).
- Answers shown are the exchange's: ``order`` and ``fills`` ask it directly.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from typing import Any

from oms.app.failures import EXIT_IN_DOUBT, EXIT_USAGE, CliError
from oms.app.render import Precision, average, fill_row, order_row
from oms.errors import NoSuchOrder, OrderValidationError
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.money import show

__all__ = ["cancel", "dry_run", "fills", "known_symbol", "place", "query_order"]


def known_symbol(manager: Any, symbol: str) -> Any:
    """The symbol's rules; an unknown symbol is a usage error naming it."""
    try:
        return manager.rules(symbol)
    except OrderValidationError:
        raise CliError(
            f"unknown symbol {symbol!r}: the exchange lists no such symbol", status=EXIT_USAGE
        ) from None


async def check_price_band(manager: Any, symbol: str, side: Side, price: Decimal) -> None:
    """PERCENT_PRICE_BY_SIDE (filters.md): a limit price must lie within the multipliers of
    the symbol's average price for its side; say the valid range when it does not."""
    from oms.wire.rest import PercentPriceBySideFilter  # noqa: PLC0415

    client = manager.transport
    if not hasattr(client, "get_avg_price"):
        return
    info = await client.get_exchange_info([symbol])
    band = info.symbols[0].filter(PercentPriceBySideFilter) if info.symbols else None
    if band is None:
        return
    avg = await client.get_avg_price(symbol)
    if side is Side.BUY:
        low, high = avg * band.bid_multiplier_down, avg * band.bid_multiplier_up
    else:
        low, high = avg * band.ask_multiplier_down, avg * band.ask_multiplier_up
    if not low <= price <= high:
        p = Precision.of(manager.rules(symbol))
        raise OrderValidationError(
            f"price {show(price)} is outside the {side} range {p.price(_up(low, p))} to"
            f" {p.price(_down(high, p))} ({band.avg_price_mins} min average price"
            f" {show(avg.normalize())})",
            rule="PERCENT_PRICE_BY_SIDE",
        )


def _up(value: Decimal, p: Precision) -> Decimal:
    if p.tick is None or p.tick <= 0:
        return value
    return (value / p.tick).to_integral_value(rounding="ROUND_CEILING") * p.tick


def _down(value: Decimal, p: Precision) -> Decimal:
    if p.tick is None or p.tick <= 0:
        return value
    return (value / p.tick).to_integral_value(rounding="ROUND_FLOOR") * p.tick


async def place(
    manager: Any, args: Any, symbol: str, client_id: str, deadline_s: float
) -> dict[str, Any]:
    rules = known_symbol(manager, symbol)
    side = Side.BUY if args.side == "buy" else Side.SELL
    if args.price is not None:
        await check_price_band(manager, symbol, side, args.price)
    send = manager.execute_spot_buy if side is Side.BUY else manager.execute_spot_sell
    try:
        async with asyncio.timeout(deadline_s):
            order = await send(
                symbol,
                args.quantity,
                args.price,
                time_in_force=TimeInForce(args.tif) if args.tif else None,
                quote_quantity=args.quote_qty,
                client_order_id=client_id,
            )
    except TimeoutError:
        order = manager.order(client_id)
        if order is None:  # never created: nothing was sent
            raise
    return order_row(order, Precision.of(rules))


async def dry_run(manager: Any, args: Any, symbol: str) -> list[dict[str, Any]]:
    """Local checks, then the exchange's order test with the commission rates it would use."""
    from oms.core.checks import check_order  # noqa: PLC0415
    from oms.wire.requests import NewOrder  # noqa: PLC0415

    rules = known_symbol(manager, symbol)
    side = Side.BUY if args.side == "buy" else Side.SELL
    market = args.price is None
    otype = OrderType.MARKET if market else OrderType.LIMIT
    check_order(
        rules,
        side=side,
        order_type=otype,
        quantity=args.quantity,
        price=args.price,
        quote_order_qty=args.quote_qty,
    )
    if args.price is not None:
        await check_price_band(manager, symbol, side, args.price)
    request = NewOrder(
        symbol=symbol,
        side=side,
        order_type=otype,
        quantity=args.quantity,
        quote_order_qty=args.quote_qty,
        price=args.price,
        time_in_force=None if market else TimeInForce(args.tif or "GTC"),
    )
    rates = await manager.transport.test_order_rates(request)
    std = rates.standard_commission_for_order
    return [
        {"check": "order", "result": _described(request, rules.quote_asset)},
        {"check": "order test", "result": "accepted (nothing was placed)"},
        {"check": "commission maker", "result": show(std.maker)},
        {"check": "commission taker", "result": show(std.taker)},
    ]


def _described(order: Any, quote_asset: str) -> str:
    """The order as it was tested, e.g. ``BUY LIMIT 0.01 BTCUSDT @ 60000 GTC``."""
    if order.quantity is not None:
        text = f"{order.side} {order.order_type} {show(order.quantity)} {order.symbol}"
    else:
        text = f"{order.side} {order.order_type} {order.symbol} for"
        text += f" {show(order.quote_order_qty)} {quote_asset}"
    if order.price is not None:
        text += f" @ {show(order.price)} {order.time_in_force}"
    return text


async def cancel(manager: Any, args: Any, symbol: str, deadline_s: float) -> list[dict[str, Any]]:
    """Cancel one order (or all on ``symbol``); a cancel still unsettled at the deadline is
    IN DOUBT (the order may or may not still be open), with the command to check it."""
    rules = known_symbol(manager, symbol)
    p = Precision.of(rules)
    if args.all:
        check = f"oms orders {symbol}"
        try:
            async with asyncio.timeout(deadline_s):
                return [order_row(o, p) for o in await manager.cancel_all(symbol)]
        except TimeoutError:
            raise _cancel_in_doubt(f"the cancel of every order on {symbol}", check) from None
    for order in manager.orders():
        if order.symbol != symbol:
            continue
        if (args.order_id is not None and order.order_id == args.order_id) or (
            args.client_id is not None and order.client_order_id == args.client_id
        ):
            check = f"oms order {symbol} --client-id {order.client_order_id}"
            try:
                async with asyncio.timeout(deadline_s):
                    return [order_row(await manager.cancel(order), p)]
            except TimeoutError:
                raise _cancel_in_doubt(f"the cancel of {order.client_order_id}", check) from None
    raise CliError(f"no open order on {symbol} with that id (see `oms orders {symbol}`)")


def _cancel_in_doubt(what: str, check: str) -> CliError:
    return CliError(
        f"{what} is IN DOUBT: no final answer before the deadline (--timeout), so the order"
        f" may still be open; check with `{check}`",
        status=EXIT_IN_DOUBT,
    )


async def query_order(manager: Any, args: Any, symbol: str) -> list[dict[str, Any]]:
    """The exchange's own answer about one order, by ``--order-id`` or ``--client-id``."""
    from oms.wire.requests import QueryOrder  # noqa: PLC0415

    p = Precision.of(known_symbol(manager, symbol))
    query = QueryOrder(symbol=symbol, order_id=args.order_id, orig_client_order_id=args.client_id)
    try:
        found = await manager.transport.get_order(query)
    except NoSuchOrder as exc:
        # The exchange's words, not a conclusion: an order sent a moment ago may not be
        # known yet (rest-api.md, Query order: -2013 "Order does not exist.").
        which = args.client_id or args.order_id
        raise CliError(
            f"the exchange has no order {which} on {symbol} ({exc.code} {exc.msg}); one sent"
            " moments ago may not be known yet: ask again in a few seconds"
        ) from None
    filled = found.executed_qty
    avg = average(found.cummulative_quote_qty / filled) if filled > 0 else None
    return [
        {
            "symbol": found.symbol,
            "side": str(found.side),
            "type": str(found.type),
            "state": str(found.status),
            "quantity": p.qty(found.orig_qty),
            "filled": p.qty(filled),
            "price": p.price(found.price) if found.price else "",
            "avg_price": p.price(avg) if avg is not None else "",
            "notional": show(found.cummulative_quote_qty) if filled > 0 else "",
            "fee": "",
            "client_order_id": found.client_order_id,
            "order_id": found.order_id,
        }
    ]


async def fills(manager: Any, symbol: str | None, limit: int) -> list[dict[str, Any]]:
    """Your trades from the exchange (``GET /api/v3/myTrades``), oldest first."""
    symbols = [symbol] if symbol else sorted({o.symbol for o in manager.orders()})
    if not symbols:
        raise CliError(
            "give a SYMBOL (e.g. `oms fills BTCUSDT`): no orders are tracked yet",
            status=EXIT_USAGE,
        )
    rows: list[tuple[int, dict[str, Any]]] = []
    for name in symbols:
        p = Precision.of(known_symbol(manager, name))
        for trade in await manager.transport.get_my_trades(name, limit=limit):
            rows.append((trade.time, fill_row(trade, p)))
    return [row for _, row in sorted(rows, key=lambda r: r[0])]
