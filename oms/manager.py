"""OrderManager: the async trading engine an application embeds.

It joins the pure lifecycle core (``oms.engine.Engine``) to a transport (the in-process
simulated exchange, the local server or Binance) and keeps the promise of oms: its view of
orders, fills and balances is never silently wrong.

Rules:
- One writer: the manager's event loop is the only caller of the engine. Every exchange
  answer, REST or stream, goes through ``_apply`` -> ``Engine.apply`` (one path into the
  state), is journaled, updates positions and metrics, and is dispatched to subscribers.
- Intent before send: an order is journaled before its request leaves. A send whose outcome
  is unknown (``OutcomeUnknown``) is resolved only by the exchange's answer to a query by
  client id, with backoff; it is declared never placed only on a definite -2013 after its
  ``timestamp + recvWindow`` deadline has passed by the server clock. It is never resent,
  and never resent with the same client id (binance-spot-api.md §3: client ids are unique
  only among open orders).
- Every stream (re)subscription is a gap: Binance replays nothing (§5), so the manager
  reconciles account, open orders, tracked orders and their trades each time, and at start.
- Pre-trade checks run before anything is sent; a refusal names the rule and the nearest
  valid value (``oms.checks``).
- Logs carry order ids, never secrets (the transport holds the key; nothing here sees it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from oms.checks import SymbolRules, check_order, round_price, round_quantity
from oms.engine import Engine
from oms.enums import OrderStatus, OrderType, Side, TimeInForce
from oms.errors import (
    CancelRejected,
    Disconnected,
    NoSuchOrder,
    OmsError,
    OrderValidationError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
    TransportError,
)
from oms.events import ExecutionReport, OutboundAccountPosition
from oms.journal import Journal, OrderIntent
from oms.metrics import Metrics, MetricsSnapshot
from oms.order import Order
from oms.outputs import (
    BalanceChanged,
    FillApplied,
    OrderAdopted,
    Output,
    ReportConflict,
    ReportIgnored,
)
from oms.positions import Position, PositionBook
from oms.replay import replay_journal
from oms.requests import QueryOrder
from oms.rest import AccountInfo, CancelResponse, MyTrade, QueryOrderResponse
from oms.state import OrderState
from oms.stream import BadFrame, StreamGap
from transports.base import Transport

__all__ = ["ManagerConfig", "OrderManager", "ReconcileReport"]

log = logging.getLogger("oms.manager")
T = TypeVar("T")

IN_DOUBT = frozenset({OrderState.CREATED, OrderState.PENDING_ACK, OrderState.UNKNOWN})


class ManagerConfig(msgspec.Struct, kw_only=True):
    """Tuning of the manager; the defaults suit Binance Spot."""

    id_prefix: str = "oms"
    # Backoff between queries that resolve an unknown outcome (seconds).
    resolve_initial_delay: float = 0.05
    resolve_max_delay: float = 2.0
    # Extra margin past timestamp + recvWindow before "does not exist" is believed (ms).
    not_found_margin_ms: int = 1000
    # An order still awaiting its ack after this long is checked with a query (s).
    ack_timeout: float = 10.0
    # How long start() waits for the stream's first subscription before going on (s).
    stream_start_timeout: float = 10.0
    # How long a pre-trade balance check waits for the stream's balance update after a
    # fill before fetching the account instead (s).
    balance_settle: float = 0.5
    # Whether the manager subscribes to the user data stream at all.
    stream: bool = True
    # A reconciliation also runs this often (s) while nothing else triggers one: a single
    # event lost on a live connection is otherwise noticed only at the next gap. None: off.
    # Cost: account (weight 20) + all open orders (80) per run, out of 6000 a minute (§8).
    reconcile_interval: float | None = 60.0
    # Sends of one cancel whose outcome stays unknown while the order is still open.
    cancel_attempts: int = 5


class Correction(msgspec.Struct, frozen=True, kw_only=True):
    """One difference a reconciliation found and corrected."""

    kind: str  # "order", "fill", "balance", "adopted"
    key: str
    before: str
    after: str


class ReconcileReport(msgspec.Struct, frozen=True, kw_only=True):
    """What a reconciliation compared, what differed and what it corrected."""

    reason: str
    started_ms: int
    finished_ms: int
    orders_checked: int
    open_on_exchange: int
    corrections: tuple[Correction, ...]
    errors: tuple[str, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.corrections and not self.errors


class OrderManager:
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
        self._pinned_ms: int | None = None  # the journal's time while replaying
        self._id_token = secrets.token_hex(4)
        self._id_seq = 0
        self.engine = Engine(clock=self._clock, new_client_order_id=self._next_client_id)
        self.metrics = Metrics()
        self.positions = PositionBook()
        self._rules: dict[str, SymbolRules] = {}
        self._last_price: dict[str, Decimal] = {}
        self._subscribers: list[asyncio.Queue[Output]] = []
        self._callbacks: list[Callable[[Output], None]] = []
        self._changed = asyncio.Event()
        # True between a fill and the next balance report (stream position or account).
        self._fills_since_balance = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._resolving: set[str] = set()
        self._cancelling: set[str] = set()  # client ids with a cancel request in flight
        self._stream_ready = asyncio.Event()
        self._last_event_ms = 0
        self._closed = False
        self.last_reconcile: ReconcileReport | None = None
        self._reconciled_at = 0  # wall ms of the last reconciliation's start

    # --- lifecycle ----------------------------------------------------------------------

    async def __aenter__(self) -> OrderManager:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> ReconcileReport:
        """Load rules, replay the journal, subscribe, reconcile; resolve orders in doubt."""
        await self.load_rules()
        self._replay()
        doubted = {o for o in self.engine.orders() if o.state in IN_DOUBT}
        if self.config.stream:
            self._spawn(self._stream_loop())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stream_ready.wait(), self.config.stream_start_timeout)
        report = self.last_reconcile or await self.reconcile("startup")
        for order in list(self.engine.orders()):
            if order.state in IN_DOUBT:
                self._begin_resolve(order)
            elif order in doubted:
                # In doubt after the replay, found by the startup reconciliation: it exists.
                self.metrics.inc("unknown_resolved_found_total")
                self.metrics.inc("orders_placed_total")
        self._spawn(self._check_loop())
        return report

    async def close(self) -> None:
        """Stop background work and close the transport and journal."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.transport.close()
        self.journal.close()

    async def load_rules(self) -> None:
        info = await self.transport.get_exchange_info()
        self._rules = {s.symbol: SymbolRules.from_symbol(s) for s in info.symbols}

    def _replay(self) -> None:
        for outputs in replay_journal(self.engine, self.journal, self._pin_time):
            self._account(outputs, replaying=True)

    def _pin_time(self, at_ms: int | None) -> None:
        self._pinned_ms = at_ms

    def _clock(self) -> int:
        return self._wall() if self._pinned_ms is None else self._pinned_ms

    # --- the embedding API --------------------------------------------------------------

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
        """Buy: MARKET without a price, LIMIT with one.

        Returns once the order is acknowledged and its state is known; later fills update
        the same ``Order``.

        Raises:
            OrderValidationError: a pre-trade check failed (nothing was sent).
            OrderRejected: the exchange refused the order (it does not exist).
            RateLimited: the request was refused by the rate limiter (not executed).
        """
        return await self._place(
            Side.BUY,
            symbol=symbol,
            quantity=quantity,
            price=price,
            tif=time_in_force,
            quote_quantity=quote_quantity,
            client_order_id=client_order_id,
            order_type=order_type,
        )

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
        """Sell: MARKET without a price, LIMIT with one. See ``execute_spot_buy``."""
        return await self._place(
            Side.SELL,
            symbol=symbol,
            quantity=quantity,
            price=price,
            tif=time_in_force,
            quote_quantity=quote_quantity,
            client_order_id=client_order_id,
            order_type=order_type,
        )

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
        delay = self.config.resolve_initial_delay
        for _ in range(self.config.cancel_attempts - 1):
            if not await self._cancel_once(order) or order.is_terminal:
                return order
            log.info("cancel not in effect, sending it again", extra=_ids(order))
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.resolve_max_delay)
            if order.is_terminal:
                return order
        await self._cancel_once(order)
        return order

    async def _cancel_once(self, order: Order) -> bool:
        """Send one cancel and apply the answer; True when its outcome was unknown."""
        request, outputs = self.engine.cancel_request(order)
        self._mark("cancel_requested", order, outputs)
        try:
            response = await self._cancel_call([order], self.transport.cancel_spot_order(request))
        except CancelRejected as exc:
            self._mark(
                "cancel_failed",
                order,
                self.engine.cancel_failed(order, exc.code, exc.msg),
                code=exc.code,
                msg=exc.msg,
            )
            await self._check_order(order)
        except (OutcomeUnknown, TransportError) as exc:
            log.warning(
                "cancel outcome unknown",
                extra={"client_order_id": order.client_order_id, "error": str(exc)},
            )
            await self._check_order(order)
            return True
        except RemoteError as exc:
            self._mark(
                "cancel_failed",
                order,
                self.engine.cancel_failed(order, exc.code, exc.msg),
                code=exc.code,
                msg=exc.msg,
            )
            raise
        else:
            self._apply(response)
        return False

    async def cancel_all(self, symbol: str) -> list[Order]:
        """Cancel every open order on ``symbol`` (ours and any opened elsewhere)."""
        open_orders = [o for o in self.engine.open_orders() if o.symbol == symbol]
        requested = []
        for order in open_orders:
            if order.state in (OrderState.NEW, OrderState.PARTIALLY_FILLED):
                self._mark("cancel_requested", order, self.engine.cancel_request(order)[1])
                requested.append(order)
        try:
            call = self.transport.cancel_open_orders(symbol)
            responses = await self._cancel_call(open_orders, call)
        except CancelRejected:
            responses = []  # -2011: nothing open on the exchange; the check below settles it
        except (OutcomeUnknown, TransportError):
            responses = []
        except RemoteError as exc:
            # Refused (e.g. -1021): nothing was canceled; our requests are void.
            for order in requested:
                if order.state is OrderState.CANCEL_REQUESTED:
                    failed = self.engine.cancel_failed(order, exc.code, exc.msg)
                    self._mark("cancel_failed", order, failed, code=exc.code, msg=exc.msg)
            raise
        for response in responses:
            self._apply(response)
        for order in open_orders:
            if not order.is_terminal:
                await self._check_order(order)
        return open_orders

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

    def positions_by_symbol(self) -> dict[str, Position]:
        return self.positions.all()

    def rules(self, symbol: str) -> SymbolRules:
        """The symbol's trading rules. Raises OrderValidationError for an unknown symbol."""
        rules = self._rules.get(symbol)
        if rules is None:
            raise OrderValidationError(f"unknown symbol {symbol!r}", rule="symbol")
        return rules

    def round_price(self, symbol: str, price: Decimal, side: Side | None = None) -> Decimal:
        return round_price(self.rules(symbol), price, side=side)

    def round_quantity(self, symbol: str, quantity: Decimal, *, market: bool = False) -> Decimal:
        return round_quantity(self.rules(symbol), quantity, market=market)

    def updates(self) -> AsyncIterator[Output]:
        """Every output (order updates, fills, balance changes, conflicts) from now on."""
        queue: asyncio.Queue[Output] = asyncio.Queue()
        self._subscribers.append(queue)
        return self._drain(queue)

    def on_update(self, callback: Callable[[Output], None]) -> None:
        """Call ``callback(output)`` for every output; exceptions in it are logged, not raised."""
        self._callbacks.append(callback)

    def metrics_snapshot(self) -> MetricsSnapshot:
        self._refresh_transport_metrics()
        return self.metrics.snapshot()

    def metrics_text(self) -> str:
        """The metrics in Prometheus text format."""
        self._refresh_transport_metrics()
        return self.metrics.prometheus_text()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until ``predicate()`` holds, re-checking after every applied update."""
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

    # --- placing ------------------------------------------------------------------------

    async def _place(
        self,
        side: Side,
        *,
        symbol: str,
        quantity: Decimal | None,
        price: Decimal | None,
        tif: TimeInForce | None,
        quote_quantity: Decimal | None,
        client_order_id: str | None,
        order_type: OrderType | None,
    ) -> Order:
        otype = order_type or (OrderType.LIMIT if price is not None else OrderType.MARKET)
        if otype is OrderType.LIMIT and tif is None:
            tif = TimeInForce.GTC
        await self._settle_balances()
        self._precheck(
            symbol=symbol,
            side=side,
            otype=otype,
            quantity=quantity,
            price=price,
            quote_quantity=quote_quantity,
        )
        order = self.engine.create_order(
            symbol=symbol,
            side=side,
            order_type=otype,
            quantity=quantity,
            quote_order_qty=quote_quantity,
            price=price,
            time_in_force=tif,
            client_order_id=client_order_id,
        )
        self.journal.record_intent(_intent(order), self._clock())
        request = self.engine.new_order_request(order)
        self._mark("sent", order, self.engine.mark_sent(order))
        try:
            response = await self.transport.place_spot_order(request)
        except OutcomeUnknown as exc:
            self._mark("unknown", order, self.engine.mark_unknown(order, str(exc)))
            await self._resolve(order, exc.request_time_ms, exc.recv_window_ms)
            return order
        except (RemoteError, RateLimited, Disconnected) as exc:
            code = getattr(exc, "code", None) or 0
            msg = getattr(exc, "msg", None) or str(exc)
            self._mark(
                "rejected", order, self.engine.mark_rejected(order, code, msg), code=code, msg=msg
            )
            self.metrics.inc("orders_rejected_total")
            raise
        self._apply(response)
        self.metrics.inc("orders_placed_total")
        return order

    def _precheck(
        self,
        *,
        symbol: str,
        side: Side,
        otype: OrderType,
        quantity: Decimal | None,
        price: Decimal | None,
        quote_quantity: Decimal | None,
    ) -> None:
        try:
            rules = self.rules(symbol)
            spend = rules.quote_asset if side is Side.BUY else rules.base_asset
            free = self.engine.balances.free(spend)
            check_order(
                rules,
                side=side,
                order_type=otype,
                quantity=quantity,
                price=price,
                quote_order_qty=quote_quantity,
                reference_price=self._last_price.get(symbol),
                free_balance=free,
            )
        except OrderValidationError:
            self.metrics.inc("precheck_refused_total")
            raise

    async def _settle_balances(self) -> None:
        """Make sure balances reflect every fill applied so far before checking funds.

        A fill applied from a REST answer arrives before the stream's
        ``outboundAccountPosition`` (binance-spot-api.md §5 "Ordering"); wait briefly for
        it, and fetch the account if it does not come.
        """
        if not self._fills_since_balance:
            return
        with contextlib.suppress(TimeoutError):
            await self.wait_for(
                lambda: not self._fills_since_balance, timeout=self.config.balance_settle
            )
        if self._fills_since_balance:
            with contextlib.suppress(OmsError):
                self._apply(await self.transport.get_account())
            self._fills_since_balance = False

    # --- unknown outcomes ---------------------------------------------------------------

    def _begin_resolve(self, order: Order) -> None:
        if order.state is OrderState.CREATED:
            # Journaled but maybe sent before a crash: in doubt, never resent (§3 client ids).
            self._mark("unknown", order, self.engine.mark_unknown(order, "intent without send"))
        self._spawn(self._resolve(order, None, None))

    async def _resolve(self, order: Order, request_ms: int | None, window_ms: int | None) -> None:
        """Query by client id until the exchange answers; never resend."""
        cid = order.client_order_id
        if cid in self._resolving:
            await self.wait_for(lambda: order.state not in IN_DOUBT, timeout=None)  # type: ignore[arg-type]
            return
        self._resolving.add(cid)
        self.metrics.set("unknown_outcomes_open", len(self._resolving))
        deadline = self._deadline(order, request_ms, window_ms)
        delay = self.config.resolve_initial_delay
        answered = False
        try:
            while order.state in IN_DOUBT and not self._closed:
                if answered := await self._resolve_once(order, deadline):
                    break
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.config.resolve_max_delay)
        finally:
            self._resolving.discard(cid)
            self.metrics.set("unknown_outcomes_open", len(self._resolving))
        if not answered and order.state not in IN_DOUBT and order.order_id is not None:
            # A report (the stream's, or a reconciliation's) resolved it first: it exists.
            self.metrics.inc("unknown_resolved_found_total")
            self.metrics.inc("orders_placed_total")

    async def _resolve_once(self, order: Order, deadline_ms: int) -> bool:
        query = QueryOrder(symbol=order.symbol, orig_client_order_id=order.client_order_id)
        try:
            response = await self.transport.get_order(query)
        except NoSuchOrder:
            if self.transport.server_time_ms() <= deadline_ms:
                return False  # may still start executing: keep asking
            if order.state is OrderState.PENDING_ACK:
                # Marked sent, never answered (a crash after the mark, a stale ack): its
                # outcome is unknown; not_found is UNKNOWN's edge only.
                self._mark("unknown", order, self.engine.mark_unknown(order, "no answer"))
            self._mark("not_found", order, self.engine.mark_not_found(order))
            self.metrics.inc("unknown_resolved_not_placed_total")
            log.info("order never placed", extra={"client_order_id": order.client_order_id})
            return True
        except OmsError as exc:
            log.info(
                "resolve query failed, retrying",
                extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
            )
            return False
        self._apply(response)
        await self._fetch_trades(order)
        self.metrics.inc("unknown_resolved_found_total")
        self.metrics.inc("orders_placed_total")
        return True

    def _deadline(self, order: Order, request_ms: int | None, window_ms: int | None) -> int:
        window = window_ms if window_ms is not None else self.transport.recv_window_ms
        if request_ms is None:
            offset = self.transport.server_time_ms() - self._clock()
            request_ms = (order.created_ms or self._clock()) + offset
        return request_ms + window + self.config.not_found_margin_ms

    # --- checks and reconciliation ------------------------------------------------------

    async def _check_order(self, order: Order) -> None:
        """Ask the exchange for one order's truth and its trades, and apply them."""
        query = QueryOrder(
            symbol=order.symbol,
            order_id=order.order_id,
            orig_client_order_id=None if order.order_id else order.client_order_id,
        )
        try:
            response = await self.transport.get_order(query)
        except NoSuchOrder:
            if order.state in IN_DOUBT:
                self._begin_resolve(order)
            return
        except OmsError as exc:
            log.warning(
                "order check failed",
                extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
            )
            return
        self._apply(response)
        self._cancel_not_in_effect(order, response.status)
        await self._fetch_trades(order)

    async def _cancel_call(self, orders: list[Order], call: Coroutine[Any, Any, T]) -> T:
        """Await a cancel request, knowing meanwhile that ``orders`` have one in flight."""
        cids = [o.client_order_id for o in orders]
        self._cancelling.update(cids)
        try:
            return await call
        finally:
            self._cancelling.difference_update(cids)

    def _cancel_not_in_effect(self, order: Order, status: OrderStatus) -> None:
        """CANCEL_REQUESTED, no cancel in flight, and the exchange has the order open: the
        cancel never took effect (refused, lost, or a crash before it left). Back to the
        open state, else no report could ever move the order again (NEW and
        PARTIALLY_FILLED are self-loops of CANCEL_REQUESTED)."""
        if (
            order.state is OrderState.CANCEL_REQUESTED
            and status in (OrderStatus.NEW, OrderStatus.PARTIALLY_FILLED)
            and order.client_order_id not in self._cancelling
        ):
            msg = f"cancel not in effect: the exchange reports {status.value}"
            self._mark("cancel_failed", order, self.engine.cancel_failed(order, 0, msg), msg=msg)

    async def _fetch_trades(self, order: Order) -> None:
        if order.order_id is None or (
            order.executed_qty <= order.filled and not order.awaiting_fills
        ):
            return
        try:
            trades = await self.transport.get_my_trades(order.symbol, order_id=order.order_id)
        except OmsError as exc:
            log.warning(
                "trade fetch failed",
                extra={"client_order_id": order.client_order_id, "error": type(exc).__name__},
            )
            return
        for trade in trades:
            self._apply(trade)

    async def _check_loop(self) -> None:
        while not self._closed:
            await asyncio.sleep(0.2)
            now = self._clock()
            interval = self.config.reconcile_interval
            if interval is not None and self._wall() - self._reconciled_at >= interval * 1000:
                # An event lost on a live connection leaves no gap to notice: sweep anyway.
                await self.reconcile("periodic")
            for order in self.engine.take_checks():
                await self._check_order(order)
            for order in list(self.engine.open_orders()):
                stale = now - (order.updated_ms or now) > self.config.ack_timeout * 1000
                if order.state is OrderState.PENDING_ACK and stale:
                    await self._check_order(order)

    async def reconcile(self, reason: str = "requested") -> ReconcileReport:
        """Compare account, open orders, tracked orders and their trades with the exchange,
        correct what differs, and report it."""
        started = self._clock()
        self._reconciled_at = self._wall()
        corrections: list[Correction] = []
        errors: list[str] = []
        checked = 0
        open_count = 0
        try:
            account = await self.transport.get_account()
            corrections += self._corrections(self._apply(account))
            remote_open = await self.transport.get_open_orders()
            open_count = len(remote_open)
            corrections += await self._reconcile_orders(remote_open)
            checked = len(self.engine.orders())
        except OmsError as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        report = ReconcileReport(
            reason=reason,
            started_ms=started,
            finished_ms=self._clock(),
            orders_checked=checked,
            open_on_exchange=open_count,
            corrections=tuple(corrections),
            errors=tuple(errors),
        )
        self.metrics.inc("reconciliations_total")
        self.metrics.inc("reconcile_corrections_total", len(corrections))
        self.last_reconcile = report
        log.info(
            "reconciled",
            extra={"reason": reason, "corrections": len(corrections), "errors": len(errors)},
        )
        return report

    async def _reconcile_orders(self, remote_open: list[QueryOrderResponse]) -> list[Correction]:
        corrections: list[Correction] = []
        seen: set[str] = set()
        for response in remote_open:
            seen.add(response.client_order_id)
            corrections += self._corrections(self._apply(response))
            order = self.engine.order(response.client_order_id)
            if order is not None and order.order_id == response.order_id:
                self._cancel_not_in_effect(order, response.status)
        for order in list(self.engine.orders()):
            if (
                order.is_terminal
                and not order.awaiting_fills
                and order.executed_qty <= order.filled
            ):
                continue
            if order.client_order_id in seen and order.executed_qty <= order.filled:
                continue
            before = (order.state, order.filled)
            await self._check_order(order)
            if (order.state, order.filled) != before:
                corrections.append(
                    Correction(
                        kind="order",
                        key=order.client_order_id,
                        before=f"{before[0].name} filled={before[1]}",
                        after=f"{order.state.name} filled={order.filled}",
                    )
                )
        return corrections

    def _corrections(self, outputs: Iterable[Output]) -> list[Correction]:
        found: list[Correction] = []
        for out in outputs:
            if isinstance(out, OrderAdopted):
                found.append(
                    Correction(
                        kind="adopted",
                        key=out.client_order_id,
                        before="untracked",
                        after=str(out.state),
                    )
                )
            elif isinstance(out, FillApplied):
                found.append(
                    Correction(
                        kind="fill",
                        key=f"{out.symbol}:{out.trade_id}",
                        before="missing",
                        after=str(out.quantity),
                    )
                )
            elif isinstance(out, BalanceChanged) and out.previous is not None:
                found.append(
                    Correction(
                        kind="balance",
                        key=out.asset,
                        before=str(out.previous),
                        after=f"{out.free}/{out.locked}",
                    )
                )
            elif hasattr(out, "previous_state") and not isinstance(out, ReportIgnored):
                key = getattr(out, "client_order_id", "?")
                found.append(
                    Correction(
                        kind="order",
                        key=str(key),
                        before=str(getattr(out, "previous_state", "")),
                        after=str(getattr(out, "state", "")),
                    )
                )
        return found

    # --- the stream ---------------------------------------------------------------------

    async def _stream_loop(self) -> None:
        async for item in self.transport.user_data():
            if self._closed:
                return
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
                self._last_event_ms = self._clock()
                self._apply(item)

    def _on_gap(self, gap: StreamGap) -> None:
        self.metrics.inc("stream_gaps_total")
        if gap.since_ms is not None:
            self.metrics.set("last_stream_gap_ms", max(0, gap.at_ms - gap.since_ms))

    # --- the one path into the state ----------------------------------------------------

    def _apply(self, report: object) -> list[Output]:
        outputs = self.engine.apply(report)  # type: ignore[arg-type]
        if isinstance(report, msgspec.Struct) and not isinstance(report, (StreamGap, BadFrame)):
            self.journal.record_report(report, self._clock(), _report_client_id(report))
        if isinstance(report, ExecutionReport) and report.last_price > 0:
            self._last_price[report.symbol] = report.last_price
        self._account(outputs)
        self._dispatch(outputs)
        return outputs

    def _mark(self, kind: str, order: Order, outputs: list[Output], **data: object) -> None:
        self.journal.record_mark(kind, order.client_order_id, self._clock(), **data)
        self._account(outputs)
        self._dispatch(outputs)

    def _account(self, outputs: Iterable[Output], *, replaying: bool = False) -> None:
        for out in outputs:
            if isinstance(out, FillApplied):
                self._on_fill(out, replaying)
                self._fills_since_balance = True
            elif isinstance(out, BalanceChanged):
                self._fills_since_balance = False
            elif isinstance(out, ReportIgnored):
                name = "duplicate_reports_total" if out.duplicate else "stale_reports_total"
                self.metrics.inc(name)
            elif isinstance(out, ReportConflict):
                self.metrics.inc("conflicting_reports_total")
                log.warning("report conflict", extra={"detail": str(out)})
            elif isinstance(out, OrderAdopted):
                self.metrics.inc("orders_adopted_total")

    def _on_fill(self, fill: FillApplied, replaying: bool) -> None:
        rules = self._rules.get(fill.symbol)
        base, quote = (rules.base_asset, rules.quote_asset) if rules else (fill.symbol, "")
        pos = self.positions.position(fill.symbol, base, quote)
        pos.apply_fill(fill.side, fill.quantity, fill.price, fill.commission, fill.commission_asset)
        self._last_price[fill.symbol] = fill.price
        self.metrics.inc("fills_total")
        # Also while replaying (INSERT OR IGNORE): a kill between journaling a report and
        # recording its fill ids leaves the ids to be recorded now.
        self.journal.record_fill(fill.symbol, fill.trade_id, fill.client_order_id, self._clock())

    def _dispatch(self, outputs: list[Output]) -> None:
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

    # --- helpers ------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    def _next_client_id(self) -> str:
        # Unique across restarts (a fresh random token per manager) and within Binance's
        # ^[a-zA-Z0-9-_]{1,36}$ (§3 newClientOrderId).
        self._id_seq += 1
        return f"{self.config.id_prefix}-{self._id_token}-{self._id_seq}"

    def _refresh_transport_metrics(self) -> None:
        stats = self.transport.stats()
        self.metrics.set("clock_offset_ms", stats.clock_offset_ms)
        self.metrics.set("used_weight_1m", stats.used_weight_1m)
        self.metrics.set("order_count_10s", stats.order_count_10s)
        self.metrics.set("order_count_1d", stats.order_count_1d)


def _ids(order: Order) -> dict[str, object]:
    return {"client_order_id": order.client_order_id, "order_id": order.order_id}


def _intent(order: Order) -> OrderIntent:
    return OrderIntent(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        quantity=order.quantity,
        quote_order_qty=order.quote_order_qty,
        price=order.price,
        time_in_force=order.time_in_force,
    )


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
