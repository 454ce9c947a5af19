"""OrderManager: the async trading engine an application embeds.

It joins the pure lifecycle core (``oms.core.engine.Engine``) to a transport (the in-process
simulated exchange, the local server or Binance) and keeps the promise of oms: its view of
orders, fills and balances is never silently wrong. This module is the facade and its
background loops; the work is done by the modules it wires together:

- ``oms.runtime.dispatch``: the one path into the state (apply, journal, account, dispatch);
- ``oms.runtime.placing``: pre-trade checks, intent before send, one send;
- ``oms.runtime.cancelling``: cancels with bounded resends while the order stays open;
- ``oms.runtime.resolve``: unknown outcomes, resolved by query by client id with backoff;
- ``oms.runtime.reconcile``: reconciliation with the exchange and its ``ReconcileReport``.

Rules:
- One writer: the manager's event loop is the only caller of the engine. Every exchange
  answer, REST or stream, goes through ``Dispatcher.apply`` -> ``Engine.apply``.
- Intent before send; an unknown outcome is never resent (rest-api.md, New order: client
  ids are unique only among open orders).
- Every stream (re)subscription is a gap: Binance replays nothing (web-socket-api.md, User Data
  Stream requests), so the manager reconciles each time, at start, and every ``reconcile_interval``.
- Logs carry order ids, never secrets (the transport holds the key; nothing here sees it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from decimal import Decimal
from typing import Any

from oms.core.checks import SymbolRules, round_price, round_quantity
from oms.core.engine import Engine
from oms.core.order import Order
from oms.core.outputs import Output
from oms.core.positions import Position, PositionBook
from oms.core.spec import OrderSpec
from oms.core.state import IN_DOUBT, OrderState
from oms.errors import ManagerClosed
from oms.runtime.cancelling import Canceller
from oms.runtime.config import ManagerConfig
from oms.runtime.dispatch import Dispatcher
from oms.runtime.journal import Journal
from oms.runtime.list_commands import ListCommands
from oms.runtime.lists import ListPlacer
from oms.runtime.metrics import Metrics, MetricsSnapshot
from oms.runtime.placing import Placer, spot_spec, symbol_rules
from oms.runtime.ports import Transport, UserDataFrames
from oms.runtime.reconcile import Correction, Reconciler, ReconcileReport
from oms.runtime.recovery import replay_journal
from oms.runtime.resolve import Resolver
from oms.wire.enums import OrderType, Side, TimeInForce
from oms.wire.stream import BadFrame, StreamGap, StreamItem

__all__ = ["Correction", "IN_DOUBT", "ManagerConfig", "OrderManager", "ReconcileReport"]

log = logging.getLogger("oms.runtime.manager")
# Stream items that are not events of the state: a gap (reconcile) or a bad frame (kept).
_NOT_EVENTS = (StreamGap, BadFrame)


class OrderManager(ListCommands):
    """Place, cancel and track Binance Spot orders over any ``Transport``.

    Use as ``async with OrderManager(transport) as oms: ...``; ``start()`` loads the symbol
    rules, replays the journal, subscribes to user data and reconciles.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        journal: Journal | None = None,
        config: ManagerConfig | None = None,
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.transport = transport
        self.config = config or ManagerConfig()
        # ``is None``, not ``or``: a Journal has ``__len__``, so a new (empty) file journal
        # is falsy and ``or`` silently swapped it for an in-memory one.
        self.journal = journal if journal is not None else Journal(":memory:")
        self._wall = clock or (lambda: time.time_ns() // 1_000_000)
        self._id_token = secrets.token_hex(4)
        self._id_seq = 0
        self.engine = Engine(clock=self._clock, new_client_order_id=self._next_client_id)
        self.metrics = Metrics()
        self._rules: dict[str, SymbolRules] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._stream_ready = asyncio.Event()
        self._closed = False
        self._wire()

    def _wire(self) -> None:
        """Build the parts; they share the state and the rules."""
        self._out = Dispatcher(
            self.engine,
            self.journal,
            metrics=self.metrics,
            positions=PositionBook(),
            rules=self._rules,
            clock=self._clock,
        )
        # The one path into the state, as the stream calls it (kept for the benches).
        self._apply = self._out.apply
        parts = (self.transport, self._out, self.config)
        self._resolver = Resolver(*parts, self._spawn)
        self._reconciler = Reconciler(*parts, self._resolver, wall=self._wall)
        self._placer = Placer(*parts, self._rules, self._resolver)
        self._canceller = Canceller(*parts, self._reconciler)
        self._list_placer = ListPlacer(*parts, self._resolver, self._rules)
        self._refreshed_at = 0  # wall ms of the last balance refresh (refresh_wanted)

    @property
    def last_reconcile(self) -> ReconcileReport | None:
        """The report of the latest reconciliation, None before the first."""
        return self._reconciler.last

    # --- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> OrderManager:
        # A start that fails (no exchange info, a refused reconcile) closes what it opened:
        # ``async with`` never calls ``__aexit__`` after a failed ``__aenter__``, and the
        # transport's session, the journal's database and lock would be left to the collector.
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> ReconcileReport:
        """Load rules, replay the journal, subscribe, reconcile; resolve orders in doubt."""
        await self.load_rules()
        self._replay()
        doubted = {o for o in self.engine.orders() if o.in_doubt}
        if self.config.stream:
            self._spawn(self._stream_loop())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stream_ready.wait(), self.config.stream_start_timeout)
        report = self.last_reconcile or await self.reconcile("startup")
        for order in list(self.engine.orders()):
            if order.in_doubt:
                self._resolver.begin(order)
            elif order in doubted:
                # In doubt after the replay, found by the startup reconciliation: it exists.
                self.metrics.inc("unknown_resolved_found_total")
                self.metrics.inc("orders_placed_total")
        # Lists whose placement a restart cut short: found now, before anything new can be
        # placed, and resolved in the background.
        self._spawn(self._list_placer.resume(self._list_placer.interrupted()))
        self._spawn(self._check_loop())
        return report

    async def close(self) -> None:
        """Stop background work and close the transport and journal.

        From here on nothing is applied or journaled: a call still in flight in another task
        ends with ``ManagerClosed``, its order as the journal recorded it (an order whose
        request may have left stays sent / outcome unknown, never failed), and the next
        ``start()`` on the same journal resolves it by client id. Later calls raise
        ``ManagerClosed`` at once, sending nothing. Closing twice does nothing more.
        """
        if self._closed:
            return
        self._closed = True
        self._out.close()  # first: whatever still runs can no longer write
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        try:
            await self.transport.close()
        finally:
            self.journal.close()  # also when the transport's close fails

    async def load_rules(self) -> None:
        """Fetch the exchange's symbol rules (the parts hold this same dict)."""
        info = await self.transport.get_exchange_info()
        self._rules.clear()
        self._rules.update((s.symbol, SymbolRules.from_symbol(s)) for s in info.symbols)

    def _replay(self) -> None:
        """Decode-and-apply the journal, then end what the previous process left in flight
        (its requests will never be answered to it: ``Engine.interrupted``)."""
        for outputs in replay_journal(self.engine, self.journal):
            self._out.account(outputs)
        for command in self.engine.interrupted(self._clock()):
            self._out.apply(command)

    def _clock(self) -> int:
        return self._wall()

    # --- the embedding API --------------------------------------------------------------

    async def place(self, spec: OrderSpec, client_order_id: str | None = None) -> Order:
        """Place one order of any type: everything it is created with is in ``spec``.

        Returns once the order is acknowledged and its state is known; later fills update
        the same ``Order``. The client id is generated when not given.

        Raises:
            OrderValidationError: a pre-trade check failed (nothing was sent).
            NewOrderRejected: the exchange refused the order (it does not exist).
            RateLimited: the request was refused by the rate limiter (not executed).
        """
        return await self._placer.place(spec, client_order_id)

    async def execute_spot_buy(
        self,
        symbol: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        *,
        time_in_force: TimeInForce | None = None,
        quote_quantity: Decimal | None = None,
        client_order_id: str | None = None,
        order_type: OrderType | None = None,
    ) -> Order:
        """Buy: MARKET without a price, LIMIT with one (GTC unless told). See ``place``."""
        spec = spot_spec(
            Side.BUY,
            symbol,
            quantity,
            price,
            time_in_force=time_in_force,
            quote_quantity=quote_quantity,
            order_type=order_type,
        )
        return await self._placer.place(spec, client_order_id)

    async def execute_spot_sell(
        self,
        symbol: str,
        quantity: Decimal | None = None,
        price: Decimal | None = None,
        *,
        time_in_force: TimeInForce | None = None,
        quote_quantity: Decimal | None = None,
        client_order_id: str | None = None,
        order_type: OrderType | None = None,
    ) -> Order:
        """Sell: MARKET without a price, LIMIT with one (GTC unless told). See ``place``."""
        spec = spot_spec(
            Side.SELL,
            symbol,
            quantity,
            price,
            time_in_force=time_in_force,
            quote_quantity=quote_quantity,
            order_type=order_type,
        )
        return await self._placer.place(spec, client_order_id)

    async def cancel(self, order: Order) -> Order:
        """Cancel one order; returns once the exchange's answer has been applied.

        A cancel whose outcome is unknown is followed by a query; while the exchange still
        has the order open, the cancel did not take effect and is sent again (a second
        cancel is harmless: -2011 at worst), up to ``cancel_attempts`` times with backoff.

        Raises:
            InvalidTransition: the order is already terminal (nothing sent).
            RemoteError: the exchange refused the cancel (other than -2011, which is
                answered by checking the order).
        """
        return await self._canceller.cancel(order)

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order on ``symbol`` (ours and any opened elsewhere)."""
        return await self._canceller.cancel_all(symbol)

    async def reconcile(self, reason: str = "requested") -> ReconcileReport:
        """Compare account, open orders, tracked orders and their trades with the exchange,
        correct what differs, and report it."""
        return await self._reconciler.reconcile(reason)

    def orders(self) -> list[Order]:
        """Every order this manager tracks, open and finished."""
        return list(self.engine.orders())

    def open_orders(self) -> list[Order]:
        return list(self.engine.open_orders())

    def order(self, client_order_id: str) -> Order | None:
        return self.engine.order(client_order_id)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Asset -> (free, locked), as the exchange last told us."""
        return self.engine.balances.as_dict()

    def locked_by_open_orders(self) -> dict[str, Decimal]:
        """What our own open orders hold locked, per asset (remaining quantity or notional)."""
        locked: dict[str, Decimal] = {}
        for order in self.engine.open_orders():
            rules = self._rules.get(order.symbol)
            if rules is None or order.quantity is None:
                continue
            remaining = order.quantity - order.filled
            if order.side is Side.SELL:
                locked[rules.base_asset] = locked.get(rules.base_asset, Decimal(0)) + remaining
            elif order.price is not None:
                amount = remaining * order.price
                locked[rules.quote_asset] = locked.get(rules.quote_asset, Decimal(0)) + amount
        return locked

    @property
    def positions(self) -> PositionBook:
        """Positions by symbol, every fill applied so far accounted."""
        return self._out.positions

    def positions_by_symbol(self) -> dict[str, Position]:
        return self._out.positions.all()

    def rules(self, symbol: str) -> SymbolRules:
        """The symbol's trading rules. Raises OrderValidationError for an unknown symbol."""
        return symbol_rules(self._rules, symbol)

    def round_price(self, symbol: str, price: Decimal, side: Side | None = None) -> Decimal:
        return round_price(self.rules(symbol), price, side=side)

    def round_quantity(self, symbol: str, quantity: Decimal, *, market: bool = False) -> Decimal:
        return round_quantity(self.rules(symbol), quantity, market=market)

    def updates(self) -> AsyncIterator[Output]:
        """Every output (order updates, fills, balance changes, conflicts) from now on."""
        return self._out.updates()

    def on_update(self, callback: Callable[[Output], None]) -> None:
        """Call ``callback(output)`` for every output; exceptions in it are logged, not raised."""
        self._out.on_update(callback)

    def metrics_snapshot(self) -> MetricsSnapshot:
        self._refresh_transport_metrics()
        return self.metrics.snapshot()

    def metrics_text(self) -> str:
        """The metrics in Prometheus text format."""
        self._refresh_transport_metrics()
        return self.metrics.prometheus_text()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every applied update."""
        await self._out.wait_for(predicate, timeout)

    # --- background loops ---------------------------------------------------------------

    async def _check_loop(self) -> None:
        # Guarded per turn: one failure (a journal error, a bug) must not end the checks for
        # good while the manager keeps trading; it is logged and counted instead.
        while not self._closed:
            await asyncio.sleep(0.2)
            try:
                await self._check_turn()
            except ManagerClosed:
                return  # closed under it: not a failure
            except Exception:
                self.metrics.inc("background_failures_total")
                log.exception("order checks failed; continuing")

    async def _check_turn(self) -> None:
        now = self._clock()
        interval = self.config.reconcile_interval
        since = self._wall() - self._reconciler.reconciled_at
        if interval is not None and since >= interval * 1000:
            # An event lost on a live connection leaves no gap to notice: sweep anyway.
            await self.reconcile("periodic")
        for order in self.engine.take_checks():
            await self._reconciler.check_order(order)
        await self._list_placer.check_lists()
        balances = self.engine.balances
        if balances.refresh_wanted and self._wall() - self._refreshed_at >= 1000:
            # A snapshot and a position of the same ms disagreed: the account settles which
            # holds (at most once a second: GET /account weighs 20, rest-api.md, LIMITS).
            self._refreshed_at = self._wall()
            self._out.apply(await self.transport.get_account())
            balances.refresh_wanted = False  # only once the snapshot is in
        for order in list(self.engine.open_orders()):
            stale = now - (order.updated_ms or now) > self.config.ack_timeout * 1000
            if order.state is OrderState.PENDING_ACK and stale:
                if order.send_in_flight or self._resolver.resolving(order):
                    continue  # its send or its resolution is already asking the exchange
                await self._reconciler.check_order(order)

    async def _stream_loop(self) -> None:
        """Consume the user data stream for as long as the manager runs.

        The transport reconnects by itself; should its iterator fail or end anyway (a
        refused key, a bug), the stream is opened again with capped backoff, so the manager
        never silently runs without one. ``background_failures_total`` counts them.
        """
        delay = 0.5
        transport = self.transport
        while not self._closed:
            try:
                if isinstance(transport, UserDataFrames):  # each event with its frame
                    async for item, raw in transport.user_data_frames():
                        if self._closed:
                            return
                        if isinstance(item, _NOT_EVENTS):
                            await self._on_stream_item(item, raw)
                        else:  # an event: applied here, without a coroutine of its own
                            self._on_stream_event(item, raw)
                        delay = 0.5
                else:
                    async for item in transport.user_data():
                        if self._closed:
                            return
                        if isinstance(item, _NOT_EVENTS):
                            await self._on_stream_item(item)
                        else:
                            self._on_stream_event(item, None)
                        delay = 0.5
            except Exception as exc:
                self.metrics.inc("background_failures_total")
                log.error("user data stream failed; reopening", extra={"error": repr(exc)})
            if self._closed:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def _on_stream_event(self, item: StreamItem, raw: bytes | None) -> None:
        try:
            self._out.apply(item, raw)
        except ManagerClosed:
            return  # closed under it: the next start's reconciliation has it
        except Exception:
            self._stream_item_failed()

    async def _on_stream_item(self, item: StreamItem, raw: bytes | None = None) -> None:
        try:
            if isinstance(item, StreamGap):
                self._on_gap(item)
                await self.reconcile(f"stream gap: {item.reason}")
                self._stream_ready.set()
            elif isinstance(item, BadFrame):
                self.journal.record_bad_frame(item.raw, item.error, self._clock())
                self.metrics.inc("bad_frames_total")
                log.warning(
                    "bad frame kept in journal", extra={"error": item.error, "field": item.field}
                )
            else:
                self._out.apply(item, raw)
        except ManagerClosed:
            return  # closed under it: the next start's reconciliation has it
        except Exception:
            self._stream_item_failed()

    def _stream_item_failed(self) -> None:
        # One item that cannot be handled must not end the stream: count it, go on; the
        # periodic reconciliation repairs what it would have changed.
        self.metrics.inc("background_failures_total")
        log.exception("stream item failed; continuing")

    def _on_gap(self, gap: StreamGap) -> None:
        self.metrics.inc("stream_gaps_total")
        if gap.since_ms is not None:
            self.metrics.set("last_stream_gap_ms", max(0, gap.at_ms - gap.since_ms))

    # --- helpers ------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._closed:  # nobody would cancel it: it would outlive the manager
            coro.close()
            return
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None and not isinstance(exc, ManagerClosed):  # closed: not a failure
            log.error("background task failed", exc_info=exc)

    def _next_client_id(self) -> str:
        # Unique across restarts (a fresh random token per manager) and within Binance's
        # ^[a-zA-Z0-9-_]{1,36}$ (rest-api.md, New order (newClientOrderId)).
        self._id_seq += 1
        return f"{self.config.id_prefix}-{self._id_token}-{self._id_seq}"

    def _refresh_transport_metrics(self) -> None:
        stats = self.transport.stats()
        self.metrics.set("clock_offset_ms", stats.clock_offset_ms)
        self.metrics.set("used_weight_1m", stats.used_weight_1m)
        self.metrics.set("order_count_10s", stats.order_count_10s)
        self.metrics.set("order_count_1d", stats.order_count_1d)
