"""``oms exchange``: serve the simulated exchange on localhost as a Binance Spot stand-in.

Rules:
- Binds to 127.0.0.1 unless told otherwise; prints the REST base URL, the WebSocket API URL
  and the demo API key and secret (a demo value, never a real secret), then the same as
  ``.env`` lines ready to paste, then serves until interrupted. Keys from a config file are
  listed by name only: their secrets are never printed.
- Accounts, balances and keys come from ``--config FILE`` (JSON, or TOML by extension)::

      [[accounts]]
      name = "alice"
      api_key = "aliceKey..."
      secret = "..."       # HMAC; or ed25519_public_key / rsa_public_key = "-----BEGIN..."
      balances = { USDT = "100000", BTC = "1" }

  Without one, a single ``demo`` account holds the demo key. The same file may list the
  markets (``[[markets]]``, ``[commission]``; see ``transports.sim.markets``); without them
  the defaults are BTCUSDT, ETHUSDT, BNBUSDT, the Unicode ``这是测试币456``, and BTCUSDC /
  BTCUSDP, which form one SOR configuration with BTCUSDT (faqs/sor_faq.md).
- Unless ``--no-liquidity``, a ``liquidity`` account keeps a ladder of bids and asks around
  each symbol's price, which walks (seeded) or follows ``--replay FILE`` at ``--speed X``,
  and replenishes what is taken (``market_maker.py``), so MARKET orders keep filling.
- Fault options map one to one onto ``transports.sim.faults.FaultConfig``.
- The command line is the ``oms`` command's: a failure (a port in use, a bad option or
  config file) is one line on stderr naming the fix and a non-zero exit; Ctrl-C and SIGTERM
  stop it cleanly (exit 0). After the ``.env`` block it prints, as ``#`` comments, how to
  point python-binance and ccxt here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import json
import signal
import sys
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn

from aiohttp import web

from transports.sim.exchange import SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.markets import UNICODE_SYMBOL, markets_from_config
from transports.sim.server.app import (
    DEMO_API_KEY,
    DEMO_API_SECRET,
    ApiAccount,
    ServerOptions,
    make_app,
)
from transports.sim.server.control import add_control_routes
from transports.sim.server.core import wall_clock_ms
from transports.sim.server.market_maker import MakerOptions, MarketMaker, add_market_maker
from transports.sim.trade_replay import read_trades

__all__ = ["build", "load_accounts", "main"]

DEMO_BALANCES = {
    "USDT": "100000",
    # The quote assets of the default SOR configuration's other books (markets.py).
    "USDC": "100000",
    "USDP": "100000",
    "BTC": "1",
    "ETH": "10",
    "BNB": "100",
    UNICODE_SYMBOL[:5]: "1000",
    UNICODE_SYMBOL[5:]: "1000",
}


class _Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line naming ``--help`` (the oms command's rule)."""

    def error(self, message: str) -> NoReturn:
        text = f"{self.prog}: {message} (see `{self.prog} --help`)"
        self.exit(2, text.encode("utf-8", "backslashreplace").decode() + "\n")


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a probability from 0 to 1")
    return value


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a whole number above 0")
    return int(text)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} must be a port number from 0 to 65535")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="oms exchange",
        description="Serve the simulated Binance Spot exchange on localhost: prints its REST,"
        " WebSocket API and stream URLs, the demo key, a .env block for the oms command and"
        " the lines that point python-binance and ccxt at it; Ctrl-C or SIGTERM stops it.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8765, help="default 8765; 0 picks a free port")
    p.add_argument("--config", type=Path, help="JSON or TOML file of accounts and keys")
    p.add_argument("--no-liquidity", action="store_true", help="no liquidity provider")
    p.add_argument("--replay", type=Path, help="Binance public trades CSV the price follows")
    p.add_argument("--replay-symbol", default="BTCUSDT")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed factor")
    p.add_argument("--walk-every", type=float, default=1.0, help="seconds per price step")
    p.add_argument("--control-token", help="token of the /_oms test-control API (off if unset)")
    p.add_argument("--ping-interval", type=float, default=20.0)
    p.add_argument("--max-connection-age", type=float, default=86400.0)
    p.add_argument("--weight-per-minute", type=int, default=6000)
    p.add_argument("--orders-per-10s", type=int, default=50)
    p.add_argument("--orders-per-day", type=int, default=160000)
    p.add_argument(
        "--connections-per-5m",
        type=_positive,
        default=300,
        help="WebSocket connection attempts per IP per 5 minutes, API and streams together "
        "(Binance's limit; raise it for test suites that reconnect often)",
    )
    faults = p.add_argument_group("faults (probabilities 0..1, per event or per order)")
    faults.add_argument("--seed", type=int, default=0)
    for name in (
        "drop-event",
        "duplicate-event",
        "delay-event",
        "reorder-events",
        "error-after-execution",
        "timeout-after-execution",
        "lose-request",
    ):
        faults.add_argument(f"--{name}", type=_probability, default=0.0, metavar="P")
    faults.add_argument("--clock-skew-ms", type=int, default=0)
    faults.add_argument("--fault-orders-per-10s", type=int, default=None)
    faults.add_argument("--disconnect-every", type=int, default=None)
    return p


