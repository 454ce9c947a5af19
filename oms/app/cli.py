"""The ``oms`` command: the demo on the embedded simulated exchange, the local exchange
server, and order commands against testnet (default), the local server or production.

Rules:
- Errors print one line (what was wrong and what to do) to stderr and exit non-zero; never
  a traceback.
- ``--json`` prints machine-readable output for scripts; decimals are strings in plain
  notation (``oms.wire.money.to_wire``), never floats.
- Configuration comes from the environment and ``.env`` (``.env.example`` documents every
  variable); production needs ``OMS_ENV=production`` *and* ``OMS_ALLOW_PRODUCTION=yes``.
- Nothing printed ever contains a key, secret or signature.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn, TypeVar

from oms.app.list_cli import add_list_commands
from oms.app.render import (
    BALANCE_COLUMNS,
    ORDER_COLUMNS,
    UpdatePrinter,
    balance_rows,
    order_row,
    table,
)
from oms.errors import OmsError, OrderValidationError
from oms.runtime.logs import configure_logging
from oms.wire.enums import TimeInForce

__all__ = ["main"]

T = TypeVar("T")


class CliError(Exception):
    """A user-facing error: one line, exit status 2."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``oms`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["exchange"]:  # the server has its own options (and --help)
        from transports.sim.server.serve import main as serve  # noqa: PLC0415

        return serve(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    _configure_logging(getattr(args, "env_file", ".env"))
    if args.command is None:
        parser.print_help()
        return 2
    try:
        result: int = args.run(args)
        return result
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output closed early (`oms orders | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CliError as exc:
        print(f"oms: {exc}", file=sys.stderr)
        return 2
    except OrderValidationError as exc:
        print(f"oms: refused before sending ({exc.rule}): {exc}", file=sys.stderr)
        return 1
    except OmsError as exc:
        print(f"oms: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # the promise: one clear line, never a traceback
        print(f"oms: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _run(main: Coroutine[Any, Any, T]) -> T:
    """Run the command's event loop: uvloop when ``OMS_UVLOOP=1`` and it is installed."""
    if os.environ.get("OMS_UVLOOP") == "1":
        try:
            import uvloop  # type: ignore[import-not-found, unused-ignore]  # noqa: PLC0415
        except ImportError:
            main.close()  # never started: no "was never awaited" warning on stderr
            raise CliError(
                "OMS_UVLOOP=1 but uvloop is not installed (pip install uvloop)"
            ) from None
        result: T = uvloop.run(main)
        return result
    return asyncio.run(main)


def _settings(env_file: str | None) -> dict[str, str]:
    """The process environment over the dotenv file (as the transport's config reads them)."""
    from transports.binance.config import ConfigError, parse_dotenv  # noqa: PLC0415

    values: dict[str, str] = {}
    if env_file and os.path.isfile(env_file):
        try:
            with open(env_file, encoding="utf-8") as fh:
                values.update(parse_dotenv(fh.read()))
        except (ConfigError, OSError, UnicodeDecodeError) as exc:
            raise CliError(f"{env_file}: {exc}") from None
    values.update(os.environ)
    return values


def _configure_logging(env_file: str | None) -> None:
    try:
        values = _settings(env_file)
    except CliError:
        values = dict(os.environ)  # the command reports the bad file itself, in one line
    configure_logging(
        values.get("OMS_LOG_LEVEL", "WARNING"),
        json=values.get("OMS_LOG_FORMAT", "").lower() == "json",
    )


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line too (its default prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        # Invalid UTF-8 in argv arrives as surrogates: show them escaped, never crash on them.
        text = f"{self.prog}: {message} (see `{self.prog} --help`)"
        self.exit(2, text.encode("utf-8", "backslashreplace").decode() + "\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oms", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")

    demo = sub.add_parser("demo", help="walk through orders on the embedded simulated exchange")
    demo.add_argument("--json", action="store_true", help="print JSON lines instead of tables")
    demo.set_defaults(run=_run_demo)

    exchange = sub.add_parser("exchange", help="serve the simulated exchange on localhost")
    exchange.add_argument("rest", nargs=argparse.REMAINDER, help="options for the server")
    exchange.set_defaults(run=_run_exchange)

    for side in ("buy", "sell"):
        p = sub.add_parser(side, help=f"place a {side} order (MARKET without --price)")
        p.add_argument("symbol")
        p.add_argument("quantity", nargs="?", type=_decimal, default=None)
        p.add_argument("--price", type=_decimal)
        p.add_argument("--quote-qty", type=_decimal, help="MARKET: quote amount to spend/receive")
        p.add_argument("--tif", choices=[t.value for t in TimeInForce])
        p.add_argument("--client-id")
        _common(p)
        p.set_defaults(run=_run_order, side=side)

    cancel = sub.add_parser("cancel", help="cancel an order by --order-id or --client-id")
    cancel.add_argument("symbol")
    cancel.add_argument("--order-id", type=int)
    cancel.add_argument("--client-id")
    cancel.add_argument("--all", action="store_true", help="cancel every open order on SYMBOL")
    _common(cancel)
    cancel.set_defaults(run=_run_cancel)

    orders = sub.add_parser("orders", help="list open orders")
    orders.add_argument("symbol", nargs="?")
    _common(orders)
    orders.set_defaults(run=_run_orders)

    balances = sub.add_parser("balances", help="show balances")
    balances.add_argument("--all", action="store_true", help="include zero balances")
    _common(balances)
    balances.set_defaults(run=_run_balances)

    watch = sub.add_parser("watch", help="live view of orders, fills and balances")
    watch.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: never)")
    _common(watch)
    watch.set_defaults(run=_run_watch)
    add_list_commands(
        sub, common=_common, decimal=_decimal, with_manager=_with_manager, print_rows=_print
    )

    from oms.app.simulate import add_commands  # noqa: PLC0415

    add_commands(sub)  # simulate, run
    return parser


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--env", choices=["testnet", "local", "production"], help="overrides OMS_ENV")
    p.add_argument("--env-file", default=".env", help="dotenv file to read (default .env)")


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"{text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


# --- commands ----------------------------------------------------------------------------


def _run_demo(args: argparse.Namespace) -> int:
    from oms.app.demo import run_demo  # noqa: PLC0415

    return _run(run_demo(json_output=args.json))


def _run_exchange(args: argparse.Namespace) -> int:
    from transports.sim.server.serve import main as serve  # noqa: PLC0415

    return serve(list(args.rest))


def _run_order(args: argparse.Namespace) -> int:
    if args.quantity is None and args.quote_qty is None:
        raise CliError("give a QUANTITY or --quote-qty (see `oms buy --help`)")

    async def go(manager: Any) -> dict[str, Any]:
        place = manager.execute_spot_buy if args.side == "buy" else manager.execute_spot_sell
        tif = TimeInForce(args.tif) if args.tif else None
        order = await place(
            args.symbol.upper(),
            args.quantity,
            args.price,
            time_in_force=tif,
            quote_quantity=args.quote_qty,
            client_order_id=args.client_id,
        )
        return order_row(order)

    row = _with_manager(args, go)
    _print(args, [row], ORDER_COLUMNS)
    return 0


def _run_cancel(args: argparse.Namespace) -> int:
    if not args.all and args.order_id is None and args.client_id is None:
        raise CliError("say which order: --order-id ID, --client-id CID or --all")

    async def go(manager: Any) -> list[dict[str, Any]]:
        symbol = args.symbol.upper()
        if args.all:
            return [order_row(o) for o in await manager.cancel_all(symbol)]
        order = _find(manager, symbol, args.order_id, args.client_id)
        return [order_row(await manager.cancel(order))]

    _print(args, _with_manager(args, go), ORDER_COLUMNS)
    return 0


def _run_orders(args: argparse.Namespace) -> int:
    async def go(manager: Any) -> list[dict[str, Any]]:
        symbol = args.symbol.upper() if args.symbol else None
        return [order_row(o) for o in manager.open_orders() if symbol in (None, o.symbol)]

    _print(args, _with_manager(args, go), ORDER_COLUMNS)
    return 0


def _run_balances(args: argparse.Namespace) -> int:
    async def go(manager: Any) -> list[dict[str, Any]]:
        rows = balance_rows(manager.balances())
        return rows if args.all else [r for r in rows if r["free"] != "0" or r["locked"] != "0"]

    _print(args, _with_manager(args, go), BALANCE_COLUMNS)
    return 0


def _run_watch(args: argparse.Namespace) -> int:
    async def go(manager: Any) -> None:
        printer = UpdatePrinter(json_output=args.json)
        updates = manager.updates()
        _print(args, [order_row(o) for o in manager.open_orders()], ORDER_COLUMNS)
        _print(args, balance_rows(manager.balances()), BALANCE_COLUMNS)

        async def pump() -> None:
            async for out in updates:
                printer(out)

        if args.seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pump(), args.seconds)
        else:
            await pump()

    _with_manager(args, go)
    return 0


def _find(manager: Any, symbol: str, order_id: int | None, client_id: str | None) -> Any:
    for order in manager.orders():
        if order.symbol != symbol:
            continue
        if (order_id is not None and order.order_id == order_id) or (
            client_id is not None and order.client_order_id == client_id
        ):
            return order
    raise CliError(f"no open order on {symbol} with that id (see `oms orders {symbol}`)")


def _with_manager(args: argparse.Namespace, body: Callable[[Any], Any]) -> Any:
    from oms.runtime.journal import Journal  # noqa: PLC0415
    from oms.runtime.manager import OrderManager  # noqa: PLC0415
    from transports.binance.client import BinanceClient  # noqa: PLC0415
    from transports.binance.config import ConfigError, load_config  # noqa: PLC0415

    environ = _settings(args.env_file)
    if args.env:
        environ["OMS_ENV"] = args.env
    try:
        config = load_config(environ, env_file=None)
    except ConfigError as exc:
        raise CliError(f"configuration: {exc} (see .env.example)") from None
    if config.api_key is None:
        raise CliError("no API key: set OMS_API_KEY and OMS_API_SECRET (see .env.example)")
    journal_path = environ.get("OMS_JOURNAL", "oms-journal.sqlite3")

    async def run() -> Any:
        client = BinanceClient(config)
        async with OrderManager(client, journal=Journal(journal_path)) as manager:
            return await body(manager)

    return _run(run())


# --- output ------------------------------------------------------------------------------


def _print(
    args: argparse.Namespace, rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> None:
    if getattr(args, "json", False):
        print(json.dumps(list(rows)))
    elif rows:
        print(table(rows, columns))
    else:
        print("(none)")


if __name__ == "__main__":
    sys.exit(main())
