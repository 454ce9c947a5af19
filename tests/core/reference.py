"""A plain reference implementation of one order's lifecycle, for property tests.

Written straight from ``specs/order-lifecycle.md`` ("Applying a report") and the
``transitions`` Machine (``oms.core.state.MACHINE``), with nothing inlined, cached or shared:
every report, whatever its shape, is turned into the same five inputs (quantity, fills,
cumulative quantity, status, expiry) and applied in the spec's order of steps. Its state
decisions come from the Machine's own events, never from the compiled table.

Its outputs are written as plain tuples: ``("fill", trade_id)``, ``("state", OrderState)``,
``("amended", old, new)``, ``("conflict",)``, ``("ignored", duplicate)``; ``normalise``
writes the engine's outputs the same way, so the two can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from oms.core.outputs import (
    FillApplied,
    OrderAmended,
    ReportConflict,
    ReportIgnored,
    StateOutput,
)
from oms.core.state import MACHINE, TERMINAL_STATES, OrderState
from oms.wire.enums import ExecutionType, OrderStatus
from oms.wire.events import ExecutionReport
from oms.wire.rest import (
    CancelResponse,
    MyTrade,
    NewOrderAck,
    NewOrderFull,
    NewOrderResult,
    QueryOrderResponse,
)

S = OrderState
ZERO = Decimal(0)
Out = tuple[Any, ...]


def machine_next(state: OrderState, trigger: str, *, has_fills: bool) -> OrderState | None:
    """Where the ``transitions`` Machine takes ``state`` on ``trigger`` (None: refused)."""
    event = MACHINE.events.get(trigger)
    if event is None:
        return None
    for transition in event.transitions.get(state.name, []):
        if all(c.target == has_fills for c in transition.conditions):
            return OrderState[transition.dest or state.name]
    return None


@dataclass
class Fill:
    trade_id: int
    quantity: Decimal
    price: Decimal
    quote: Decimal
    commission: Decimal
    asset: str | None


@dataclass
class RefOrder:
    """One order after ``send``: PENDING_ACK, of ``quantity``."""

    quantity: Decimal
    state: OrderState = S.PENDING_ACK
    fills: dict[int, Fill] = field(default_factory=dict)
    executed: Decimal = ZERO
    prior_quantities: list[Decimal] = field(default_factory=list)
    expiry_reason: str | None = None
    needs_check: bool = False
    # Learned from the first report that names it (a trade row alone cannot: it has no
    # client id, so before that it is about an order nobody tracks).
    order_id: int | None = None

    # --- views ----------------------------------------------------------------------------

    @property
    def filled(self) -> Decimal:
        return sum((f.quantity for f in self.fills.values()), ZERO)

    @property
    def cum_quote(self) -> Decimal:
        return sum((f.quote for f in self.fills.values()), ZERO)

    @property
    def fees(self) -> dict[str, Decimal]:
        fees: dict[str, Decimal] = {}
        for f in self.fills.values():
            if f.asset is not None:
                fees[f.asset] = fees.get(f.asset, ZERO) + f.commission
        return fees

    # --- the one path -------------------------------------------------------------------

    def apply(self, report: object) -> list[Out]:
        """Apply any report about this order; the outputs, as tuples."""
        if isinstance(report, MyTrade) and self.order_id != report.order_id:
            return [("ignored", False)]
        self.order_id = getattr(report, "order_id", self.order_id)
        quantity, replaced, fills, executed, status, expiry, trade_status = _unpack(report)
        out: list[Out] = []
        before = len(out)
        # 1. Quantity.
        if quantity is not None and quantity != self.quantity:
            self._quantity(quantity, out)
        del replaced  # any lower quantity not below the fills is an amend, seen or lost
        # 2. Fills.
        for fill in fills:
            self._fill(fill, out)
        if trade_status in (OrderStatus.NEW, OrderStatus.PENDING_NEW):
            self._conflict(out)  # a trade that says the order never traded
        # 3. Cumulative quantity, with the status claim it belongs to.
        dest = machine_next(self.state, status, has_fills=False) if status else None
        moved = False
        if executed is not None and (not status or dest is not None):
            moved = self._executed(executed, out)
        # 4./5. Status through the Machine; 6. completion; 7. a check for unseen fills.
        if expiry is not None and expiry != "NONE":
            self.expiry_reason = expiry
        if status and (dest is not self.state or dest is S.FILLED or dest is None):
            self._status(status, dest, out)
        if self.state is not S.FILLED and self.filled == self.quantity:
            done = machine_next(self.state, "FILLED", has_fills=True)
            if done is not None:
                self._enter(done, out)
        elif not status and self.filled and self.state not in TERMINAL_STATES:
            traded = machine_next(self.state, "PARTIALLY_FILLED", has_fills=True)
            if traded is not None and traded is not self.state:
                self._enter(traded, out)
        if self.state in TERMINAL_STATES and self.executed > self.filled:
            self.needs_check = True
        if len(out) == before and not moved:
            out.append(("ignored", not status or status == self.state.value))
        return out

    # --- the steps ------------------------------------------------------------------------

    def _quantity(self, quantity: Decimal, out: list[Out]) -> None:
        if self.filled <= quantity < self.quantity:
            out.append(("amended", self.quantity, quantity))
            self.prior_quantities.append(self.quantity)
            self.quantity = quantity
        elif quantity not in self.prior_quantities:
            self._conflict(out)

    def _fill(self, fill: Fill, out: list[Out]) -> None:
        seen = self.fills.get(fill.trade_id)
        if seen is not None:
            if (seen.quantity, seen.price) != (fill.quantity, fill.price):
                self._conflict(out)
            return
        total = self.filled + fill.quantity
        closed = self.state in (S.CANCELED, S.EXPIRED, S.EXPIRED_IN_MATCH, S.REJECTED)
        if (
            fill.quantity <= ZERO
            or fill.price <= ZERO
            or total > self.quantity
            or (closed and total == self.quantity)
            or self.state is S.REJECTED
        ):
            self._conflict(out)
            return
        self.fills[fill.trade_id] = fill
        out.append(("fill", fill.trade_id))

    def _executed(self, executed: Decimal, out: list[Out]) -> bool:
        if executed <= self.executed:
            return False
        if executed > self.quantity:
            self._conflict(out)
            return False
        self.executed = executed
        return True

    def _status(self, status: str, dest: OrderState | None, out: list[Out]) -> None:
        closing = dest in (S.CANCELED, S.EXPIRED, S.EXPIRED_IN_MATCH, S.REJECTED)
        if dest is None or (closing and self.filled == self.quantity):
            self._conflict(out)
            return
        if dest is S.FILLED and self.filled != self.quantity:
            self.needs_check = True  # FILLED before its fills: held back
            held = "PARTIALLY_FILLED" if self.filled else "NEW"
            dest = machine_next(self.state, held, has_fills=bool(self.filled))
            if dest is None:
                return
        if dest is not self.state:
            self._enter(dest, out)

    def _enter(self, dest: OrderState, out: list[Out]) -> None:
        self.state = dest
        out.append(("state", dest))

    def _conflict(self, out: list[Out]) -> None:
        self.needs_check = True
        out.append(("conflict",))


def _unpack(
    report: object,
) -> tuple[Decimal | None, bool, list[Fill], Decimal | None, str, str | None, OrderStatus | None]:
    """(quantity, replaced, fills, cumulative quantity, status, expiry, a trade's status)."""
    if isinstance(report, ExecutionReport):
        fills = []
        trade = report.execution_type is ExecutionType.TRADE and report.trade_id >= 0
        if trade:
            fills.append(
                Fill(
                    report.trade_id,
                    report.last_quantity,
                    report.last_price,
                    report.last_quote_quantity,
                    report.commission,
                    report.commission_asset,
                )
            )
        return (
            report.quantity,
            report.execution_type is ExecutionType.REPLACED,
            fills,
            report.cumulative_quantity,
            report.status.value,
            report.expiry_reason,
            report.status if trade else None,
        )
    if isinstance(report, MyTrade):
        fill = Fill(
            report.id, report.qty, report.price, report.quote_qty, report.commission,
            report.commission_asset,
        )  # fmt: skip
        return None, False, [fill], None, "", None, None
    if isinstance(report, (NewOrderResult, NewOrderFull, CancelResponse, QueryOrderResponse)):
        r: Any = report
        full = [
            Fill(f.trade_id, f.qty, f.price, f.price * f.qty, f.commission, f.commission_asset)
            for f in getattr(r, "fills", ())
        ]
        quantity = r.orig_qty if r.orig_qty else None
        return quantity, False, full, r.executed_qty, r.status.value, r.expiry_reason, None
    if isinstance(report, NewOrderAck):  # after the answers that extend it
        return None, False, [], None, "NEW", None, None
    raise TypeError(f"not a report about an order: {type(report).__name__}")


def normalise(outputs: list[Any]) -> list[Out]:
    """The engine's outputs about one order, written as the reference writes its own."""
    out: list[Out] = []
    for o in outputs:
        if isinstance(o, FillApplied):
            out.append(("fill", o.trade_id))
        elif isinstance(o, StateOutput):
            out.append(("state", o.state))
        elif isinstance(o, OrderAmended):
            out.append(("amended", o.previous_quantity, o.quantity))
        elif isinstance(o, ReportConflict):
            out.append(("conflict",))
        elif isinstance(o, ReportIgnored):
            out.append(("ignored", o.duplicate))
        else:
            out.append((type(o).__name__,))
    return out
