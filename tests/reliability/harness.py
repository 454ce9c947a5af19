"""A rig that drives a real ``OrderManager`` over ``SimTransport`` step by step, and the
oracle that compares what the manager believes with what the simulated exchange knows.

Rules:
- Synchronous on the outside (hypothesis stateful is synchronous): the rig owns one event
  loop (``asyncio.new_event_loop()``); ``run`` drives one coroutine to completion and
  ``settle`` lets background work (the stream, resolutions, checks) catch up.
- Time is the exchange's ``ManualClock``, shared with the manager; it moves only when a
  rule moves it, or when ``run`` sees a coroutine still waiting (an unknown outcome is
  resolved only once the server clock passes the order's deadline).
- The manager is a real one with a file journal; a restart builds a new manager over a
  new transport on the same journal file and exchange, as a process restart would.
- How the manager reaches the exchange is ``_transport`` (SimTransport here; ``served.ServerRig``
  serves the exchange on 127.0.0.1); ``inject`` switches the live faults until a restart.
- The oracle is ``oms.testing.oracle`` (public, for users' own fuzzing); these are the
  rig's shorthands for it.
- Shared by ``tests/reliability`` and ``bench/reliability.py`` (which imports it by path).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
from collections import Counter
from collections.abc import Coroutine, Iterator
from decimal import Decimal
from typing import Any, TypeVar

from oms.core.checks import round_price, round_quantity
from oms.core.commands import Sent
from oms.core.order import Order
from oms.core.spec import OrderSpec
from oms.core.state import IN_DOUBT, OrderState
from oms.runtime.journal import Journal
from oms.runtime.manager import ManagerConfig, OrderManager
from oms.runtime.ports import Transport
from oms.testing import oracle
from oms.wire.enums import OrderType, Side, TimeInForce
from transports.sim.book import SimOrder
from transports.sim.config import SimConfig
from transports.sim.errors import SimError
from transports.sim.exchange import ManualClock, SimExchange
from transports.sim.faults import FaultConfig
from transports.sim.liquidity import LiquidityProvider
from transports.sim.transport import SimTransport

T = TypeVar("T")
D = Decimal
ME = "me"
OTHER = "other"
SYMBOLS = ("BTCUSDT", "ETHUSDT")
START = {"USDT": D("50000"), "BTC": D("1"), "ETH": D("10")}
RICH = {"USDT": D("100000000"), "BTC": D("10000"), "ETH": D("100000")}
NO_FAULTS = FaultConfig()
# Fast enough for a fuzzer; the defaults suit Binance, not a ManualClock.
FAST = ManagerConfig(
    id_prefix="fz",
    resolve_initial_delay=0.001,
    resolve_max_delay=0.004,
    stream_start_timeout=0.5,
    balance_settle=0.005,
    ack_timeout=10.0,
)


class Rig:
    """One exchange, one managed account, other traders, and a restartable manager."""

    # How far the final check moves the clock to be past any 429's Retry-After.
    RATE_CLEAR_MS = 10_000

    def __init__(self, journal_path: str, *, seed: int = 0, commission: str = "0.001") -> None:
        self.clock = ManualClock()
        config = SimConfig(maker_commission=D(commission), taker_commission=D(commission))
        self.exchange = SimExchange(clock=self.clock, config=config, seed=seed)
        self.exchange.create_account(ME, START)
        self.exchange.create_account(OTHER, RICH)
        self.liquidity = {
            symbol: LiquidityProvider(
                self.exchange, symbol, seed=seed + i, levels=3, spacing_ticks=50, lot_steps=500
            )
            for i, symbol in enumerate(SYMBOLS)
        }
        for lp in self.liquidity.values():
            lp.quote(lp.path.price)
        self.journal_path = journal_path
        self.loop = asyncio.new_event_loop()
        self.faults = FaultConfig(seed=seed)
        self.fault_counts: Counter[str] = Counter()
        self.restarts = 0
        self.manager: OrderManager | None = None
        self.transport: Transport | None = None

    # --- the manager ---------------------------------------------------------------------

    def start(self, *, skew_ms: int = 0, sync_clock: bool = False) -> OrderManager:
        """Build a manager over a fresh transport and the journal file; start it."""
        faults = FaultConfig(**{**_fields(self.faults), "clock_skew_ms": skew_ms})
        transport = self._transport(faults)
        if sync_clock:
            try:
                self.run(transport.get_server_time())
            except BaseException:
                self.run(transport.close())  # no manager owns it yet to close it
                raise
        manager = OrderManager(
            transport, journal=Journal(self.journal_path), config=FAST, clock=self.clock
        )
        self.transport, self.manager = transport, manager
        self.run(manager.start())
        self.settle()
        return manager

    def _transport(self, faults: FaultConfig) -> Transport:
        """A new transport to the exchange for ``ME``, misbehaving as ``faults`` say."""
        return SimTransport(
            self.exchange, ME, faults=faults, request_timeout_s=0.001, poll_interval_s=0.001
        )

    def stop(self) -> None:
        """Close the manager (what a killed process leaves: the journal as written)."""
        if self.manager is None:
            return
        self._count_faults()
        self.run(self.manager.close())
        self.manager = self.transport = None

    def restart(self, *, skew_ms: int = 0, sync_clock: bool = False) -> OrderManager:
        self.stop()
        self.restarts += 1
        return self.start(skew_ms=skew_ms, sync_clock=sync_clock)

    def set_faults(self, faults: FaultConfig) -> None:
        """Switch the live transport's faults (clock skew needs a restart)."""
        self.faults = faults
        self.inject(faults)

    def inject(self, faults: FaultConfig) -> None:
        """Switch the live transport's faults until the next restart, which goes back to
        the rig's ``faults``."""
        transport = self.transport
        if isinstance(transport, SimTransport) and transport.faults is not None:
            transport.faults.config = faults

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def _count_faults(self) -> None:
        transport = self.transport
        if isinstance(transport, SimTransport) and transport.faults is not None:
            self.fault_counts.update(transport.faults.counts)
            transport.faults.counts.clear()

    def counted_faults(self) -> Counter[str]:
        self._count_faults()
        return Counter(self.fault_counts)

    @property
    def m(self) -> OrderManager:
        assert self.manager is not None
        return self.manager

    # --- driving the loop ----------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T], *, max_steps: int = 400) -> T:
        """Run ``coro`` to completion; while it waits, the exchange clock moves on (500 ms
        every few loop turns) so that deadlines can pass."""
        task = self.loop.create_task(coro)
        steps = 0
        while not task.done():
            self.loop.run_until_complete(asyncio.wait({task}, timeout=0.002))
            steps += 1
            if not task.done() and steps % 3 == 0:
                self.clock.advance(500)
            if steps > max_steps:
                stacks = _stacks(self.loop)
                task.cancel()
                with contextlib.suppress(BaseException):
                    self.loop.run_until_complete(asyncio.wait({task}, timeout=0.05))
                raise AssertionError(f"{coro!r} did not finish in {max_steps} turns:\n{stacks}")
        return task.result()

    def settle(self, turns: int = 4) -> None:
        """Let the stream and background work process what is pending."""
        for _ in range(turns):
            self.loop.run_until_complete(asyncio.sleep(0.001))

    def resolve_all(self, max_rounds: int = 60) -> None:
        """Settle, moving the clock, until no order of ours is in doubt."""
        for _ in range(max_rounds):
            self.settle()
            if not any(o.state in IN_DOUBT for o in self.m.orders()):
                return
            self.clock.advance(1000)
        doubt = [o for o in self.m.orders() if o.state in IN_DOUBT]
        raise AssertionError(f"orders still in doubt: {doubt}")

    # --- order sizes valid per filters, through the manager's helpers ---------------------

    def quantity(self, symbol: str, notional: Decimal, *, market: bool = False) -> Decimal:
        price = self.exchange.reference_price(symbol)
        return self.m.round_quantity(symbol, notional / price, market=market)

    def price(self, symbol: str, offset: int, side: Side) -> Decimal:
        """The last trade price moved by ``offset`` quarter units of the quote asset."""
        ref = self.exchange.reference_price(symbol)
        return self.m.round_price(symbol, ref + D(offset) / 4, side)


