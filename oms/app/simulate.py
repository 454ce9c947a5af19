"""``oms simulate``: a strategy offline over Binance's public market data (the same strategy
runs live with ``oms run``, ``oms.app.live``).

Rules:
- Offline, the strategy's manager trades on a ``SimExchange`` through a ``SimTransport``
  (faults optional), all on a ``VirtualTimeLoop`` whose clock is the market data's time; the
  market itself is a second account, ``market``, whose IOC orders replay each trade against
  the resting book (``SimExchange.cross``): first the side the trade's aggressor hit, then,
  with what is left, the other side, since the market traded through anything priced
  beyond it. Resting orders fill at their own limit prices, in price-time priority.
- A kline moves the market along open, then the nearer extreme, the other extreme and the
  close, a quarter of its volume at each; a book top offers its bid and ask quantities.
- Symbols known to the simulator (BTCUSDT, ETHUSDT, BNBUSDT) keep their live filters; any
  other symbol gets permissive filters (tick and step 0.00000001) and is split into base
  and quote by the usual quote assets.
- Commission comes from ``--maker-fee`` / ``--taker-fee`` rates, charged in the received
  asset (faqs/commission_faq.md).
- Same inputs and ``--seed``: byte-identical fills file. Faults are seeded by the same seed.
- Errors are one line and a non-zero exit (the ``oms`` command's rule).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import sys
from collections.abc import Iterator, Sequence
from decimal import ROUND_UP, Decimal
from pathlib import Path
from typing import Any

from oms.app.amounts import NotAnAmount, typed_decimal
from oms.runtime.config import ManagerConfig
from oms.runtime.manager import OrderManager
from oms.runtime.ports import NewOrderResponse
from oms.sim.data import DataSource, merge_events
from oms.sim.market import BookTop, Kline, MarketEvent, Trade
from oms.sim.record import Recorder, SymbolAssets
from oms.sim.report import Report, write_outputs
from oms.sim.runner import Outcome, run_offline
from oms.sim.strategy import Strategy, StrategyLoadError, load_strategy
from oms.sim.vloop import VirtualTimeLoop
from oms.testing.oracle import discrepancies
from oms.wire.enums import (
    OrderResponseType,
    OrderType,
    SelfTradePreventionMode,
    Side,
    TimeInForce,
)
from oms.wire.money import ZERO
from oms.wire.requests import CancelOrder, NewOrder
from oms.wire.rest import CancelResponse
from transports.sim.config import SimConfig, default_symbols, make_symbol
from transports.sim.errors import SimError as SimRefusal
from transports.sim.exchange import SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.transport import SimTransport

__all__ = ["FAULT_NAMES", "SimVenue", "add_commands", "parse_faults", "simulate"]

ACCOUNT = "strategy"
MARKET = "market"
_RICH = Decimal(10) ** 15
_QUOTES = ("USDT", "USDC", "FDUSD", "TUSD", "BUSD", "BTC", "ETH", "BNB", "EUR", "TRY", "BRL")
# --faults NAME=VALUE: our names for FaultConfig's fields.
FAULT_NAMES = {
    "drop": "drop_event",
    "duplicate": "duplicate_event",
    "delay": "delay_event",
    "reorder": "reorder_events",
    "error": "error_after_execution",
    "timeout": "timeout_after_execution",
    "lose": "lose_request",
    "disconnect": "disconnect_every",
    "rate": "orders_per_10s",
}
DEFAULT_FAULTS = "drop=0.05,duplicate=0.05,delay=0.05,reorder=0.1,error=0.02,timeout=0.02,lose=0.02"


class SimulationError(Exception):
    """A user-facing error of the simulator (bad data, options or strategy)."""


# --- the simulated market -----------------------------------------------------------------


class VenueTransport(SimTransport):
    """The strategy's ``SimTransport``: order requests take ``latency_s`` each way
    (simulated time), and an order that would take liquidity finds the market's (see
    ``SimVenue.provide``)."""

    def __init__(self, *args: Any, latency_s: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.latency_s = latency_s
        self.venue: SimVenue | None = None

    async def place_spot_order(self, order: NewOrder) -> NewOrderResponse:
        await asyncio.sleep(self.latency_s)
        liquidity = self.venue.provide(order) if self.venue is not None else None
        try:
            return await super().place_spot_order(order)
        finally:
            if liquidity is not None and self.venue is not None:
                self.venue.withdraw(order.symbol, liquidity)
            await asyncio.sleep(self.latency_s)

    async def cancel_spot_order(self, cancel: CancelOrder) -> CancelResponse:
        await asyncio.sleep(self.latency_s)
        try:
            return await super().cancel_spot_order(cancel)
        finally:
            await asyncio.sleep(self.latency_s)


class SimVenue:
    """The market data, replayed into a ``SimExchange`` (see the module rules)."""

    def __init__(self, exchange: SimExchange, transport: VenueTransport, account: str) -> None:
        self.exchange = exchange
        self.transport = transport
        self.account = account
        assets = {a for s in exchange.config.symbols for a in (s.base_asset, s.quote_asset)}
        exchange.create_account(MARKET, dict.fromkeys(sorted(assets), _RICH))
        transport.venue = self

    def provide(self, order: NewOrder) -> int | None:
        """Liquidity for an order that takes it: the market rests the opposite side at the
        last trade price, enough for the whole order, so a MARKET order (or a LIMIT priced
        through the last trade) fills there, as it would against the top of the real book.
        Returns the liquidity's order id, or None when the order does not take liquidity."""
        ex = self.exchange
        last = ex.reference_price(order.symbol)
        if order.order_type is OrderType.LIMIT:
            price = order.price
            if price is None or (price < last if order.side is Side.BUY else price > last):
                return None
        elif order.order_type is not OrderType.MARKET:
            return None
        qty = order.quantity
        if qty is None:
            if order.quote_order_qty is None or last <= ZERO:
                return None
            qty = order.quote_order_qty / last
        step = ex.symbol_filters(order.symbol).step or Decimal("0.00000001")
        qty = (qty / step).to_integral_value(rounding=ROUND_UP) * step + step
        side = Side.SELL if order.side is Side.BUY else Side.BUY
        maker = NewOrder(
            symbol=order.symbol,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=qty,
            price=last,
            self_trade_prevention_mode=SelfTradePreventionMode.NONE,
            response_type=OrderResponseType.ACK,
        )
        try:
            placed = ex.place_order(MARKET, maker)
        except SimRefusal:
            return None
        ex.drain_events(MARKET)
        return placed.order_id

    def withdraw(self, symbol: str, order_id: int) -> None:
        """Cancel what is left of the liquidity ``provide`` placed."""
        with contextlib.suppress(SimRefusal):
            self.exchange.cancel_order(MARKET, CancelOrder(symbol=symbol, order_id=order_id))
        self.exchange.drain_events(MARKET)

    def feed(self, event: MarketEvent) -> bool:
        if type(event) is Trade:
            self.exchange.set_reference_price(event.symbol, event.price)
            sells = Side.SELL if event.is_buyer_maker else Side.BUY
            return self._trade(event.symbol, event.price, event.qty, sells)
        if type(event) is Kline:
            return self._kline(event)
        assert isinstance(event, BookTop)
        self.exchange.set_reference_price(event.symbol, event.mid)
        hit = self._cross(event.symbol, Side.SELL, event.ask, event.ask_qty)
        return self._cross(event.symbol, Side.BUY, event.bid, event.bid_qty) or hit

    def _trade(self, symbol: str, price: Decimal, qty: Decimal, aggressor: Side) -> bool:
        ex = self.exchange
        other = Side.BUY if aggressor is Side.SELL else Side.SELL
        if not (ex.crosses(symbol, aggressor, price) or ex.crosses(symbol, other, price)):
            return False  # the common case: nothing of ours in the way
        left = qty
        for side in (aggressor, other):
            if left > ZERO and ex.crosses(symbol, side, price):
                left -= ex.cross(MARKET, symbol, side, price, left)
        ex.drain_events(MARKET)
        return True

    def _cross(self, symbol: str, side: Side, price: Decimal, qty: Decimal) -> bool:
        ex = self.exchange
        if qty <= ZERO or not ex.crosses(symbol, side, price):
            return False
        ex.cross(MARKET, symbol, side, price, qty)
        ex.drain_events(MARKET)
        return True

    def _kline(self, k: Kline) -> bool:
        ex = self.exchange
        path = (
            (k.open, k.low, k.high, k.close)
            if k.close >= k.open
            else (k.open, k.high, k.low, k.close)
        )
        part = k.volume / 4
        hit = False
        last = path[0]
        for price in path:
            ex.set_reference_price(k.symbol, price)
            side = Side.SELL if price < last else Side.BUY
            hit = self._trade(k.symbol, price, part, side) or hit
            last = price
        return hit

    def deliver(self) -> None:
        self.transport.notify()

    def flush(self) -> None:
        faults = self.transport.faults
        if faults is not None:
            faults.config = FaultConfig(seed=faults.config.seed)  # the run is over: no more

    def discrepancies(self, manager: OrderManager) -> list[str]:
        return discrepancies(manager, self.exchange, self.account)


