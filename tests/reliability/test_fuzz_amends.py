"""Stateful fuzzing of amend keep priority and cancel-replace through the whole manager,
under every delivery fault.

``ManagerMachine`` (test_fuzz_manager.py) with two rules on top: an open order's quantity
lowered keeping its queue place (rest-api.md, Order Amend Keep Priority), keeping its client
id or taking a new one, and an open order cancel-replaced by a LIMIT order
(rest-api.md, Cancel an Existing Order and Send a New Order), both modes. Its x=REPLACED
report may be lost, duplicated, delayed or reordered, the stream may drop, a cancel-replace
may end with an unknown outcome (5xx / -1007 / timeout after execution), and the manager
restarts from its journal.

The same invariants and final check as the plain-order machine: every order, fill, fee and
balance equals the exchange's, each order tracked under the client id the exchange has for
it now (an amend's new one included).

Profile ``ci``: a sixth of its examples; ``deep`` for long runs.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from oms.core.spec import OrderSpec
from oms.errors import InvalidTransition, LocalError, OutcomeUnknown, RateLimited, RemoteError
from oms.wire.enums import CancelReplaceMode, OrderType, TimeInForce

from .harness import open_orders_of
from .test_fuzz_manager import ManagerMachine

D = Decimal
# A refusal (the exchange's filters, -2011 when the order ended meanwhile, 429), the order
# ended before the request started (nothing sent), or a cancel-replace's unknown outcome
# (raised once both halves are resolved).
REFUSED = (RemoteError, RateLimited, LocalError, InvalidTransition, OutcomeUnknown)


class AmendMachine(ManagerMachine):
    """``ManagerMachine`` plus amends and cancel-replaces of our open orders."""

    @rule(pick=st.integers(0, 1000), keep=st.sampled_from([D("0.25"), D("0.5"), D("0.9")]),
          rename=st.booleans())  # fmt: skip
    def amend(self, pick: int, keep: Decimal, rename: bool) -> None:
        rig = self.rig
        orders = [o for o in open_orders_of(rig.m) if o.order_type is OrderType.LIMIT]
        if not orders:
            return
        order = orders[pick % len(orders)]
        if order.quantity is None:
            return
        quantity = rig.m.round_quantity(order.symbol, order.quantity * keep)
        if not order.filled < quantity < order.quantity:
            return
        self.steps_amend = getattr(self, "steps_amend", 0) + 1
        new_id = f"am{self.steps_amend}-{order.client_order_id}"[:36] if rename else None
        with contextlib.suppress(*REFUSED):
            rig.run(rig.m.amend(order, quantity, new_client_order_id=new_id))
        self.TOTALS[f"amends tried{' (renamed)' if rename else ''}"] += 1

    @rule(pick=st.integers(0, 1000), offset=st.integers(-12, 12),
          mode=st.sampled_from(CancelReplaceMode))  # fmt: skip
    def cancel_replace(self, pick: int, offset: int, mode: CancelReplaceMode) -> None:
        rig = self.rig
        orders = open_orders_of(rig.m)
        if not orders:
            return
        order = orders[pick % len(orders)]
        if order.quantity is None or order.quantity <= order.filled:
            return
        spec = OrderSpec(
            symbol=order.symbol,
            side=order.side,
            order_type=OrderType.LIMIT,
            quantity=order.quantity - order.filled,
            price=rig.price(order.symbol, offset, order.side),
            time_in_force=TimeInForce.GTC,
        )
        with contextlib.suppress(*REFUSED):
            rig.run(rig.m.cancel_replace(order, spec, mode=mode))
        self.TOTALS["cancel-replaces tried"] += 1


TestAmendFuzz = AmendMachine.TestCase
TestAmendFuzz.settings = settings(
    TestAmendFuzz.settings, max_examples=max(5, settings().max_examples // 6)
)
