"""The ``oms`` commands for advanced orders: ``stop``, ``oco``, ``bracket``, ``amend``, ``lists``.

Rules (as for every ``oms`` command, see ``oms.app.cli``): one line on error and a non-zero
exit; ``--json`` for scripts; decimals in plain notation. Each command is one call of the
order manager (``oms.runtime.list_commands``) and prints the orders it touched, legs under
their list.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from oms.app.failures import EXIT_USAGE, CliError
from oms.app.render import ORDER_COLUMNS, order_row
from oms.core.spec import OrderSpec
from oms.wire.enums import OrderType, Side, TimeInForce

__all__ = ["LIST_COLUMNS", "add_list_commands", "list_rows"]

LIST_COLUMNS = ("list", "contingency", "list_state", *ORDER_COLUMNS)

Common = Callable[[argparse.ArgumentParser], None]
WithManager = Callable[[argparse.Namespace, Callable[[Any], Any]], Any]
PrintRows = Callable[[argparse.Namespace, Sequence[dict[str, Any]], Sequence[str]], None]


def list_rows(manager: Any, order_list: Any) -> list[dict[str, Any]]:
    """One row per leg, each carrying its list's client id, contingency and state."""
    head = {
        "list": order_list.list_client_order_id,
        "contingency": str(order_list.contingency_type),
        "list_state": order_list.state.name,
    }
    return [{**head, **order_row(leg)} for leg in manager.engine.legs(order_list)]


class _Commands:
    """The commands' bodies, sharing the ``oms`` command's manager and printer."""

    def __init__(self, with_manager: WithManager, print_rows: PrintRows) -> None:
        self.with_manager = with_manager
        self.print_rows = print_rows

    def stop(self, args: argparse.Namespace) -> int:
        if args.stop is None and args.trailing is None:
            raise CliError("give --stop PRICE and/or --trailing BIPS", status=EXIT_USAGE)
        kind = ("TAKE_PROFIT" if args.take_profit else "STOP_LOSS") + (
            "_LIMIT" if args.price is not None else ""
        )
        spec = OrderSpec(
            symbol=args.symbol.upper(), side=Side(args.side.upper()), order_type=OrderType(kind),
            quantity=args.quantity, price=args.price, stop_price=args.stop,
            trailing_delta=args.trailing,
            time_in_force=TimeInForce.GTC if args.price is not None else None,
        )  # fmt: skip

        async def go(manager: Any) -> list[dict[str, Any]]:
            return [order_row(await manager.place(spec, client_order_id=args.client_id))]

        self.print_rows(args, self.with_manager(args, go), ORDER_COLUMNS)
        return 0

    def oco(self, args: argparse.Namespace) -> int:
        symbol, side = args.symbol.upper(), Side(args.side.upper())
        limit = OrderSpec(symbol=symbol, side=side, order_type=OrderType.LIMIT_MAKER,
                          quantity=args.quantity, price=args.limit)  # fmt: skip
        stop_type = OrderType.STOP_LOSS_LIMIT if args.stop_limit else OrderType.STOP_LOSS
        stop = OrderSpec(symbol=symbol, side=side, order_type=stop_type, quantity=args.quantity,
                         stop_price=args.stop, price=args.stop_limit,
                         time_in_force=TimeInForce.GTC if args.stop_limit else None)  # fmt: skip
        # A SELL OCO's limit is above the market and its stop below; a BUY's the reverse
        # (rest-api.md, New Order list - OCO, price restrictions).
        above, below = (limit, stop) if side is Side.SELL else (stop, limit)

        async def go(manager: Any) -> list[dict[str, Any]]:
            placed = await manager.place_oco(above, below, list_client_order_id=args.list_id)
            return list_rows(manager, placed)

        self.print_rows(args, self.with_manager(args, go), LIST_COLUMNS)
        return 0

    def bracket(self, args: argparse.Namespace) -> int:
        async def go(manager: Any) -> list[dict[str, Any]]:
            placed = await manager.bracket(
                args.symbol.upper(), Side(args.side.upper()), args.quantity,
                entry_price=args.entry, take_profit=args.take_profit, stop_loss=args.stop_loss,
                stop_limit_price=args.stop_limit, list_client_order_id=args.list_id,
            )  # fmt: skip
            return list_rows(manager, placed)

        self.print_rows(args, self.with_manager(args, go), LIST_COLUMNS)
        return 0

    def amend(self, args: argparse.Namespace) -> int:
        async def go(manager: Any) -> list[dict[str, Any]]:
            order = manager.order(args.client_id)
            if order is None:
                raise CliError(
                    f"no order with client id {args.client_id!r} in journal"
                    f" {manager.journal.path} (see `oms orders`)",
                    status=EXIT_USAGE,
                )
            answer = await manager.amend(order, args.quantity)
            return [{"client_order_id": answer.amended_order.client_order_id,
                     "quantity": str(answer.amended_order.qty),
                     "state": answer.amended_order.status.value}]  # fmt: skip

        self.print_rows(args, self.with_manager(args, go), ("client_order_id", "quantity", "state"))
        return 0

    def lists(self, args: argparse.Namespace) -> int:
        async def go(manager: Any) -> list[dict[str, Any]]:
            return [row for lst in manager.order_lists() for row in list_rows(manager, lst)]

        self.print_rows(args, self.with_manager(args, go), LIST_COLUMNS)
        return 0