R = TypeVar("R", bound=Rig)


@contextlib.contextmanager
def started(rig_class: type[R]) -> Iterator[R]:
    """A started rig of ``rig_class`` on a journal in a temporary directory; closed after."""
    with tempfile.TemporaryDirectory(prefix="oms-rig-") as tmp:
        rig = rig_class(os.path.join(tmp, "journal.sqlite"))
        rig.start()
        try:
            yield rig
        finally:
            rig.close()


# --- crashes mid-placement -----------------------------------------------------------------

CRASH_STAGES = ("intent", "marked sent", "executed", "executed unmarked")


def crash_mid_place(
    rig: Rig, symbol: str, side: Side, quantity: Decimal, price: Decimal, stage: str
) -> str:
    """Do what ``OrderManager._place`` does up to ``stage``, then die and restart.

    ``intent``: journaled, never sent. ``marked sent``: the mark written, the request lost.
    ``executed``: sent and executed, the answer never applied. ``executed unmarked``: the
    request left before the mark was written. Returns the order's client id.
    """
    m = rig.m
    spec = OrderSpec(
        symbol=symbol,
        side=side,
        order_type=OrderType.LIMIT,
        quantity=quantity,
        price=price,
        time_in_force=TimeInForce.GTC,
    )
    intent = m.engine.new_intent(spec)
    order = m.engine.create_order(spec, intent.client_order_id)
    m.journal.record(intent, intent.at_ms, intent.client_order_id)
    if stage in ("marked sent", "executed"):
        sent = Sent(client_order_id=order.client_order_id, at_ms=rig.clock())
        m.journal.record(sent, sent.at_ms, sent.client_order_id)
    if stage.startswith("executed"):
        with contextlib.suppress(SimError):
            rig.exchange.place_order(ME, m.engine.new_order_request(order))
    rig.restart()
    return order.client_order_id


