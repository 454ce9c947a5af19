"""oms: trade Binance Spot from a terminal (testnet by default, the local simulated
exchange, or production), the demo, and the local exchange server.

Rules:
- Never show a guess as a fact: every command checks that the exchange answers and accepts
  the key before it shows or does anything; what the journal knew is shown only with
  ``--offline``, labelled with its time.
- Every failure is one line naming the fix, on stderr, and a non-zero exit
  (``oms.app.failures`` lists the statuses); never a traceback, a log line or a secret.
- Every command has a deadline (``--timeout``, default 15 s); an order whose outcome is still
  unknown then is reported IN DOUBT with its client id and the command to check it (exit 3).
- ``--json`` prints machine-readable output: decimals are strings in plain notation, never
  floats. ``watch --json`` writes one object per line (docs/watch-json.md).
- Configuration comes from the environment and ``.env`` (``.env.example`` documents every
  variable); production needs ``OMS_ENV=production`` *and* ``OMS_ALLOW_PRODUCTION=yes``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import secrets
import sys
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any, NoReturn

from oms.app.failures import EXIT_IN_DOUBT, EXIT_USAGE, CliError
from oms.app.list_cli import add_list_commands
from oms.app.render import (
    BALANCE_COLUMNS,
    FILL_COLUMNS,
    ORDER_COLUMNS,
    POSITION_COLUMNS,
    Precision,
    UpdatePrinter,
    balance_rows,
    order_row,
    position_row,
    table,
    timestamp,
)
from oms.wire.enums import TimeInForce

__all__ = ["main"]

DEFAULT_TIMEOUT_S = 15.0
# An order in one of these states is settled: the exchange said so.
FINAL_STATES = frozenset({"FILLED", "CANCELED", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"})


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``oms`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["exchange"]:  # the server has its own options (and --help)
        from transports.sim.server.serve import main as serve  # noqa: PLC0415

        return serve(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    from oms.app.loop import Terminated  # noqa: PLC0415

    try:
        result: int = args.run(args)
        return result
    except Terminated:  # SIGTERM: everything was closed first (oms.app.loop)
        return 143
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output closed early (`oms orders | head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except CliError as exc:
        print(f"oms: {exc}", file=sys.stderr)
        return exc.status
    except Exception as exc:  # the promise: one clear line, never a traceback
        print(f"oms: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _configure_logging(args: argparse.Namespace) -> None:
    """Internal logs are off unless ``OMS_LOG_LEVEL`` asks for them: the command speaks in
    its own lines (and ``watch`` prints the stream's and reconciliation's notices)."""
    from oms.app.settings import read_settings  # noqa: PLC0415
    from oms.runtime.logs import configure_logging  # noqa: PLC0415

    try:
        values = read_settings(getattr(args, "env_file", None))
    except CliError:
        values = dict(os.environ)  # the command reports the bad file itself, in one line
    configure_logging(
        values.get("OMS_LOG_LEVEL", "").strip() or "CRITICAL",
        json=values.get("OMS_LOG_FORMAT", "").lower() == "json",
    )


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line too (its default prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        # Invalid UTF-8 in argv arrives as surrogates: show them escaped, never crash on them.
        text = f"{self.prog}: {message} (see `{self.prog} --help`)"
        self.exit(EXIT_USAGE, text.encode("utf-8", "backslashreplace").decode() + "\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    try:
        return version("oms")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="oms", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"oms {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser("demo", help="walk through orders on the embedded simulated exchange")
    demo.add_argument("--json", action="store_true", help="print JSON lines instead of tables")
    demo.set_defaults(run=_run_demo)

    exchange = sub.add_parser("exchange", help="serve the simulated exchange on localhost")
    exchange.add_argument("rest", nargs=argparse.REMAINDER, help="options for the server")
    exchange.set_defaults(run=_run_exchange)

    _trading_commands(sub)
    _view_commands(sub)
    _tool_commands(sub)
    from oms.app.live import add_run_command  # noqa: PLC0415
    from oms.app.simulate import add_commands  # noqa: PLC0415

    add_commands(sub)  # simulate
    add_run_command(sub, _common)
    return parser


def _trading_commands(sub: Any) -> None:
    for side in ("buy", "sell"):
        p = sub.add_parser(side, help=f"place a {side} order (MARKET without --price)")
        p.add_argument("symbol", help="e.g. BTCUSDT")
        p.add_argument("quantity", nargs="?", type=_decimal, default=None, help="base quantity")
        p.add_argument("--price", type=_decimal, help="limit price (a LIMIT order)")
        p.add_argument("--quote-qty", type=_decimal, help="MARKET: quote amount to spend/receive")
        p.add_argument("--tif", choices=[t.value for t in TimeInForce], help="LIMIT only")
        p.add_argument("--client-id", help="your id for the order (default: generated)")
        p.add_argument(
            "--dry-run",
            action="store_true",
            help="validate with the exchange (order test) and show commission rates; place nothing",
        )
        _common(p)
        p.set_defaults(run=_run_order, side=side)

    cancel = sub.add_parser("cancel", help="cancel an order by --order-id or --client-id")
    cancel.add_argument("symbol")
    cancel.add_argument("--order-id", type=_order_id)
    cancel.add_argument("--client-id")
    cancel.add_argument("--all", action="store_true", help="cancel every open order on SYMBOL")
    _common(cancel)
    cancel.set_defaults(run=_run_cancel)


def _view_commands(sub: Any) -> None:
    order = sub.add_parser("order", help="ask the exchange about one order (e.g. one in doubt)")
    order.add_argument("symbol")
    order.add_argument("--order-id", type=_order_id)
    order.add_argument("--client-id")
    _common(order)
    order.set_defaults(run=_run_order_query)

    orders = sub.add_parser("orders", help="list open orders")
    orders.add_argument("symbol", nargs="?")
    _common(orders, offline=True)
    orders.set_defaults(run=_run_orders)

    balances = sub.add_parser("balances", help="show balances")
    balances.add_argument("--all", action="store_true", help="include zero balances")
    _common(balances, offline=True)
    balances.set_defaults(run=_run_balances)

    fills = sub.add_parser("fills", help="your trades on a symbol, newest last")
    fills.add_argument("symbol", nargs="?", help="default: the symbols of tracked orders")
    fills.add_argument("--limit", type=_count, default=50, help="at most this many per symbol")
    fills.add_argument("--csv", action="store_true", help="CSV with a header row")
    _common(fills)
    fills.set_defaults(run=_run_fills)

    positions = sub.add_parser("positions", help="net positions from the fills oms has seen")
    _common(positions, offline=True)
    positions.set_defaults(run=_run_positions)

    watch = sub.add_parser("watch", help="live view of orders, fills, balances and the stream")
    watch.add_argument(
        "--seconds", type=_seconds, default=0.0, help="stop after this long (default: never)"
    )
    _common(watch)
    watch.set_defaults(run=_run_watch)
    add_list_commands(
        sub, common=_common, decimal=_decimal, with_manager=_with_manager, print_rows=_print
    )


def _tool_commands(sub: Any) -> None:
    config = sub.add_parser("config", help="show and check the configuration")
    config_sub = config.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    check = config_sub.add_parser(
        "check", help="settings (secrets masked), reachability, clock offset, trading rights"
    )
    _common(check)
    check.set_defaults(run=_run_config_check)
    config.set_defaults(run=lambda _a: _usage("say what to do: `oms config check`"))

    completion = sub.add_parser("completion", help="print a shell completion script")
    completion.add_argument("shell", choices=["bash", "zsh"])
    completion.set_defaults(run=_run_completion)


def _common(p: argparse.ArgumentParser, *, offline: bool = False) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--env", choices=["testnet", "local", "production"], help="overrides OMS_ENV")
    p.add_argument("--env-file", help="dotenv file to read (default: .env, when there is one)")
    p.add_argument(
        "--timeout",
        type=_seconds_positive,
        default=DEFAULT_TIMEOUT_S,
        help=f"give up after this many seconds (default {DEFAULT_TIMEOUT_S:g})",
    )
    if offline:
        p.add_argument(
            "--offline",
            action="store_true",
            help="show what the journal last knew, without asking the exchange",
        )


def _usage(message: str) -> int:
    raise CliError(message, status=EXIT_USAGE)


def _decimal(text: str) -> Decimal:
    """A positive amount (``oms.app.amounts``: never ``0_5``, never another script's digit)."""
    from oms.app.amounts import NotAnAmount, typed_decimal  # noqa: PLC0415

    try:
        value = typed_decimal(text)
    except NotAnAmount as exc:
        if exc.non_finite:
            raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number") from None
        raise argparse.ArgumentTypeError(str(exc)) from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive finite number")
    return value


def _order_id(text: str) -> int:
    """An exchange order id: a whole number of at most 20 digits (errors.md, -1100
    ILLEGAL_CHARS: Binance's message gives orderId's legal range as ``^[0-9]{1,20}$``)."""
    if not (text.isascii() and text.isdigit()) or len(text) > 20:
        raise argparse.ArgumentTypeError(f"{text!r} is not an order id (a whole number, 0 or more)")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more seconds")
    return value


def _seconds_positive(text: str) -> float:
    value = _seconds(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return value


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number from 1 to 1000")
    return int(text)


# --- commands ----------------------------------------------------------------------------


def _run_demo(args: argparse.Namespace) -> int:
    from oms.app.demo import run_demo  # noqa: PLC0415
    from oms.app.loop import run_loop  # noqa: PLC0415

    return run_loop(run_demo(json_output=args.json))


def _run_exchange(args: argparse.Namespace) -> int:
    from transports.sim.server.serve import main as serve  # noqa: PLC0415

    return serve(list(args.rest))


def _run_order(args: argparse.Namespace) -> int:
    from oms.app.session import load  # noqa: PLC0415

    if args.quantity is None and args.quote_qty is None:
        raise CliError("give a QUANTITY or --quote-qty (see `oms buy --help`)", status=EXIT_USAGE)
    if args.quantity is not None and args.quote_qty is not None:
        raise CliError(
            "give a QUANTITY (base asset) or --quote-qty (quote asset), not both", status=EXIT_USAGE
        )
    if args.price is None and args.tif is not None:
        raise CliError(
            f"--tif {args.tif} applies to LIMIT orders: give --price, or drop --tif"
            " (a MARKET order takes no time in force)",
            status=EXIT_USAGE,
        )
    if args.price is not None and args.quote_qty is not None:
        raise CliError("--quote-qty is for MARKET orders: drop --price or --quote-qty", status=2)
    session = load(args)
    symbol = args.symbol.upper()
    client_id = args.client_id or f"oms-cli-{secrets.token_hex(6)}"
    if args.dry_run:
        from oms.app.actions import dry_run  # noqa: PLC0415

        rows = session.run(lambda m: dry_run(m, args, symbol), writes=False)
        _print(args, rows, ("check", "result"))
        return 0

    check = f"oms order {symbol} --client-id {client_id}"
    with _said_if_interrupted(f"order {client_id} on {symbol}", "placed", check) as begun:

        async def go(manager: Any) -> dict[str, Any]:
            from oms.app.actions import place  # noqa: PLC0415

            begun.append(True)
            return await place(manager, args, symbol, client_id, session.remaining())

        row = session.run(go, writes=True)
    _print(args, [row], ORDER_COLUMNS)
    if row["state"] in ("CREATED", "PENDING_ACK", "UNKNOWN"):  # runtime.resolve.IN_DOUBT
        raise in_doubt(symbol, client_id, session.timeout_s)
    return 0


def in_doubt(symbol: str, client_id: str, timeout_s: float) -> CliError:
    return CliError(
        f"order {client_id} on {symbol} is IN DOUBT: no final answer within {timeout_s:g} s, so"
        f" it may have executed; do not place it again, check it later with"
        f" `oms order {symbol} --client-id {client_id}`",
        status=EXIT_IN_DOUBT,
    )


def _run_cancel(args: argparse.Namespace) -> int:
    from oms.app.actions import cancel  # noqa: PLC0415
    from oms.app.session import load  # noqa: PLC0415

    if not args.all and args.order_id is None and args.client_id is None:
        raise CliError("say which order: --order-id ID, --client-id CID or --all", status=2)
    if args.all and (args.order_id is not None or args.client_id is not None):
        # --all used to win silently: every open order cancelled for one named.
        raise CliError("give --all or an order's id, not both", status=EXIT_USAGE)
    session = load(args)
    symbol = args.symbol.upper()
    with _said_if_interrupted(f"the cancel on {symbol}", "done", f"oms orders {symbol}") as begun:

        async def go(manager: Any) -> list[dict[str, Any]]:
            begun.append(True)
            return await cancel(manager, args, symbol, session.remaining())

        rows = session.run(go, writes=True)
    _print(args, rows, ORDER_COLUMNS)
    open_still = [r for r in rows if r["state"] not in FINAL_STATES]
    if open_still:  # the exchange never confirmed: the order may still be open
        cid = open_still[0]["client_order_id"]
        raise CliError(
            f"the cancel of {cid} on {symbol} is IN DOUBT: the exchange did not confirm it"
            f" (state {open_still[0]['state']}), so the order may still be open; check with"
            f" `oms order {symbol} --client-id {cid}`",
            status=EXIT_IN_DOUBT,
        )
    return 0


def _run_order_query(args: argparse.Namespace) -> int:
    from oms.app.actions import query_order  # noqa: PLC0415
    from oms.app.session import load  # noqa: PLC0415

    if args.order_id is None and args.client_id is None:
        raise CliError("say which order: --order-id ID or --client-id CID", status=EXIT_USAGE)
    session = load(args)
    rows = session.run(lambda m: query_order(m, args, args.symbol.upper()), writes=False)
    _print(args, rows, ORDER_COLUMNS)
    return 0


def _run_orders(args: argparse.Namespace) -> int:
    from oms.app.actions import known_symbol  # noqa: PLC0415
    from oms.app.session import load  # noqa: PLC0415

    symbol = args.symbol.upper() if args.symbol else None
    session = load(args)
    if args.offline:
        return _offline(args, session, "orders", symbol)

    async def go(manager: Any) -> list[dict[str, Any]]:
        if symbol is not None:
            known_symbol(manager, symbol)
        return [
            order_row(o, _precision(manager, o.symbol))
            for o in manager.open_orders()
            if symbol in (None, o.symbol)
        ]

    _print(args, session.run(go, writes=False), ORDER_COLUMNS)
    return 0


def _run_balances(args: argparse.Namespace) -> int:
    from oms.app.session import load  # noqa: PLC0415

    session = load(args)
    if args.offline:
        return _offline(args, session, "balances", None)

    async def go(manager: Any) -> list[dict[str, Any]]:
        return _nonzero(balance_rows(manager.balances()), args.all)

    _print(args, session.run(go, writes=False), BALANCE_COLUMNS)
    return 0


def _nonzero(rows: list[dict[str, Any]], everything: bool) -> list[dict[str, Any]]:
    return rows if everything else [r for r in rows if r["free"] != "0" or r["locked"] != "0"]


def _run_fills(args: argparse.Namespace) -> int:
    from oms.app.actions import fills  # noqa: PLC0415
    from oms.app.session import load  # noqa: PLC0415

    if args.csv and args.json:
        raise CliError("give --csv or --json, not both", status=EXIT_USAGE)
    session = load(args)
    symbol = args.symbol.upper() if args.symbol else None
    rows = session.run(lambda m: fills(m, symbol, args.limit), writes=False)
    if args.csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(FILL_COLUMNS), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return 0
    _print(args, rows, FILL_COLUMNS)
    return 0


def _run_positions(args: argparse.Namespace) -> int:
    from oms.app.session import load  # noqa: PLC0415

    session = load(args)
    if args.offline:
        return _offline(args, session, "positions", None)

    async def go(manager: Any) -> list[dict[str, Any]]:
        return [position_row(p) for _, p in sorted(manager.positions_by_symbol().items())]

    _print(args, session.run(go, writes=False), POSITION_COLUMNS)
    return 0


def _run_watch(args: argparse.Namespace) -> int:
    from oms.app.session import load  # noqa: PLC0415
    from oms.app.watching import watch  # noqa: PLC0415

    session = load(args)
    printer = UpdatePrinter(json_output=args.json, stamped=True, write=_line)

    async def go(manager: Any) -> None:
        if not args.json:
            rows = [order_row(o, _precision(manager, o.symbol)) for o in manager.open_orders()]
            print(table(rows, ORDER_COLUMNS, title="open orders") if rows else "(no open orders)")
            print(table(_nonzero(balance_rows(manager.balances()), False), BALANCE_COLUMNS))
        await watch(manager, printer, args.seconds)

    session.run(go, writes=False, stream=True, body_deadline=False)
    return 0


def _line(text: str) -> None:
    print(text, flush=True)


def _run_config_check(args: argparse.Namespace) -> int:
    from oms.app.checkup import config_check  # noqa: PLC0415

    return config_check(args)


def _run_completion(args: argparse.Namespace) -> int:
    from oms.app.completion import script  # noqa: PLC0415

    print(script(build_parser(), args.shell))
    return 0


def _offline(args: argparse.Namespace, session: Any, what: str, symbol: str | None) -> int:
    from oms.app.offline import replay  # noqa: PLC0415

    view = replay(session)
    of = f" (of {view.exchange})" if view.exchange else ""
    label = (
        f"OFFLINE: what journal {session.journal}{of} knew at {timestamp(view.as_of_ms)}"
        " (not checked with the exchange; may be stale)"
        if view.as_of_ms is not None
        else f"OFFLINE: journal {session.journal} is empty"
    )
    if what == "orders":
        rows = [order_row(o) for o in view.open_orders if symbol in (None, o.symbol)]
        columns: Sequence[str] = ORDER_COLUMNS
    elif what == "balances":
        rows = _nonzero(balance_rows(view.balances), getattr(args, "all", False))
        columns = BALANCE_COLUMNS
    else:
        rows = [position_row(p) for _, p in sorted(view.positions.items())]
        columns = POSITION_COLUMNS
    if args.json:
        as_of = timestamp(view.as_of_ms) if view.as_of_ms is not None else None
        print(json.dumps({"offline": True, "as_of": as_of, what: rows}))
    else:  # the label goes with the data: a file it is piped to says it too
        print(f"# {label}")
        print(table(rows, columns) if rows else "(none)")
    return 0


def _precision(manager: Any, symbol: str) -> Precision:
    try:
        return Precision.of(manager.rules(symbol))
    except Exception:
        return Precision()


# --- output ------------------------------------------------------------------------------


def _with_manager(args: argparse.Namespace, body: Callable[[Any], Any]) -> Any:
    """Run ``body`` on a started manager in the command's session: the exchange checked, the
    journal owned, ``--timeout`` bounding it (``oms.app.session``)."""
    from oms.app.session import load  # noqa: PLC0415

    writes = getattr(args, "writes", True)
    if not writes:
        return load(args).run(body, writes=False)
    with _said_if_interrupted(
        f"`oms {args.command}`", "done", "oms orders` and `oms lists"
    ) as begun:

        async def go(manager: Any) -> Any:
            begun.append(True)
            return await body(manager)

        return load(args).run(go, writes=True)


@contextlib.contextmanager
def _said_if_interrupted(what: str, done: str, check: str) -> Iterator[list[bool]]:
    """Ctrl-C or SIGTERM once a command that trades has begun its work (the body appends to
    the list yielded): its request may have left, so the exit (130 / 143) comes with one
    line saying so and how to check, never in silence (the journal keeps the request; the
    next command resolves it by its client id)."""
    begun: list[bool] = []
    try:
        yield begun
    except KeyboardInterrupt:
        if not begun:  # interrupted before anything could be sent
            raise
        print(
            f"oms: interrupted: {what} is IN DOUBT: it may have been {done}; check with"
            f" `{check}` before trying again",
            file=sys.stderr,
        )
        raise


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
