"""``oms run STRATEGY --env local|testnet``: a strategy live, on Binance's market data streams.

Rules:
- It is a command like the others (``oms.app.session``): the exchange is checked and the
  key accepted before anything else, the journal is owned (it trades), a failure is one
  line naming the fix and a non-zero exit.
- The strategy says what to stream (``subscription()``, ``oms.sim.market.Subscription``);
  ``--symbols`` / ``--klines`` / ``--book-tops`` stand in for a strategy that does not, and
  a strategy with a ``symbol`` attribute gets that symbol's trades by default.
- The market streams must answer within ``--timeout`` (a few seconds at most): otherwise one
  line names the URL (``OMS_MARKET_STREAM_URL`` overrides it). Once running, a dropped
  stream reconnects with backoff and the strategy hears of the gap (``on_gap``).
- ``--seconds`` bounds the run (0: until Ctrl-C); then the strategy is stopped (it cancels
  what it wants cancelled) and a one-line summary is printed. Ctrl-C (exit 130) and SIGTERM
  (exit 143) stop the strategy the same way and print the summary's orders and fills.
  ``--json`` prints the summary as one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from typing import Any

from oms.app.failures import EXIT_USAGE, CliError
from oms.sim.market import Subscription
from oms.sim.strategy import Strategy, StrategyLoadError, load_strategy

__all__ = ["add_run_command", "run", "subscription_of"]

STREAM_CONNECT_S = 5.0


def subscription_of(strategy: Strategy, args: argparse.Namespace) -> Subscription:
    """What to stream for ``strategy`` (see the module rules)."""
    asked = getattr(strategy, "subscription", None)
    symbols = tuple(s.upper() for s in args.symbols or ())
    if callable(asked) and not symbols:
        found = asked()
        if not isinstance(found, Subscription):
            raise CliError(f"{args.strategy}: subscription() must return an oms.sim.Subscription")
        return found
    if not symbols:
        own = getattr(strategy, "symbol", None)
        if not isinstance(own, str):
            raise CliError(
                f"{args.strategy} says no symbols: give --symbols (or give the strategy a"
                " subscription() method)",
                status=EXIT_USAGE,
            )
        symbols = (own,)
    return Subscription(
        symbols=symbols, klines=tuple(args.klines or ()), book_tops=bool(args.book_tops)
    )


def run(args: argparse.Namespace) -> int:
    from oms.app.session import load  # noqa: PLC0415
    from transports.binance.market_stream import market_stream_url  # noqa: PLC0415

    try:
        strategy = load_strategy(args.strategy)
    except StrategyLoadError as exc:
        raise CliError(str(exc), status=EXIT_USAGE) from None
    wanted = subscription_of(strategy, args)
    session = load(args)
    try:
        url = market_stream_url(session.config, session.values.get("OMS_MARKET_STREAM_URL"))
    except ValueError as exc:
        raise CliError(str(exc), status=EXIT_USAGE) from None

    async def body(manager: Any) -> str:
        from oms.sim.runner import run_feed  # noqa: PLC0415
        from transports.binance.market_stream import MarketStream  # noqa: PLC0415

        async with MarketStream(url, wanted) as feed:
            try:
                async with asyncio.timeout(min(STREAM_CONNECT_S, session.remaining())):
                    await feed.connected.wait()
            except TimeoutError:
                raise CliError(
                    f"the market data streams at {url} do not answer: is the exchange"
                    " running? (OMS_MARKET_STREAM_URL overrides the address)"
                ) from None
            try:
                count = await run_feed(strategy, manager, feed, seconds=args.seconds)
            except asyncio.CancelledError:  # Ctrl-C or SIGTERM: the strategy was stopped
                print(_summary(manager, None, json_output=args.json), flush=True)
                raise
        return _summary(manager, count, json_output=args.json)

    print(session.run(body, writes=True, body_deadline=False), flush=True)
    return 0


def _summary(manager: Any, count: Any, *, json_output: bool) -> str:
    """The one-line summary (``count`` None: interrupted, the market events uncounted), e.g.
    ``oms run: 12 market events (12 Trade), 0 gaps, 3 orders (1 CANCELED, 2 FILLED), 2 fills``;
    with ``--json`` one object with the same figures."""
    orders = manager.orders()
    fills = sum(len(o.fills) for o in orders)
    states = dict(sorted(Counter(o.state.value for o in orders).items()))
    if json_output:
        record: dict[str, Any] = {"interrupted": count is None}
        if count is not None:
            record.update(events=count.events, kinds=dict(sorted(count.kinds.items())))
            record.update(gaps=count.gaps)
        record.update(orders=len(orders), states=states, fills=fills)
        return json.dumps(record)
    by_state = ", ".join(f"{n} {s}" for s, n in states.items())
    trading = f"{len(orders)} orders ({by_state or 'none'}), {fills} fills"
    if count is None:
        return f"oms run: interrupted; {trading}"
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(count.kinds.items()))
    return (
        f"oms run: {count.events} market events ({kinds or 'none'}), {count.gaps} gaps, {trading}"
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more seconds")
    return value


def add_run_command(sub: Any, common: Any) -> None:
    """``oms run`` on the ``oms`` command's subparsers (``common`` adds --env/--timeout)."""
    r = sub.add_parser("run", help="run a strategy live against `oms exchange` or testnet")
    r.add_argument("strategy", help="module:attribute or path/to/strategy.py[:attribute]")
    common(r)
    r.add_argument(
        "--seconds", type=_seconds, default=0.0, help="stop after this long (default: on Ctrl-C)"
    )
    r.add_argument("--symbols", nargs="+", metavar="SYMBOL", help="stream these symbols' trades")
    r.add_argument("--klines", nargs="+", metavar="INTERVAL", help="and their klines, e.g. 1m")
    r.add_argument("--book-tops", action="store_true", help="and their best bid and ask")
    r.set_defaults(run=run)
