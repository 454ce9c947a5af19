"""One order and the one path that applies an exchange report to it.

Rules (``specs/order-lifecycle.md`` "Applying a report" is the long form):
- Every report, WS or REST, is applied in the same order of steps: quantity, fills,
  exchange cumulative quantity (``executed_qty``), status through the compiled table,
  completion. ``apply_execution_report`` and ``apply_order_answer`` only unpack their shape
  and call the shared steps.
- A fill is applied once, keyed by trade id. ``filled`` and ``cum_quote`` are the sums of the
  applied fills; fees are summed per asset from them. None of them ever decreases. A fill of
  an order placed with smart order routing may be an allocation, which has no trade id (``t``
  and ``tradeId`` -1) but an allocation id (``a``, ``allocId``; faqs/sor_faq.md;
  user-data-stream.md, Order Update; rest-api.md, New order using SOR): it is keyed by
  ``allocation_key(allocId)``, a negative number below -1 that no trade id can be.
- ``executed_qty`` is the largest cumulative quantity the exchange reported; never
  decreases; may run ahead of ``filled`` while trade reports are in flight
  (``awaiting_fills``).
- FILLED is entered only when ``filled == quantity``; a FILLED status that arrives earlier
  leaves the order open, awaiting its fills, and asks for a check.
- A remote report never raises: what contradicts the order is left out, reported as a
  ``ReportConflict`` and the order is marked ``needs_check``. Stale statuses are self-loops
  of the table: they change nothing, but the fills they carry are counted.
- An order holds its ``OrderSpec`` (what it was created with, never changed); ``symbol`` and
  ``side`` are also plain fields (the hot path reads them per report, a property per read
  would cost), the spec's other fields are read through properties or ``order.spec``.
  ``quantity`` is the order's current quantity as the exchange knows it (learned for a
  MARKET order by quote, lowered by an amend), not the spec's.
- In-flight facts are the order's own: ``send_in_flight`` (a place request awaiting its
  answer) and ``cancel_in_flight`` (a cancel awaiting its answer), set and cleared by our
  command events and the answers (``oms.core.commands``).
- Orders are small untracked Structs (memory and GC pauses: 100k of them must stay cheap);
  an order's fills are None, its one fill, or (from the second on) a dict by trade id. Equal
  values are shared, not held once per fill: a fill's price equal to the order's limit price
  is that very object, its time equal to the order's last update is that int, the second
  fill's commission and asset equal to the first's are those, and the sum of the fills of a
  FILLED order is its quantity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import MappingProxyType

import msgspec

from oms.core.outputs import (
    FillApplied,
    OrderAccepted,
    OrderAmended,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderStateChanged,
    Output,
    ReportConflict,
    ReportIgnored,
)
from oms.core.spec import OrderSpec
from oms.core.state import IN_DOUBT, ROWS, TERMINAL_STATES, OrderState, next_state
from oms.wire.enums import ExecutionType, OrderStatus, OrderType, Side, TimeInForce
from oms.wire.events import ExecutionReport
from oms.wire.money import MONEY, ZERO, show

__all__ = ["Order", "allocation_key"]

S = OrderState
_FILLED = OrderStatus.FILLED.value
_PARTIALLY_FILLED = OrderStatus.PARTIALLY_FILLED.value
_NEW = OrderStatus.NEW.value
# States in which a fill that completes the order is a contradiction: Binance cannot
# cancel or expire a fully filled order (its cancel gets -2011), and a rejected order
# never traded.
_CLOSED_UNFILLED = frozenset({S.CANCELED, S.EXPIRED, S.EXPIRED_IN_MATCH, S.REJECTED})
_NO_FILLS: Mapping[int, FillApplied] = MappingProxyType({})
# Enum members bound once for the hot path: on Python 3.11 ``OrderState.NEW`` is a
# metaclass lookup costing ~85 ns per access, a module global ~15 ns.
_S_NEW, _S_PARTIALLY_FILLED, _S_FILLED = S.NEW, S.PARTIALLY_FILLED, S.FILLED
_S_CANCELED, _S_REJECTED, _S_EXPIRED, _S_EXPIRED_IN_MATCH = (
    S.CANCELED,
    S.REJECTED,
    S.EXPIRED,
    S.EXPIRED_IN_MATCH,
)
_X_TRADE, _X_REPLACED = ExecutionType.TRADE, ExecutionType.REPLACED
_REJECTED_STATUS = OrderStatus.REJECTED
_BEFORE_ANY_TRADE = frozenset({OrderStatus.NEW, OrderStatus.PENDING_NEW})


def allocation_key(allocation_id: int) -> int:
    """The fill key of an SOR allocation (see the module rules): -2 for allocation 0, -3 for
    1, ...; never -1 (Binance's "no trade") nor a trade id (never negative)."""
    return -2 - allocation_id


def _fill_key(r: ExecutionReport) -> int:
    """The fill key of a trade report whose ``t`` is negative: its allocation's, or -1 (no
    fill: a broken report, whose status is still applied)."""
    a = r.allocation_id
    return -1 if a is None or a < 0 else allocation_key(a)


# Sums of an order's amounts use the operators: the decoder admits amounts below 10**20
# with at most 8 places, and a fill's sums stay below 10**20 (the quantity; Binance's own
# cumulative quote quantity ``Z``), so they need 28 digits: exact in Python's default
# context, which the decoder's fast path checks (oms.wire.money, "Admitted amounts").


class Order(msgspec.Struct, kw_only=True, gc=False, eq=False):
    """One tracked order: identity, lifecycle state, fills and what the exchange reported.

    A mutable Struct compared and hashed by identity. ``gc=False``: an order holds only
    strings, Decimals, enums and a dict of (untracked) fills, never a cycle, so the garbage
    collector need not track it: a full collection with 100k orders tracked no longer walks
    them (bench section 2).
    """

    client_order_id: str
    spec: OrderSpec
    # The spec's symbol and side, as plain fields for the hot path (see the module rules).
    symbol: str
    side: Side
    # None for a MARKET order by quoteOrderQty until the first report says (rest-api.md,
    # New order).
    quantity: Decimal | None
    created_ms: int = 0
    order_id: int | None = None
    state: OrderState = S.CREATED
    filled: Decimal = ZERO
    cum_quote: Decimal = ZERO
    executed_qty: Decimal = ZERO
    # None, the order's one fill, or a dict of its fills by trade id (see the module rules).
    _fills: FillApplied | dict[int, FillApplied] | None = None
    # Quantities before amends (x=REPLACED), oldest first: a late report still carrying one
    # is stale, not a contradiction.
    prior_quantities: tuple[Decimal, ...] = ()
    updated_ms: int = 0
    reject_code: int | None = None
    reject_msg: str | None = None
    expiry_reason: str | None = None
    needs_check: bool = False
    send_in_flight: bool = False
    cancel_in_flight: bool = False

    # Orders with a trigger and list legs (oms.core.triggers.take_trigger_keys): the stop
    # price and trailing delta as reported, whether the order is working on the book (``w``),
    # since when (``W``), when trailing began (``D``), and its list (``g``; -1: none).
    stop_price: Decimal | None = None
    trailing_delta: int | None = None
    is_working: bool | None = None
    working_time: int | None = None
    trailing_time: int | None = None
    order_list_id: int = -1

    @classmethod
    def create(
        cls, spec: OrderSpec, client_order_id: str, created_ms: int, order_id: int | None = None
    ) -> Order:
        """A new order of ``spec`` in CREATED (``order_id`` for one adopted from a report)."""
        return cls(
            client_order_id=client_order_id,
            spec=spec,
            symbol=spec.symbol,
            side=spec.side,
            quantity=spec.quantity,
            created_ms=created_ms,
            order_id=order_id,
        )

    def __post_init__(self) -> None:
        if not self.updated_ms:
            self.updated_ms = self.created_ms

    def __repr__(self) -> str:
        return (
            f"Order({self.client_order_id!r}, {self.symbol}, {self.side.value} "
            f"{self.order_type.value}, {self.state.name}, filled={self.filled}/{self.quantity})"
        )

    # --- views --------------------------------------------------------------------------

    @property
    def order_type(self) -> OrderType:
        return self.spec.order_type

    @property
    def price(self) -> Decimal | None:
        return self.spec.price

    @property
    def quote_order_qty(self) -> Decimal | None:
        return self.spec.quote_order_qty

    @property
    def time_in_force(self) -> TimeInForce | None:
        return self.spec.time_in_force

    @property
    def in_doubt(self) -> bool:
        """Whether the exchange may or may not have the order (``state.IN_DOUBT``): only
        its answer to a query by client id settles it; it is never resent."""
        return self.state in IN_DOUBT

    @property
    def cancellable(self) -> bool:
        """Whether a cancel may be requested now: known to the exchange and still open."""
        return self.local_next_state("request_cancel") is not None

    @property
    def fills(self) -> Mapping[int, FillApplied]:
        """Applied fills by trade id, in the order applied (read-only)."""
        fills = self._fills
        if fills is None:
            return _NO_FILLS
        if isinstance(fills, dict):
            return MappingProxyType(fills)
        return MappingProxyType({fills.trade_id: fills})

    @property
    def fees(self) -> dict[str, Decimal]:
        """Commission paid per asset, summed over the applied fills."""
        fees: dict[str, Decimal] = {}
        for fill in self.fills.values():
            if fill.commission_asset is not None:
                asset = fill.commission_asset
                fees[asset] = fees.get(asset, ZERO) + fill.commission
        return fees

    @property
    def avg_price(self) -> Decimal | None:
        """Average fill price (``cum_quote / filled``), None before the first fill."""
        return MONEY.divide(self.cum_quote, self.filled) if self.filled else None

    @property
    def awaiting_fills(self) -> bool:
        """The exchange reported more filled quantity than the fills applied so far."""
        return self.executed_qty > self.filled

    @property
    def is_terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL_STATES

    @property
    def remaining(self) -> Decimal | None:
        """Quantity still to fill, None while the quantity is unknown."""
        return None if self.quantity is None else self.quantity - self.filled

    # --- transitions --------------------------------------------------------------------

    def next_state(self, trigger: str) -> OrderState | None:
        """The table's answer for ``trigger`` in the current state (None: refused)."""
        return ROWS[self.state].get(trigger)

    def local_next_state(self, trigger: str) -> OrderState | None:
        """Where a local command's trigger leads (guards resolved); None when refused."""
        return next_state(self.state, trigger, has_fills=self.filled > ZERO)

    def fire_local(self, trigger: str, why: str, out: list[Output]) -> bool:
        """Apply a local command's trigger; False (and no change) when refused."""
        dest = self.local_next_state(trigger)
        if dest is None:
            return False
        if dest is not self.state:
            # Our own commands announce a generic change, except a refusal (REJECTED).
            self.enter(dest, why, out, generic=dest is not _S_REJECTED)
        return True

    def enter(
        self, dest: OrderState, why: str, out: list[Output], *, generic: bool = False
    ) -> None:
        """Move to ``dest`` (already allowed by the table) and announce it."""
        previous, self.state = self.state, dest
        if generic:
            out.append(
                OrderStateChanged(
                    client_order_id=self.client_order_id,
                    symbol=self.symbol,
                    order_id=self.order_id,
                    previous_state=previous,
                    state=dest,
                    why=why,
                )
            )
        else:
            out.append(self._state_output(previous, dest, why))

    def _state_output(self, previous: OrderState, dest: OrderState, why: str) -> Output:
        # Positional construction (the outputs' field order): this runs on every change.
        cid, symbol, oid = self.client_order_id, self.symbol, self.order_id
        if dest is _S_PARTIALLY_FILLED:
            return OrderPartiallyFilled(cid, symbol, oid, previous, dest, self.filled)
        if dest is _S_NEW:
            return OrderAccepted(cid, symbol, oid, previous, dest)
        if dest is _S_FILLED:
            return OrderFilled(cid, symbol, oid, previous, dest, self.filled, self.cum_quote)
        if dest is _S_CANCELED:
            return OrderCanceled(cid, symbol, oid, previous, dest, self.filled)
        if dest is _S_REJECTED:
            reason = self.reject_msg or why
            return OrderRejected(cid, symbol, oid, previous, dest, self.reject_code, reason)
        if dest is _S_EXPIRED or dest is _S_EXPIRED_IN_MATCH:
            return OrderExpired(cid, symbol, oid, previous, dest, self.filled, self.expiry_reason)
        return OrderStateChanged(cid, symbol, oid, previous, dest, why)

    def conflict(self, what: str, ours: str, theirs: str, out: list[Output]) -> None:
        """Record a contradiction: nothing of it is applied; the order needs a check."""
        self.needs_check = True
        out.append(
            ReportConflict(
                key=self.client_order_id,
                symbol=self.symbol,
                order_id=self.order_id,
                what=what,
                ours=ours,
                theirs=theirs,
            )
        )

    # --- the one path: shape-specific unpacking -----------------------------------------

    def apply_execution_report(  # noqa: PLR0915 - the hot path, its common cases inlined
        self, r: ExecutionReport, out: list[Output]
    ) -> None:
        """Apply one ``executionReport`` (user-data-stream.md, Order Update): its fill
        (``x=TRADE``), ``z`` and ``X``."""
        mark = len(out)
        if self.order_id is None:
            self.order_id = r.order_id
        quantity = self.quantity
        if quantity is None or r.quantity != quantity:
            self._take_quantity(r.quantity, r.execution_type is _X_REPLACED, out)
            quantity = self.quantity
        state = self.state
        trade_id = r.trade_id
        # Set by a fill taken on the fast path below, so the steps after it need not compare
        # again: whether the fills are now below the quantity, and whether the exchange's
        # cumulative quantity was (the same object as) the fills' sum before it.
        below: bool | None = None
        caught_up = False
        if r.execution_type is _X_TRADE and (trade_id >= 0 or (trade_id := _fill_key(r)) != -1):
            price = r.last_price
            limit = self.spec.price
            if limit is not None and price == limit:
                price = limit  # one object for the order and its fills (memory)
            when = r.transaction_time
            if when == self.updated_ms:
                when = self.updated_ms  # likewise
            fills = self._fills
            commission, asset = r.commission, r.commission_asset
            if fills is None:
                fresh = True
                # The first fill's sums are its own amounts: shared, not added to zero.
                total = r.last_quantity
            elif isinstance(fills, dict):
                fresh = trade_id not in fills
                total = self.filled + r.last_quantity
            else:  # the second fill
                fresh = trade_id != fills.trade_id
                total = self.filled + r.last_quantity
                if commission == fills.commission:
                    commission = fills.commission  # the first fill's objects (memory)
                if asset == fills.commission_asset:
                    asset = fills.commission_asset
            # Positional (the field order of FillApplied): cheaper than keywords, per fill.
            fill = FillApplied(
                self.client_order_id,
                self.symbol,
                self.order_id,
                self.side,
                trade_id,
                r.last_quantity,
                price,
                r.last_quote_quantity,
                commission,
                asset,
                r.is_maker,
                when,
            )
            if (
                fresh
                and quantity is not None
                and ((below := total < quantity) or total == quantity)
                and r.last_quantity  # a trade of no quantity is take_fill's conflict
                and price  # ... and so is a trade at no price
                and state not in _CLOSED_UNFILLED
            ):
                # take_fill()'s common case, inlined (a new fill within the quantity on a
                # live order); everything else goes through take_fill's checks.
                if fills is None:
                    self._fills = fill
                    self.cum_quote = r.last_quote_quantity
                else:
                    if isinstance(fills, dict):
                        fills[trade_id] = fill
                    else:
                        self._fills = {fills.trade_id: fills, trade_id: fill}
                    self.cum_quote += r.last_quote_quantity
                caught_up = self.executed_qty is self.filled
                self.filled = total
                out.append(fill)
            else:
                below = None
                self.take_fill(fill, out)
            if r.status in _BEFORE_ANY_TRADE:
                # A trade says the order traded: X=NEW contradicts it (a broken report). The
                # fill is a fact and stays; the status claim is checked with the exchange.
                self.conflict("status of a trade", "PARTIALLY_FILLED or FILLED", r.status, out)
        status = r.status  # a StrEnum: it is the trigger string itself
        dest = ROWS[state].get(status)  # next_state(), inlined: this runs per report
        # ``z`` belongs to the status claim: a refused status brings no cumulative quantity.
        moved = False
        if dest is not None:
            z = r.cumulative_quantity
            if caught_up and z == self.filled:
                # The fill just taken moved the fills' sum past what the exchange had
                # reported, and z is that sum (the common trade report): share it.
                self.executed_qty = self.filled
                moved = True
            elif z > self.executed_qty:
                # _take_executed's common cases, inlined. Usually z is the fills' sum (share
                # that object: memory, 100k orders), which never exceeds the quantity.
                if z == self.filled:
                    self.executed_qty = self.filled
                    moved = True
                elif quantity is not None and z > quantity:
                    moved = self._take_executed(z, out)  # says what disagreed
                else:
                    self.executed_qty = z
                    moved = True
        if status is _REJECTED_STATUS and self.reject_msg is None:
            self.reject_msg = r.reject_reason
        if dest is not None and r.expiry_reason is None:
            # _finish's common cases, inlined: the status the table allows, nothing to
            # expire, and the fills agreeing with it (FILLED exactly when they add up).
            filled = self.filled
            if below is None:
                below = filled != quantity
            if (not below) if dest is _S_FILLED else below:
                if dest is not state:
                    self.state = dest
                    if dest is _S_FILLED and filled is not quantity and quantity is not None:
                        # The fills' sum is the quantity: hold one object (memory).
                        if self.executed_qty is filled:
                            self.executed_qty = quantity
                        self.filled = filled = quantity
                    # _state_output()'s two commonest cases built in place (positionally).
                    cid, symbol, oid = self.client_order_id, self.symbol, self.order_id
                    out.append(
                        OrderPartiallyFilled(cid, symbol, oid, state, dest, filled)
                        if dest is _S_PARTIALLY_FILLED
                        else OrderAccepted(cid, symbol, oid, state, dest)
                        if dest is _S_NEW
                        else self._state_output(state, dest, f"reported {status}")
                    )
                if dest in TERMINAL_STATES and self.executed_qty > filled:
                    self.needs_check = True  # closed with fills unseen: only myTrades has them
                if moved or len(out) > mark:
                    if r.transaction_time > self.updated_ms:  # noqa: PLR1730 (per report)
                        self.updated_ms = r.transaction_time
                    return
        self._finish(status, dest, r.expiry_reason, r.transaction_time, mark, moved, out)

    def apply_order_answer(
        self,
        *,
        order_id: int,
        trigger: str,
        quantity: Decimal | None,
        executed: Decimal | None,
        fills: Iterable[FillApplied],
        expiry_reason: str | None,
        time_ms: int,
        out: list[Output],
    ) -> None:
        """Apply a REST answer about the order (ACK/RESULT/FULL, cancel, query, myTrades).

        ``trigger`` is the reported status (``NEW`` for an ACK, empty for trade rows).
        """
        mark = len(out)
        if self.order_id is None:
            self.order_id = order_id
        if quantity is not None:
            self._take_quantity(quantity, False, out)
        for fill in fills:
            self.take_fill(fill, out)
        dest = self.next_state(trigger) if trigger else None
        moved = (not trigger or dest is not None) and (
            executed is not None and self._take_executed(executed, out)
        )
        self._finish(trigger, dest, expiry_reason, time_ms, mark, moved, out)

    # --- the one path: shared steps -----------------------------------------------------

    def _take_quantity(self, quantity: Decimal, replaced: bool, out: list[Output]) -> None:
        mine = self.quantity
        if mine is None:
            # A MARKET order by quote learns its quantity; fills taken before (myTrades rows)
            # cannot exceed it: that would break filled <= quantity.
            if quantity >= self.filled and quantity > ZERO:
                self.quantity = quantity
            elif quantity > ZERO:
                self.conflict("quantity below the fills", show(self.filled), show(quantity), out)
        elif quantity != mine:
            # Only an amend lowers a quantity (rest-api.md, Order Amend Keep Priority): a
            # lower one not below the fills is an amend, its x=REPLACED report (``replaced``)
            # seen or lost.
            if self.filled <= quantity < mine:
                self.prior_quantities += (mine,)
                self.quantity = quantity
                out.append(
                    OrderAmended(self.client_order_id, self.symbol, self.order_id, mine, quantity)
                )
            elif quantity not in self.prior_quantities:  # else: a report from before the amend
                self.conflict("quantity", show(mine), show(quantity), out)

    def take_fill(self, fill: FillApplied, out: list[Output]) -> bool:
        """Apply one fill unless seen, contradictory or beyond the quantity; True if applied."""
        fills = self._fills
        if fills is not None:
            if isinstance(fills, dict):
                seen = fills.get(fill.trade_id)
            else:
                seen = fills if fills.trade_id == fill.trade_id else None
            if seen is not None:
                if seen.quantity != fill.quantity or seen.price != fill.price:
                    self.conflict(
                        f"trade {fill.trade_id}",
                        f"{show(seen.quantity)}@{show(seen.price)}",
                        f"{show(fill.quantity)}@{show(fill.price)}",
                        out,
                    )
                return False
        # A trade always moves quantity (user-data-stream.md, Order Update).
        if not fill.quantity > ZERO:
            self.conflict("fill of no quantity", "a positive quantity", str(fill.trade_id), out)
            return False
        if not fill.price > ZERO:  # no trade is at a price of zero
            self.conflict("fill at no price", "a positive price", str(fill.trade_id), out)
            return False
        total = self.filled + fill.quantity
        quantity = self.quantity
        if quantity is not None and (
            total > quantity or (self.state in _CLOSED_UNFILLED and total == quantity)
        ):
            what = "over-fill" if total > quantity else f"fill completing a {self.state.name} order"
            self.conflict(what, show(self.filled), f"{show(total)} ({fill.trade_id})", out)
            return False
        if self.state is _S_REJECTED:
            self.conflict("fill on a REJECTED order", "REJECTED", str(fill.trade_id), out)
            return False
        if fills is None:  # the first fill: its amounts are the sums (shared objects)
            self._fills = fill
            self.filled = fill.quantity
            self.cum_quote = fill.quote_quantity
        else:
            if isinstance(fills, dict):
                fills[fill.trade_id] = fill
            else:
                self._fills = {fills.trade_id: fills, fill.trade_id: fill}
            self.filled = total
            self.cum_quote += fill.quote_quantity
        out.append(fill)
        return True

    def _take_executed(self, executed: Decimal, out: list[Output]) -> bool:
        if executed <= self.executed_qty:
            return False
        quantity = self.quantity
        if quantity is not None and executed > quantity:
            self.conflict("cumulative quantity", show(quantity), show(executed), out)
            return False
        # Usually equal to ``filled``: share that object (memory: 100k orders).
        self.executed_qty = self.filled if executed == self.filled else executed
        return True

    def _finish(  # noqa: PLR0917 - positional: this runs for every report
        self,
        trigger: str,
        dest: OrderState | None,
        expiry_reason: str | None,
        time_ms: int,
        mark: int,
        moved: bool,
        out: list[Output],
    ) -> None:
        if expiry_reason is not None and expiry_reason != "NONE":
            self.expiry_reason = expiry_reason
        if trigger and (dest is not self.state or dest is _S_FILLED or dest is None):
            self._take_status(trigger, dest, out)  # (a self-loop on an open state: no-op)
        state = self.state
        if state is not _S_FILLED and self.filled == self.quantity:
            self._complete(out)
            state = self.state
        elif not trigger and self.filled and state not in TERMINAL_STATES:
            self._trades_say_partially_filled(out)  # fills known only from myTrades
            state = self.state
        if state in TERMINAL_STATES and self.executed_qty > self.filled:
            # Closed with fills we have not seen: only myTrades has them now.
            self.needs_check = True
        if len(out) > mark or moved:
            if time_ms > self.updated_ms:  # noqa: PLR1730 (max() is a call: per report)
                self.updated_ms = time_ms
        else:
            # Same status as ours (or only known trades): a redelivery; else a stale report.
            duplicate = not trigger or trigger == self.state.value
            why = f"{'duplicate' if duplicate else 'stale'} {trigger or 'trades'}: nothing new"
            out.append(ReportIgnored(key=self.client_order_id, why=why, duplicate=duplicate))

    def _take_status(self, trigger: str, dest: OrderState | None, out: list[Output]) -> None:
        state = self.state
        if dest is None:
            self.conflict("status", state.name, trigger, out)
            return
        if dest in _CLOSED_UNFILLED and self.filled == self.quantity:
            # CANCELED/EXPIRED/... for an order whose fills add up: Binance cannot close a
            # filled order (its cancel gets -2011), so the fills win and the order completes.
            self.conflict("status", "FILLED (its fills add up)", trigger, out)
            return
        if dest is _S_FILLED and self.filled != self.quantity:
            # FILLED before its fills (RESULT/query answer, a trade report late or lost):
            # stay open, awaiting the fills; the manager fetches myTrades.
            self.needs_check = True
            held = _PARTIALLY_FILLED if self.filled > ZERO else _NEW
            dest = self.next_state(held)
            if dest is None:  # pragma: no cover - every state taking FILLED takes both
                return
        if dest is not state:
            self.enter(dest, f"reported {trigger}", out)

    def _trades_say_partially_filled(self, out: list[Output]) -> None:
        # Trade rows carry no status, but a fill says the order traded: a NEW (or pending)
        # order is PARTIALLY_FILLED now, as its own report would have said.
        dest = self.next_state(_PARTIALLY_FILLED)
        if dest is not None and dest is not self.state:
            self.enter(dest, "fills from myTrades", out)

    def _complete(self, out: list[Output]) -> None:
        # The last fill arrived: whatever the report said, the order is now FILLED.
        dest = self.next_state(_FILLED)
        if dest is not None:
            self.enter(dest, "fills reached the quantity", out)