def split_symbol(symbol: str) -> tuple[str, str]:
    """``BTCUSDT`` -> ``("BTC", "USDT")`` by the usual quote assets."""
    for quote in _QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    raise SimulationError(f"cannot tell the base and quote assets of {symbol!r}")


def sim_config(symbols: Sequence[str], maker: Decimal, taker: Decimal) -> SimConfig:
    known = {s.symbol: s for s in default_symbols()}
    infos = []
    for symbol in symbols:
        if symbol in known:
            infos.append(known[symbol])
            continue
        base, quote = split_symbol(symbol)
        infos.append(
            make_symbol(
                symbol,
                base,
                quote,
                tick="0.00000001",
                step="0.00000001",
                min_notional="0.00000001",
                max_qty="90000000000",
                market_max_qty="90000000000",
            )
        )
    return SimConfig(symbols=tuple(infos), maker_commission=maker, taker_commission=taker)


# --- options ------------------------------------------------------------------------------


def parse_faults(text: str | None, seed: int) -> FaultConfig | None:
    """``drop=0.05,timeout=0.02,...`` (or ``default``) -> a seeded ``FaultConfig``."""
    if not text or text == "none":
        return None
    if text == "default":
        text = DEFAULT_FAULTS
    values: dict[str, Any] = {"seed": seed}
    for item in text.split(","):
        name, _, raw = item.partition("=")
        field = FAULT_NAMES.get(name.strip())
        if field is None:
            known = ", ".join(FAULT_NAMES)
            raise SimulationError(
                f"unknown fault {name!r} in --faults (known: {known}, or 'default')"
            )
        try:
            values[field] = (
                int(raw) if field in ("disconnect_every", "orders_per_10s") else float(raw)
            )
        except ValueError:
            raise SimulationError(f"--faults {name}={raw!r}: not a number") from None
        if isinstance(values[field], float) and not 0.0 <= values[field] <= 1.0:
            raise SimulationError(f"--faults {name}={raw}: a probability is from 0 to 1")
        if isinstance(values[field], int) and values[field] < 1:
            raise SimulationError(f"--faults {name}={raw}: give a whole number from 1")
    return FaultConfig(**values)


