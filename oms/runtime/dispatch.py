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
- A user-data report comes with the frame it was decoded from (``apply(event, raw)``) and
  the frame is journaled as received: no second encode.
- Accounting (positions, metrics) also runs on replayed outputs, by the output's type (one
  dict lookup; most outputs need none). A fill is queued for the positions, which account
  it when they are next read (``positions``): nobody reading them, no Decimal arithmetic
  per fill; a position depends on its set of fills only (``oms.core.positions``). Fill
  ids live in the journaled reports themselves (the engine keys fills by trade id): no
  second write.
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
from typing import Any

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
        journal.clock = clock  # a report's time is its commit's
        self.metrics = metrics
        self._positions = positions
        self._unaccounted: list[FillApplied] = []  # fills not yet in the positions
        self.clock = clock
        self._rules = rules
        self.last_price: dict[str, Decimal] = {}
        # True between a fill and the next balance report (stream position or account).
        self.fills_since_balance = False
        self._subscribers: list[asyncio.Queue[Output]] = []
        self._callbacks: list[Callable[[Output], None]] = []
        self._changed = asyncio.Event()
        # By type: how an event is journaled, what an output is accounted by.
        self._journal_as: dict[type, int] = {}
        self._accounts: dict[type, Callable[[Any], None] | None] = {}

    def apply(self, event: Report, raw: bytes | None = None) -> list[Output]:
        """Apply one exchange report or command event, journal it, send its outputs on.

        ``raw``: the user-data frame ``event`` was decoded from, journaled as it is.
        """
        outputs = self.engine.apply(event)
        if type(event) is ExecutionReport:  # the hot path: a stream's report
            cid = event.orig_client_order_id or event.client_order_id
            if raw is None:
                self.journal.record_report(event, cid)
            else:
                self.journal.record_frame(raw, cid)
            if event.last_price > 0:
                self.last_price[event.symbol] = event.last_price
        else:
            kind = type(event)
            how = self._journal_as.get(kind)
            if how is None:
                how = self._journal_as[kind] = _journal_kind(kind)
            if how == _COMMAND:
                self.journal.record(event, event.at_ms, event.client_order_id)  # type: ignore[union-attr]
            elif how == _REPORT:
                if raw is None:
                    self.journal.record_report(event, _report_client_id(event))
                else:
                    self.journal.record_frame(raw, _report_client_id(event))
        if outputs:
            self.account(outputs)
            self._send(outputs)
        return outputs

    def commit(self) -> None:
        """Make every event applied so far durable now (before a request leaves)."""
        self.journal.commit()

    @property
    def positions(self) -> PositionBook:
        """The positions, every fill applied so far accounted."""
        pending = self._unaccounted
        if pending:
            self._unaccounted = []
            by_symbol: dict[str, list[FillApplied]] = {}
            for fill in pending:
                by_symbol.setdefault(fill.symbol, []).append(fill)
            for symbol, fills in by_symbol.items():
                rule = self._rules.get(symbol)
                base, quote = (rule.base_asset, rule.quote_asset) if rule else (symbol, "")
                # Placed by trade time and id, whatever order they came in.
                self._positions.position(symbol, base, quote).apply_all(fills)
        return self._positions

    def account(self, outputs: Iterable[Output]) -> None:
        """Update positions (when next read) and metrics from ``outputs``."""
        accounts = self._accounts
        for out in outputs:
            kind = type(out)
            try:
                handler = accounts[kind]
            except KeyError:
                handler = accounts[kind] = self._account_for(kind)
            if handler is not None:
                handler(out)

    def _account_for(self, kind: type) -> Callable[[Any], None] | None:
        """What accounts an output of type ``kind`` (None: nothing to do)."""
        if issubclass(kind, FillApplied):
            return self._on_fill
        if issubclass(kind, BalanceChanged):
            return self._on_balance
        if issubclass(kind, ReportIgnored):
            return self._on_ignored
        if issubclass(kind, ReportConflict):
            return self._on_conflict
        if issubclass(kind, OrderAdopted):
            return self._on_adopted
        return None

    def _on_fill(self, fill: FillApplied) -> None:
        # Positions are accounted when read (``positions``): a fill costs no arithmetic
        # here. Position order is by trade time and id, not arrival, so deferring changes
        # nothing in what is read.
        pending = self._unaccounted
        pending.append(fill)
        if len(pending) >= _ACCOUNT_AT:  # nobody reads them: keep the queue bounded
            self.positions  # noqa: B018 - reading accounts the queued fills
        self.last_price[fill.symbol] = fill.price
        self.metrics.inc("fills_total")
        self.fills_since_balance = True

    def _on_balance(self, _: BalanceChanged) -> None:
        self.fills_since_balance = False

    def _on_ignored(self, out: ReportIgnored) -> None:
        self.metrics.inc("duplicate_reports_total" if out.duplicate else "stale_reports_total")

    def _on_conflict(self, out: ReportConflict) -> None:
        self.metrics.inc("conflicting_reports_total")
        log.warning("report conflict", extra={"detail": str(out)})

    def _on_adopted(self, _: OrderAdopted) -> None:
        self.metrics.inc("orders_adopted_total")

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


_SKIP, _COMMAND, _REPORT = 0, 1, 2
# Queued fills accounted into the positions once this many wait (a process that never
# reads its positions keeps no unbounded queue).
_ACCOUNT_AT = 4096


def _journal_kind(kind: type) -> int:
    """How an event of type ``kind`` is journaled: a command event by its own time and
    client id, a report (any other Struct) by its commit's time; a gap or a bad frame is
    not an input of the engine's state and is not journaled."""
    if issubclass(kind, Command):
        return _COMMAND
    if issubclass(kind, msgspec.Struct) and not issubclass(kind, (StreamGap, BadFrame)):
        return _REPORT
    return _SKIP


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