def _order_args(p: argparse.ArgumentParser, decimal: Callable[[str], Decimal]) -> None:
    p.add_argument("side", choices=["buy", "sell"])
    p.add_argument("symbol")
    p.add_argument("quantity", type=decimal)


def add_list_commands(
    sub: Any, *, common: Common, decimal: Callable[[str], Decimal],
    with_manager: WithManager, print_rows: PrintRows,
) -> None:  # fmt: skip
    """Register the commands on the ``oms`` parser's subparsers."""
    run = _Commands(with_manager, print_rows)
    stop = sub.add_parser("stop", help="place a stop-loss or take-profit order")
    _order_args(stop, decimal)
    stop.add_argument("--stop", type=decimal, help="stop price (trigger)")
    stop.add_argument("--price", type=decimal, help="limit price: a _LIMIT order")
    stop.add_argument("--trailing", type=int, help="trailing delta in BIPS (100 = 1%%)")
    stop.add_argument("--take-profit", action="store_true", help="TAKE_PROFIT, not STOP_LOSS")
    stop.add_argument("--client-id")
    oco = sub.add_parser("oco", help="place an OCO: a limit and a stop, one cancels the other")
    _order_args(oco, decimal)
    oco.add_argument("--limit", type=decimal, required=True, help="LIMIT_MAKER price")
    oco.add_argument("--stop", type=decimal, required=True, help="stop price")
    oco.add_argument("--stop-limit", type=decimal, help="limit price of the stop leg")
    oco.add_argument("--list-id")
    bracket = sub.add_parser("bracket", help="entry LIMIT, then an OCO exit (OTOCO)")
    _order_args(bracket, decimal)
    bracket.add_argument("--entry", type=decimal, required=True, help="entry limit price")
    bracket.add_argument("--take-profit", type=decimal, required=True)
    bracket.add_argument("--stop-loss", type=decimal, required=True)
    bracket.add_argument("--stop-limit", type=decimal, help="limit price of the stop leg")
    bracket.add_argument("--list-id")
    amend = sub.add_parser("amend", help="lower an order's quantity, keeping its queue place")
    amend.add_argument("client_id")
    amend.add_argument("quantity", type=decimal)
    lists = sub.add_parser("lists", help="list order lists and their legs")
    for p, body in ((stop, run.stop), (oco, run.oco), (bracket, run.bracket),
                    (amend, run.amend), (lists, run.lists)):  # fmt: skip
        common(p)
        p.set_defaults(run=body, writes=body != run.lists)