# --- the oracle --------------------------------------------------------------------------


def exchange_orders(exchange: SimExchange, account: str) -> list[SimOrder]:
    """Every order ``account`` ever had on the exchange, closed ones included."""
    return oracle.exchange_orders(exchange, account)


def safety_violations(rig: Rig, seen_states: dict[str, OrderState]) -> list[str]:
    """What must hold at every step, faults or not (``oms.testing.oracle``)."""
    return oracle.safety_violations(rig.m, rig.exchange, ME, seen_states)


def discrepancies(rig: Rig) -> list[str]:
    """After faults stop and a reconciliation: everything must equal the exchange."""
    return oracle.discrepancies(rig.m, rig.exchange, ME)


def _stacks(loop: asyncio.AbstractEventLoop) -> str:
    out = io.StringIO()
    for task in asyncio.all_tasks(loop):
        task.print_stack(limit=6, file=out)
    return out.getvalue()


def _fields(config: FaultConfig) -> dict[str, Any]:
    return {f: getattr(config, f) for f in config.__struct_fields__}


def open_orders_of(manager: OrderManager) -> list[Order]:
    """Our orders the exchange could cancel (sorted for reproducible choices)."""
    return sorted(
        (o for o in manager.open_orders() if o.state not in IN_DOUBT),
        key=lambda o: o.client_order_id,
    )


__all__ = [
    "CRASH_STAGES",
    "FAST",
    "ME",
    "NO_FAULTS",
    "OTHER",
    "SYMBOLS",
    "Rig",
    "crash_mid_place",
    "discrepancies",
    "exchange_orders",
    "open_orders_of",
    "round_price",
    "round_quantity",
    "safety_violations",
    "started",
]
