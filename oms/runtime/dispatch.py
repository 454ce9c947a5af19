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
  dict lookup; most outputs need none). A fill is queued for its symbol's position, which
  accounts it when the positions are next read (``positions``): nobody reading them, no
  Decimal arithmetic per fill; a position depends on its set of fills only
  (``oms.core.positions``). ``fills_total`` is counted from those queues when the metrics
  are read. Fill ids live in the journaled reports themselves (the engine keys fills by
  trade id): no second write.
- Subscribers get every output in order; a callback that raises is logged, never raised.
  With no subscriber, callback or waiter, outputs go nowhere at no cost.
- Closed is closed: after ``close()`` (the manager's), ``apply``, ``commit`` and
  ``wait_for`` raise ``ManagerClosed`` and nothing more reaches the engine or the journal;
  an operation in flight ends there, its order as the journal left it (specs/durability.md).
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
from oms.errors import ManagerClosed
from oms.runtime.config import ManagerConfig
from oms.runtime.journal import Journal
from oms.runtime.metrics import Metrics
from oms.runtime.ports import Transport
from oms.wire.events import ExecutionReport, OutboundAccountPosition
from oms.wire.rest import AccountInfo, CancelResponse, MyAllocation, MyTrade, QueryOrderResponse
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
        # Fills not yet in the positions, by symbol; how many were accounted before them.
        self._unaccounted: dict[str, list[FillApplied]] = {}
        self._fills_accounted = 0
        metrics.derive("fills_total", self._fills_total)
        self.clock = clock
        self._rules = rules
        self.last_price: dict[str, Decimal] = {}
        # True between a fill and the next balance report (stream position or account).
        self.fills_since_balance = False
        self._subscribers: list[asyncio.Queue[Output]] = []
        self._callbacks: list[Callable[[Output], None]] = []
        self._waiters: list[asyncio.Future[None]] = []  # ``wait_for``s, woken by outputs
        self._fanout = False  # a subscriber or a callback exists
        # By type: how an event is journaled, what an output is accounted by.
        self._journal_as: dict[type, tuple[int, Callable[[Any], str | None]]] = {}
        self._accounts = _ByType(self._account_for)
        self._record_frame = journal.record_frame
        self.closed = False

    def close(self) -> None:
        """Refuse every later ``apply``, ``commit`` and ``wait_for``; wake the waiting ones
        with ``ManagerClosed`` (they would otherwise wait for an update that never comes)."""
        self.closed = True
        waiters, self._waiters = self._waiters, []
        for woken in waiters:
            if not woken.done():
                woken.set_exception(ManagerClosed())

    def check_open(self) -> None:
        """Raise ``ManagerClosed`` once closed (before anything is sent or applied)."""
        if self.closed:
            raise ManagerClosed()

    def apply(self, event: Report, raw: bytes | None = None) -> list[Output]:
        """Apply one exchange report or command event, journal it, send its outputs on.

        ``raw``: the user-data frame ``event`` was decoded from, journaled as it is.

        Raises:
            ManagerClosed: the manager is closed; nothing is applied or journaled.
        """
        if self.closed:
            raise ManagerClosed()
        outputs = self.engine.apply(event)
        if type(event) is ExecutionReport:  # the hot path: a stream's report
            cid = event.orig_client_order_id or event.client_order_id
            if raw is None:
                self.journal.record_report(event, cid)
            else:
                self._record_frame(raw, cid)
            if event.last_price:  # a trade's price; zero when the report is no trade
                self.last_price[event.symbol] = event.last_price
        else:
            self._record(event, raw)
        if outputs:
            accounts = self._accounts
            for out in outputs:  # ``account``, inline: most outputs need nothing
                handler = accounts[type(out)]
                if handler is not None:
                    handler(out)
            if self._waiters or self._fanout:
                self._send(outputs)
        return outputs

    def _record(self, event: Report, raw: bytes | None) -> None:
        """Journal ``event`` by its type (any but an executionReport)."""
        kind = type(event)
        how = self._journal_as.get(kind)
        if how is None:
            how = self._journal_as[kind] = _journal_kind(kind)
        if how[0] == _COMMAND:
            self.journal.record(event, event.at_ms, event.client_order_id)  # type: ignore[union-attr]
        elif how[0] == _REPORT:
            if raw is None:
                self.journal.record_report(event, how[1](event))
            else:
                self._record_frame(raw, how[1](event))

    def commit(self) -> None:
        """Make every event applied so far durable now (before a request leaves)."""
        self.check_open()
        self.journal.commit()

    @property
    def positions(self) -> PositionBook:
        """The positions, every fill applied so far accounted."""
        pending = self._unaccounted
        if pending:
            self._unaccounted = {}
            for symbol, fills in pending.items():
                self._fills_accounted += len(fills)
                rule = self._rules.get(symbol)
                base, quote = (rule.base_asset, rule.quote_asset) if rule else (symbol, "")
                # Placed by trade time and id, whatever order they came in.
                self._positions.position(symbol, base, quote).apply_all(fills)
        return self._positions

    def _fills_total(self) -> int:
        """Fills applied so far (the ``fills_total`` metric)."""
        return self._fills_accounted + sum(map(len, self._unaccounted.values()))

    def account(self, outputs: Iterable[Output]) -> None:
        """Update positions (when next read) and metrics from ``outputs``."""
        accounts = self._accounts
        for out in outputs:
            handler = accounts[type(out)]
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
        symbol = fill.symbol
        queue = self._unaccounted.get(symbol)
        if queue is None:
            queue = self._unaccounted[symbol] = []
        queue.append(fill)
        if len(queue) >= _ACCOUNT_AT:  # nobody reads them: keep the queue bounded
            self.positions  # noqa: B018 - reading accounts the queued fills
        self.last_price[symbol] = fill.price
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
        self._fanout = True
        return self._drain(queue)

    def on_update(self, callback: Callable[[Output], None]) -> None:
        """Call ``callback(output)`` for every output; exceptions in it are logged."""
        self._callbacks.append(callback)
        self._fanout = True

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every applied update.

        Raises:
            TimeoutError: it did not hold within ``timeout`` seconds (None: no limit).
            ManagerClosed: the manager is (or got) closed before it held.
        """
        self.check_open()
        async with asyncio.timeout(timeout):
            while not predicate():
                woken = asyncio.get_running_loop().create_future()
                self._waiters.append(woken)
                try:
                    await woken
                finally:
                    if woken in self._waiters:  # cancelled or timed out before its wake-up
                        self._waiters.remove(woken)

    def _send(self, outputs: list[Output]) -> None:
        waiters = self._waiters
        if waiters:
            self._waiters = []
            for woken in waiters:
                if not woken.done():
                    woken.set_result(None)
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
            self._fanout = bool(self._subscribers or self._callbacks)


class Part:
    """A part of the manager: asks the exchange through ``transport``, changes the state
    only through ``dispatch``."""

    def __init__(self, transport: Transport, dispatch: Dispatcher, config: ManagerConfig) -> None:
        self.transport = transport
        self.dispatch = dispatch
        self.engine = dispatch.engine
        self.metrics = dispatch.metrics
        self.config = config


class _ByType(dict[type, Callable[[Any], None] | None]):
    """What accounts an output, by its type; found by ``find`` the first time."""

    def __init__(self, find: Callable[[type], Callable[[Any], None] | None]) -> None:
        super().__init__()
        self._find = find

    def __missing__(self, kind: type) -> Callable[[Any], None] | None:
        handler = self[kind] = self._find(kind)
        return handler


_SKIP, _COMMAND, _REPORT = 0, 1, 2
# Queued fills accounted into the positions once this many wait (a process that never
# reads its positions keeps no unbounded queue).
_ACCOUNT_AT = 4096


def _journal_kind(kind: type) -> tuple[int, Callable[[Any], str | None]]:
    """How an event of type ``kind`` is journaled, and what gives its client id: a command
    event by its own time and client id, a report (any other Struct) by its commit's time;
    a gap or a bad frame is not an input of the engine's state and is not journaled."""
    if issubclass(kind, Command):
        return _COMMAND, _report_client_id
    if issubclass(kind, msgspec.Struct) and not issubclass(kind, (StreamGap, BadFrame)):
        if issubclass(kind, (MyTrade, MyAllocation, AccountInfo, OutboundAccountPosition)):
            return _REPORT, _no_client_id
        return _REPORT, _report_client_id
    return _SKIP, _no_client_id


def _no_client_id(_: object) -> None:
    return None


def _report_client_id(report: object) -> str | None:
    if isinstance(report, ExecutionReport):
        return report.orig_client_order_id or report.client_order_id
    if isinstance(report, CancelResponse):
        return report.orig_client_order_id
    if isinstance(report, (QueryOrderResponse,)):
        return report.client_order_id
    if isinstance(report, (MyTrade, MyAllocation, AccountInfo, OutboundAccountPosition)):
        return None
    return getattr(report, "client_order_id", None)
