"""The manager's one path into the state: apply, journal, account, dispatch.

Rules:
- Every exchange answer, REST or stream, and every one of our command events
  (``oms.core.commands``: intent, sent, send unknown, ...) enters through
  ``Dispatcher.apply`` -> ``Engine.apply``, and is journaled there by its type. Nothing else
  writes the engine's state for the manager.
- Journal first: an event is recorded as applied before its outputs reach positions,
  metrics or subscribers; the loop turn's rows are committed together (group commit,
  ``oms.runtime.journal``). ``commit()`` makes them durable at once: the placing and
  cancelling parts call it before their request leaves (specs/durability.md).
- Accounting (positions, metrics) also runs on replayed outputs. Fill ids live in the
  journaled reports themselves (the engine keys fills by trade id): no second write.
- Subscribers get every output in order; a callback that raises is logged, never raised.
- One writer: only the manager's event loop calls in here. The manager's parts
  (``Part``: placing, cancelling, resolving, reconciling) change the state only through
  their ``Dispatcher``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from decimal import Decimal

import msgspec

from oms.core.checks import SymbolRules
from oms.core.commands import Command
from oms.core.engine import Engine, Report
from oms.core.outputs import (
    BalanceChanged,
    FillApplied,
    OrderAdopted,
    Output,
    ReportConflict,
    ReportIgnored,
)
from oms.core.positions import PositionBook
from oms.runtime.config import ManagerConfig
from oms.runtime.journal import Journal
from oms.runtime.metrics import Metrics
from oms.runtime.ports import Transport
from oms.wire.events import ExecutionReport, OutboundAccountPosition
from oms.wire.rest import AccountInfo, CancelResponse, MyTrade, QueryOrderResponse
from oms.wire.stream import BadFrame, StreamGap

__all__ = ["Dispatcher", "Part"]

# The manager's shell logs under one name, whichever module of it speaks.
log = logging.getLogger("oms.runtime.manager")


class Dispatcher:
    """Applies reports and command events to the engine and sends their outputs on."""

    def __init__(
        self,
        engine: Engine,
        journal: Journal,
        *,
        metrics: Metrics,
        positions: PositionBook,
        rules: dict[str, SymbolRules],
        clock: Callable[[], int],
    ) -> None:
        self.engine = engine
        self.journal = journal
        self.metrics = metrics
        self.positions = positions
        self.clock = clock
        self._rules = rules
        self.last_price: dict[str, Decimal] = {}
        # True between a fill and the next balance report (stream position or account).
        self.fills_since_balance = False
        self._subscribers: list[asyncio.Queue[Output]] = []
        self._callbacks: list[Callable[[Output], None]] = []
        self._changed = asyncio.Event()

    def apply(self, event: Report) -> list[Output]:
        """Apply one exchange report or command event, journal it, send its outputs on."""
        outputs = self.engine.apply(event)
        if isinstance(event, Command):
            self.journal.record(event, event.at_ms, event.client_order_id)
        elif isinstance(event, msgspec.Struct) and not isinstance(event, (StreamGap, BadFrame)):
            self.journal.record(event, self.clock(), _report_client_id(event))
            if isinstance(event, ExecutionReport) and event.last_price > 0:
                self.last_price[event.symbol] = event.last_price
        self.account(outputs)
        self._send(outputs)
        return outputs

    def commit(self) -> None:
        """Make every event applied so far durable now (before a request leaves)."""
        self.journal.commit()

    def account(self, outputs: Iterable[Output]) -> None:
        """Update positions and metrics from ``outputs``."""
        for out in outputs:
            if isinstance(out, FillApplied):
                self._on_fill(out)
                self.fills_since_balance = True
            elif isinstance(out, BalanceChanged):
                self.fills_since_balance = False
            elif isinstance(out, ReportIgnored):
                name = "duplicate_reports_total" if out.duplicate else "stale_reports_total"
                self.metrics.inc(name)
            elif isinstance(out, ReportConflict):
                self.metrics.inc("conflicting_reports_total")
                log.warning("report conflict", extra={"detail": str(out)})
            elif isinstance(out, OrderAdopted):
                self.metrics.inc("orders_adopted_total")

    def _on_fill(self, fill: FillApplied) -> None:
        rules = self._rules.get(fill.symbol)
        base, quote = (rules.base_asset, rules.quote_asset) if rules else (fill.symbol, "")
        pos = self.positions.position(fill.symbol, base, quote)
        pos.apply(fill)  # placed by its trade time and id (positions.py)
        self.last_price[fill.symbol] = fill.price
        self.metrics.inc("fills_total")

    # --- subscribers --------------------------------------------------------------------

    def updates(self) -> AsyncIterator[Output]:
        """Every output from now on."""
        queue: asyncio.Queue[Output] = asyncio.Queue()
        self._subscribers.append(queue)
        return self._drain(queue)

    def on_update(self, callback: Callable[[Output], None]) -> None:
        """Call ``callback(output)`` for every output; exceptions in it are logged."""
        self._callbacks.append(callback)

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every applied update.

        Raises:
            TimeoutError: it did not hold within ``timeout`` seconds (None: no limit).
        """
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    def _send(self, outputs: list[Output]) -> None:
        if not outputs:
            return
        self._changed.set()
        for queue in self._subscribers:
            for out in outputs:
                queue.put_nowait(out)
        for callback in self._callbacks:
            for out in outputs:
                try:
                    callback(out)
                except Exception:
                    log.exception("update callback failed")

    async def _drain(self, queue: asyncio.Queue[Output]) -> AsyncIterator[Output]:
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers.remove(queue)


class Part:
    """A part of the manager: asks the exchange through ``transport``, changes the state
    only through ``dispatch``."""

    def __init__(self, transport: Transport, dispatch: Dispatcher, config: ManagerConfig) -> None:
        self.transport = transport
        self.dispatch = dispatch
        self.engine = dispatch.engine
        self.metrics = dispatch.metrics
        self.config = config


def _report_client_id(report: object) -> str | None:
    if isinstance(report, ExecutionReport):
        return report.orig_client_order_id or report.client_order_id
    if isinstance(report, CancelResponse):
        return report.orig_client_order_id
    if isinstance(report, (QueryOrderResponse,)):
        return report.client_order_id
    if isinstance(report, (MyTrade, AccountInfo, OutboundAccountPosition)):
        return None
    return getattr(report, "client_order_id", None)