def read_config(path: Path) -> Any:
    """The parsed JSON or TOML file. Raises: OSError, ValueError."""
    text = path.read_text(encoding="utf-8")
    try:
        return tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except ValueError as exc:  # say which file
        raise ValueError(f"{path}: {exc}") from None


def load_accounts(path: Path) -> list[tuple[ApiAccount, dict[str, Decimal]]]:
    """Accounts, keys and starting balances from a JSON or TOML file.

    Raises:
        ValueError: the file is not a list of accounts with a name, a key and one of
            ``secret`` / ``ed25519_public_key`` / ``rsa_public_key``, or a balance is not a
            decimal string.
    """
    data = read_config(path)
    out = []
    for entry in data.get("accounts", []):
        try:
            spec = ApiAccount(
                account=entry["name"],
                api_key=entry["api_key"],
                secret=entry.get("secret"),
                ed25519_public_key=entry.get("ed25519_public_key"),
                rsa_public_key=entry.get("rsa_public_key"),
            )
            balances = {a: Decimal(str(v)) for a, v in entry.get("balances", {}).items()}
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise ValueError(f"{path}: bad account entry ({exc!r})") from None
        out.append((spec, balances))
    if not out:
        raise ValueError(f"{path}: no [[accounts]] given")
    return out


def build(args: argparse.Namespace) -> tuple[web.Application, list[ApiAccount]]:
    """The application and the API accounts it accepts, from parsed options."""
    markets = markets_from_config(read_config(args.config) if args.config else {})
    exchange = SimExchange(clock=wall_clock_ms, seed=args.seed, config=markets)
    if args.config is not None:
        configured = load_accounts(args.config)
    else:
        demo = ApiAccount(account="demo", api_key=DEMO_API_KEY, secret=DEMO_API_SECRET)
        configured = [(demo, {a: Decimal(v) for a, v in DEMO_BALANCES.items()})]
    for spec, balances in configured:
        if spec.account not in exchange.accounts():
            exchange.create_account(spec.account, balances)
    maker = None
    if not args.no_liquidity:
        replay = read_trades(args.replay) if args.replay is not None else ()
        options = MakerOptions(seed=args.seed, walk_every=args.walk_every, speed=args.speed)
        maker = MarketMaker(exchange, options, replay=replay, replay_symbol=args.replay_symbol)
        maker.quote_all()
    faults = FaultConfig(
        seed=args.seed,
        drop_event=args.drop_event,
        duplicate_event=args.duplicate_event,
        delay_event=args.delay_event,
        reorder_events=args.reorder_events,
        error_after_execution=args.error_after_execution,
        timeout_after_execution=args.timeout_after_execution,
        lose_request=args.lose_request,
        clock_skew_ms=args.clock_skew_ms,
        orders_per_10s=args.fault_orders_per_10s,
        disconnect_every=args.disconnect_every,
    )
    server_options = ServerOptions(
        faults=None if faults == FaultConfig(seed=args.seed) else faults,
        ping_interval=args.ping_interval,
        max_connection_age=args.max_connection_age,
        request_weight_per_minute=args.weight_per_minute,
        orders_per_10s=args.orders_per_10s,
        orders_per_day=args.orders_per_day,
        connections_per_5m=args.connections_per_5m,
    )
    specs = [spec for spec, _ in configured]
    app = make_app(exchange, specs, server_options)
    if maker is not None:
        add_market_maker(app, maker)
    if args.control_token:
        add_control_routes(app, args.control_token)
    return app, specs