def parse_balances(text: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in text.split(","):
        asset, _, raw = item.partition("=")
        try:
            amount = typed_decimal(raw)
        except NotAnAmount:
            raise SimulationError(f"--balances {item!r}: say ASSET=AMOUNT") from None
        if amount < 0 or not asset.strip():
            raise SimulationError(f"--balances {item!r}: say ASSET=AMOUNT, 0 or more")
        out[asset.strip().upper()] = amount
    return out


def _fee(text: str) -> Decimal:
    """``--maker-fee`` / ``--taker-fee``: a commission rate from 0 to 1 (0.001 is 0.1%)."""
    try:
        value = typed_decimal(text)
    except NotAnAmount as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be a rate from 0 to 1 (0.001 is 0.1%)")
    return value


def _time_us(text: str | None) -> int | None:
    """``--start`` / ``--end``: an ISO date(-time), UTC, or epoch ms / µs."""
    if text is None:
        return None
    if text.isdigit():
        value = int(text)
        return value if value >= 10**14 else value * 1000
    from datetime import UTC, datetime  # noqa: PLC0415

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise SimulationError(
            f"{text!r}: give an ISO date like 2025-01-01T12:00 or epoch ms"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000)


# --- simulate -----------------------------------------------------------------------------


class Simulation:
    """One offline run: the pieces, wired (usable from Python as well as from the command)."""

    def __init__(
        self,
        strategy: Strategy,
        data: Sequence[Path | str],
        *,
        seed: int = 0,
        faults: FaultConfig | None = None,
        latency_ms: float = 0.0,
        balances: dict[str, Decimal] | None = None,
        maker_fee: Decimal = Decimal("0.001"),
        taker_fee: Decimal = Decimal("0.001"),
        start_us: int | None = None,
        end_us: int | None = None,
        sample_ms: int = 1000,
    ) -> None:
        self.strategy = strategy
        self.sources = [DataSource(p) for p in data]
        if not self.sources:
            raise SimulationError("give at least one --data file")
        self.symbols = list(dict.fromkeys(s.symbol for s in self.sources))
        self.seed = seed
        self.faults = faults
        self.latency_s = latency_ms / 1000
        self.config = sim_config(self.symbols, maker_fee, taker_fee)
        quotes = {s.quote_asset for s in self.config.symbols}
        self.balances = balances or dict.fromkeys(sorted(quotes), Decimal(100000))
        self.start_us, self.end_us = start_us, end_us
        self.sample_ms = sample_ms

    def events(self) -> Iterator[MarketEvent]:
        return merge_events(self.sources, start_us=self.start_us, end_us=self.end_us)

    def run(self, progress: Any = None) -> tuple[Outcome, Recorder, Report]:
        events = self.events()
        first = next(events, None)
        if first is None:
            raise SimulationError("no market events in the data (check --start/--end)")
        loop = VirtualTimeLoop(start_ms=first.time_us // 1000 - 1000)
        try:
            return loop.run_until_complete(self._run(itertools.chain((first,), events), progress))
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _run(
        self, events: Iterator[MarketEvent], progress: Any
    ) -> tuple[Outcome, Recorder, Report]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualTimeLoop)
        exchange = SimExchange(clock=loop.now_ms, config=self.config, seed=self.seed)
        exchange.create_account(ACCOUNT, self.balances)
        transport = VenueTransport(
            exchange,
            ACCOUNT,
            faults=self.faults,
            latency_s=self.latency_s,
            request_timeout_s=5.0,
            poll_interval_s=60.0,
        )
        venue = SimVenue(exchange, transport, ACCOUNT)
        manager = OrderManager(transport, config=ManagerConfig(id_prefix="sim"), clock=loop.now_ms)
        infos = {
            s.symbol: SymbolAssets(s.symbol, s.base_asset, s.quote_asset)
            for s in self.config.symbols
        }
        recorder = Recorder(infos, self.balances, sample_ms=self.sample_ms)
        try:
            outcome = await run_offline(
                self.strategy,
                manager,
                venue,
                events,
                recorder=recorder,
                progress=progress,
                concurrent=self.latency_s > 0,
            )
        finally:
            await manager.close()
        if transport.faults is not None:
            outcome.faults = dict(sorted(transport.faults.counts.items()))
        fees = {a: exchange.fees(a) for a in sorted({f.commission_asset for f in recorder.fills})}
        report = Report.build(recorder, manager_orders=len(manager.orders()), fees=fees)
        return outcome, recorder, report


def simulate(args: argparse.Namespace) -> int:
    from oms.sim.render import progress_bar, render_report  # noqa: PLC0415

    try:
        strategy = load_strategy(args.strategy)
        sim = Simulation(
            strategy,
            args.data,
            seed=args.seed,
            faults=parse_faults(args.faults, args.seed),
            latency_ms=args.latency,
            balances=parse_balances(args.balances) if args.balances else None,
            maker_fee=args.maker_fee,
            taker_fee=args.taker_fee,
            start_us=_time_us(args.start),
            end_us=_time_us(args.end),
        )
        _writable(Path(args.out))  # before the run, not after it
        with progress_bar(enabled=args.progress) as progress:
            outcome, recorder, report = sim.run(progress)
    except (StrategyLoadError, SimulationError, ValueError, OSError) as exc:
        print(f"oms simulate: {exc}", file=sys.stderr)
        return 2
    try:
        written = write_outputs(recorder, Path(args.out))
    except OSError as exc:
        print(f"oms simulate: cannot write to --out {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    if args.plot:
        try:
            from oms.sim.plot import write_charts  # noqa: PLC0415
        except ImportError as exc:
            print(f"oms simulate: {exc}", file=sys.stderr)
            return 2
        written += write_charts(recorder, report, Path(args.out))
    if not args.quiet:
        render_report(report, outcome, written)
    return 0 if not outcome.discrepancies else 1


def _writable(out: Path) -> None:
    """Raises SimulationError when ``--out`` cannot be made or written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".oms-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise SimulationError(
            f"cannot write to --out {out} ({exc.strerror}): give a writable folder"
        ) from None


# --- the command's parser hook ------------------------------------------------------------


def add_commands(sub: Any) -> None:
    """Add ``simulate`` to the ``oms`` command's subparsers (``oms run``: ``oms.app.live``)."""
    p = sub.add_parser("simulate", help="run a strategy offline over Binance market data files")
    p.add_argument("strategy", help="module:attribute or path/to/strategy.py[:attribute]")
    p.add_argument(
        "--data",
        nargs="+",
        required=True,
        metavar="FILE",
        help="Binance public data: SYMBOL-trades/aggTrades/1m-DATE .csv or .zip",
    )
    p.add_argument("--start", help="skip events before (ISO date-time UTC, or epoch ms)")
    p.add_argument("--end", help="stop at (ISO date-time UTC, or epoch ms)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="order request latency each way (simulated ms)",
    )
    p.add_argument(
        "--faults",
        help="'default' or drop=P,duplicate=P,delay=P,reorder=P,"
        "error=P,timeout=P,lose=P,disconnect=N,rate=N",
    )
    p.add_argument("--balances", help="opening balances, e.g. USDT=10000,BTC=0.5")
    p.add_argument("--maker-fee", type=_fee, default=Decimal("0.001"), help="rate, default 0.001")
    p.add_argument("--taker-fee", type=_fee, default=Decimal("0.001"), help="rate, default 0.001")
    p.add_argument("--out", default="sim-out", help="directory for fills.csv, equity.csv, charts")
    p.add_argument(
        "--plot", action="store_true", help="also write chart.png and chart.html (needs oms[plot])"
    )
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar (default: when stderr is a terminal)",
    )
    p.add_argument("--quiet", action="store_true", help="no report on the terminal")
    p.set_defaults(run=simulate)
