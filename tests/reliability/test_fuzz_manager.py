"""Stateful fuzzing of the whole manager over the simulated exchange, under every fault.

A hypothesis ``RuleBasedStateMachine`` drives a real ``OrderManager`` (over ``SimTransport``,
with a file journal) and the synchronous ``SimExchange`` step by step: our orders of every
type, cancels, other traders moving the market, deposits, the clock, every fault the
simulated exchange has (lost, duplicated, delayed, reordered events; 5xx / -1007 / timeouts
after execution; 429; -1021 clock skew; stream drops with activity during the gap), crashes
between intent and send and between send and answer, and restarts from the journal.

After every step: filled <= quantity; fills add up and are unique by trade id; every fill
is one of the exchange's trades; no client id executed twice; terminal states never left
(none of the spec's edges leaves one). At the end: faults stop, one reconciliation runs,
and orders (state, filled, cum quote), fills, fees, positions' fees and balances equal the
exchange's exactly.

Profiles: ``ci`` (default, bounded to ~30 s here) and ``deep`` (HYPOTHESIS_PROFILE=deep).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections import Counter
from decimal import Decimal
from typing import ClassVar

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from oms.core.state import OrderState
from oms.errors import InvalidTransition, OrderValidationError, RateLimited, RemoteError
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.requests import NewOrder
from transports.sim.errors import SimError
from transports.sim.faults import FaultConfig

from .harness import (
    CRASH_STAGES,
    ME,
    NO_FAULTS,
    OTHER,
    SYMBOLS,
    Rig,
    crash_mid_place,
    discrepancies,
    open_orders_of,
)
from .harness import safety_violations as violations

D = Decimal
KINDS = ("MARKET", "MARKET_QUOTE", "LIMIT", "IOC", "FOK", "LIMIT_MAKER")
PROB = st.sampled_from([0.0, 0.0, 0.1, 0.3])
# Expected refusals: a pre-trade check, the exchange's (filters, balance, -1021), 429.
EXPECTED = (OrderValidationError, RemoteError, RateLimited)

FAULTS = st.builds(
    FaultConfig,
    seed=st.integers(0, 1000),
    drop_event=PROB,
    duplicate_event=PROB,
    delay_event=PROB,
    reorder_events=PROB,
    error_after_execution=st.sampled_from([0.0, 0.0, 0.2, 0.6]),
    timeout_after_execution=st.sampled_from([0.0, 0.0, 0.2, 0.6]),
    orders_per_10s=st.sampled_from([None, None, 1, 3]),
    disconnect_every=st.sampled_from([None, None, 2, 5, 12]),
)


class ManagerMachine(RuleBasedStateMachine):
    """One managed account, another trader and liquidity providers on two symbols."""

    # Figures over every run of this class (bench/reliability.py prints them).
    TOTALS: ClassVar[Counter[str]] = Counter()
    # How the manager reaches the exchange: in process (``Rig``) or over 127.0.0.1.
    RIG: ClassVar[type[Rig]] = Rig

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.mkdtemp(prefix="oms-fuzz-")
        self.rig = self.RIG(os.path.join(self.tmp, "journal.sqlite"))
        self.rig.start()
        self.seen: dict[str, OrderState] = {}
        self.skewed = False
        self.steps = 0

    # --- our orders ------------------------------------------------------------------------

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        kind=st.sampled_from(KINDS),
        notional=st.integers(6, 1500),
        offset=st.integers(-12, 12),
    )
    def place(self, symbol: str, side: Side, kind: str, notional: int, offset: int) -> None:
        rig = self.rig
        market = kind.startswith("MARKET")
        kwargs: dict[str, object] = {}
        if kind == "MARKET_QUOTE":
            kwargs["quote_quantity"] = D(notional)
        else:
            kwargs["quantity"] = rig.quantity(symbol, D(notional), market=market)
        if not market:
            kwargs["price"] = rig.price(symbol, offset, side)
        if kind in ("IOC", "FOK"):
            kwargs["time_in_force"] = TimeInForce[kind]
        if kind == "LIMIT_MAKER":
            kwargs["order_type"] = OrderType.LIMIT_MAKER
        place = rig.m.execute_spot_buy if side is Side.BUY else rig.m.execute_spot_sell
        with contextlib.suppress(*EXPECTED):
            rig.run(place(symbol, **kwargs))  # type: ignore[arg-type]

    @rule(pick=st.integers(0, 1000))
    def cancel(self, pick: int) -> None:
        # No precondition: what is open depends on timing, and hypothesis needs the same
        # draws on replay.
        orders = open_orders_of(self.rig.m)
        if not orders:
            return
        order = orders[pick % len(orders)]
        try:
            self.rig.run(self.rig.m.cancel(order))
        except RemoteError:
            pass
        except InvalidTransition:
            # Its end arrived before the cancel started (events already in flight when
            # the rule picked it): nothing was sent (OrderManager.cancel).
            assert order.is_terminal, order

    @rule(symbol=st.sampled_from(SYMBOLS))
    def cancel_all(self, symbol: str) -> None:
        with contextlib.suppress(RemoteError):
            self.rig.run(self.rig.m.cancel_all(symbol))

    @rule()
    def reconcile(self) -> None:
        self.rig.run(self.rig.m.reconcile("fuzz"))

    # --- the market ----------------------------------------------------------------------

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        offset=st.integers(-12, 12),
        notional=st.integers(10, 3000),
    )
    def other_trades(self, symbol: str, side: Side, offset: int, notional: int) -> None:
        """A trade elsewhere crosses the book at up to ``offset`` from the last price."""
        ex = self.rig.exchange
        price = self.rig.price(symbol, offset, side)
        qty = self.rig.quantity(symbol, D(notional))
        ex.cross(OTHER, symbol, side, price, qty)
        ex.drain_events(OTHER)

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        offset=st.integers(-12, 12),
        notional=st.integers(10, 1500),
    )
    def other_rests(self, symbol: str, side: Side, offset: int, notional: int) -> None:
        ex = self.rig.exchange
        order = NewOrder(
            symbol=symbol,
            side=side,
            order_type=OrderType.LIMIT,
            time_in_force=TimeInForce.GTC,
            quantity=self.rig.quantity(symbol, D(notional)),
            price=self.rig.price(symbol, offset, side),
        )
        with contextlib.suppress(SimError):
            ex.place_order(OTHER, order)
        ex.drain_events(OTHER)

    @rule(symbol=st.sampled_from(SYMBOLS))
    def liquidity_moves(self, symbol: str) -> None:
        self.rig.liquidity[symbol].step()

    @rule(asset=st.sampled_from(["USDT", "BTC", "ETH"]), amount=st.integers(-50, 500))
    def deposit(self, asset: str, amount: int) -> None:
        ex = self.rig.exchange
        value = D(amount) / (1 if asset == "USDT" else 1000)
        if value and ex.balance(ME, asset)[0] + value >= 0:
            ex.deposit(ME, asset, value)

    @rule(ms=st.sampled_from([0, 0, 1, 250, 1500, 7000, 30000]))
    def time_passes(self, ms: int) -> None:
        self.rig.clock.advance(ms)
        self.rig.settle()

    # --- faults, crashes, restarts ---------------------------------------------------------

    @rule(faults=FAULTS)
    def set_faults(self, faults: FaultConfig) -> None:
        self.rig.set_faults(faults)

    @rule(skew=st.sampled_from([0, 0, 2000, -7000]), sync=st.booleans())
    def restart(self, skew: int, sync: bool) -> None:
        """A restart from the journal; a skewed clock refuses signed requests (-1021)
        until synced."""
        self.rig.restart(skew_ms=skew, sync_clock=sync)
        self.TOTALS["restarts"] += 1
        self.TOTALS["clock skew restarts (-1021)"] += bool(skew)
        self.skewed = bool(skew) and not sync

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        offset=st.integers(-12, 12),
        notional=st.integers(6, 800),
        stage=st.sampled_from(CRASH_STAGES),
    )
    def crash_mid_place(
        self, symbol: str, side: Side, offset: int, notional: int, stage: str
    ) -> None:
        """Die between journaling the intent and sending, or between sending and applying
        the answer; then restart from the journal."""
        rig = self.rig
        quantity = rig.quantity(symbol, D(notional))
        crash_mid_place(rig, symbol, side, quantity, rig.price(symbol, offset, side), stage)
        self.TOTALS[f"crash: {stage}"] += 1
        self.skewed = False

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def safe(self) -> None:
        self.steps += 1
        self.TOTALS["steps"] += 1
        problems = violations(self.rig, self.seen)
        assert not problems, problems

    def teardown(self) -> None:
        try:
            self._final_check()
            self.TOTALS["examples"] += 1
        finally:
            for kind, n in self.rig.counted_faults().items():
                self.TOTALS[f"fault: {kind}"] += n
            self.rig.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _final_check(self) -> None:
        rig = self.rig
        rig.set_faults(NO_FAULTS)
        if self.skewed:
            rig.restart()
        rig.clock.advance(rig.RATE_CLEAR_MS)  # past any 429's Retry-After (the ORDERS window)
        rig.resolve_all()
        report = rig.run(rig.m.reconcile("final"))
        assert not report.errors, report.errors
        rig.resolve_all()
        problems = violations(rig, self.seen) + discrepancies(rig)
        assert not problems, problems


TestManagerFuzz = ManagerMachine.TestCase