async def _serve(args: argparse.Namespace) -> None:
    app, specs = build(args)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    port = args.port
    server = getattr(site, "_server", None)
    if server is not None and server.sockets:
        port = server.sockets[0].getsockname()[1]
    print(f"REST API:      http://{args.host}:{port}/api")
    print(f"WebSocket API: ws://{args.host}:{port}/ws-api/v3")
    print(f"Streams:       ws://{args.host}:{port}/ws/<stream>, /stream?streams=a/b")
    if args.control_token:
        print(f"Test control:  http://{args.host}:{port}/_oms/... (X-OMS-CONTROL-TOKEN)")
    for spec in specs:
        if spec.api_key == DEMO_API_KEY:
            print(f"demo API key:    {DEMO_API_KEY}")
            print(f"demo API secret: {DEMO_API_SECRET}  (a demo value, not a real secret)")
        else:
            print(f"account {spec.account!r}: key ...{spec.api_key[-4:]}")
    demo = any(spec.api_key == DEMO_API_KEY for spec in specs)
    print("\n# Ready to paste into .env (or export) to point the oms command here:")
    print("OMS_ENV=local")
    print(f"OMS_REST_URL=http://{args.host}:{port}/api")
    print(f"OMS_WS_API_URL=ws://{args.host}:{port}/ws-api/v3")
    if demo:
        print(f"OMS_API_KEY={DEMO_API_KEY}")
        print(f"OMS_API_SECRET={DEMO_API_SECRET}")
    _print_clients(args.host, port)
    print("\nserving; Ctrl-C to stop", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)  # `kill`: stop as Ctrl-C does
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def _print_clients(host: str, port: int) -> None:
    """How to point the usual Binance clients here: their attributes, with this server's URLs
    in place of Binance's (https://api.binance.com/api, wss://stream.binance.com:9443/)."""
    rest, root = f"http://{host}:{port}/api", f"ws://{host}:{port}"
    print("\n# Point a Binance client here:")
    # python-binance reads WS_API_URL when a client is made: set both on a subclass.
    print(
        f"#   python-binance: class Local(Client): API_URL = {rest!r};"
        f" WS_API_URL = {root + '/ws-api/v3'!r}"
    )
    print(f"#                   BinanceSocketManager(client).STREAM_URL = {root + '/'!r}")
    print(
        "#   ccxt binance:   in exchange.urls['api'], replace 'https://api.binance.com/api'"
        f" with {rest!r};"
    )
    print(
        f"#                   ccxt.pro: urls['api']['ws']['spot'] = {root + '/ws'!r},"
        f" urls['api']['ws']['ws-api']['spot'] = {root + '/ws-api/v3'!r}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run ``oms exchange``; returns the exit status. A failure is one line on stderr."""
    args = _parser().parse_args(argv)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(args))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            text = (
                f"port {args.port} on {args.host} is in use (another `oms exchange`?):"
                " choose another with --port PORT, or --port 0 for a free one"
            )
        elif isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            text = f"{exc.strerror}: {exc.filename} (check --config / --replay)"
        else:
            text = f"{exc} (check --host / --port)"
        print(f"oms exchange: {text}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"oms exchange: {exc}", file=sys.stderr)
        return 2
    return 0


def _main(argv: Sequence[str] | None = None) -> int:
    return main(list(argv) if argv is not None else None)


if __name__ == "__main__":
    raise SystemExit(_main())
