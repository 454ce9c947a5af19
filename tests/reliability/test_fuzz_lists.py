"""Stateful fuzzing of order lists through the whole manager, under every delivery fault.

``ManagerMachine`` (test_fuzz_manager.py) with list rules on top: OCO exits (above / below
legs, either side) and brackets (OTOCO: an entry LIMIT, then an OCO of a take-profit and a
stop-loss) placed through the manager, lists canceled, while the market moves (stops
trigger, legs fill, the other leg expires), events are lost, duplicated, delayed and
reordered, placements end with an unknown outcome (5xx / -1007 / timeout after execution,
the request lost), the stream drops with activity during the gap, and the manager restarts
from its journal. Plain orders keep running beside the lists.

After every step the order invariants hold (legs are ordinary orders). At the end: faults
stop, one reconciliation runs, and besides the orders, fills and balances, every list
equals the exchange's: each list the account has on the exchange is tracked with the same
id, legs and status (rest-api.md, Query Order list: ``listOrderStatus``), and no list we
hold is left pending or unknown. A list placement is never sent twice: the exchange holds
at most one list per client id.

The same machine runs twice, sharing every rule and check: in process (``Rig``: SimTransport
and its fault injector) and over the local server (``ServedListMachine``, ``served.ServerRig``:
the real Binance transport on 127.0.0.1, faults from the server's own hooks), where an
unknown list placement is settled by ``GET /api/v3/orderList`` with ``origClientOrderId``.

Profile ``ci`` (bounded: a third of its examples for each machine; the plain-order machine
has the rest), ``deep`` for long runs.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from decimal import Decimal
from typing import ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import rule

from oms.core.list_state import ListState
from oms.core.spec import OrderSpec
from oms.errors import (
    Disconnected,
    InvalidTransition,
    LocalError,
    OutcomeUnknown,
    RateLimited,
    RemoteError,
)
from oms.wire.enums import OrderType, Side
from transports.sim.faults import FaultConfig

from .harness import ME, SYMBOLS, Rig, _fields
from .served import ServerRig
from .test_fuzz_manager import ManagerMachine

D = Decimal
# Refusals a list may meet: a pre-trade check, the exchange's (price rules of an OCO,
# balance, filters), 429; a leg spec that cannot form a list (LocalError).
EXPECTED = (LocalError, RemoteError, RateLimited)
# A cancel racing the list's end, or a cancel whose answer was lost: the final
# reconciliation settles what happened.
CANCEL_ENDS = (RemoteError, RateLimited, OutcomeUnknown, Disconnected)


class ListMachine(ManagerMachine):
    """``ManagerMachine`` plus OCOs, brackets and list cancels."""

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        notional=st.integers(6, 600),
        up=st.integers(1, 12),
        down=st.integers(1, 12),
    )
    def place_oco(self, symbol: str, side: Side, notional: int, up: int, down: int) -> None:
        """An OCO around the last price: a LIMIT_MAKER on the side it rests and a stop-loss
        on the other (rest-api.md, New Order list - OCO, price restrictions)."""
        rig = self.rig
        qty = rig.quantity(symbol, D(notional))
        high, low = rig.price(symbol, up, side), rig.price(symbol, -down, side)
        maker = OrderType.LIMIT_MAKER
        if side is Side.SELL:
            above = OrderSpec(symbol=symbol, side=side, order_type=maker, quantity=qty, price=high)
            below = _stop(symbol, side, qty, low)
        else:
            above = _stop(symbol, side, qty, high)
            below = OrderSpec(symbol=symbol, side=side, order_type=maker, quantity=qty, price=low)
        with contextlib.suppress(*EXPECTED):
            rig.run(rig.m.place_oco(above, below))
        self.TOTALS["lists: OCO tried"] += 1

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(Side),
        notional=st.integers(6, 600),
        entry=st.integers(-6, 6),
        width=st.integers(2, 12),
    )
    def place_bracket(self, symbol: str, side: Side, notional: int, entry: int, width: int) -> None:
        """An OTOCO: entry LIMIT, then take-profit and stop-loss around the entry price."""
        rig = self.rig
        qty = rig.quantity(symbol, D(notional))
        price = rig.price(symbol, entry, side)
        sign = 1 if side is Side.BUY else -1
        profit = rig.price(symbol, entry + sign * width, side)
        stop = rig.price(symbol, entry - sign * width, side)
        with contextlib.suppress(*EXPECTED):
            rig.run(rig.m.bracket(symbol, side, qty, entry_price=price,
                                  take_profit=profit, stop_loss=stop))  # fmt: skip
        self.TOTALS["lists: bracket tried"] += 1

    @rule(
        symbol=st.sampled_from(SYMBOLS),
        notional=st.integers(6, 600),
        lost=st.booleans(),
        turns=st.integers(0, 3),
    )
    def crash_during_list_placement(
        self, symbol: str, notional: int, lost: bool, turns: int
    ) -> None:
        """An OCO whose request is lost or executed without an answer; the process dies
        before the query settles it, and restarts from the journal."""
        rig = self.rig
        fault = "lose_request" if lost else "timeout_after_execution"
        rig.inject(FaultConfig(**{**_fields(rig.faults), fault: 1.0}))
        qty = rig.quantity(symbol, D(notional))
        above = OrderSpec(symbol=symbol, side=Side.SELL, order_type=OrderType.LIMIT_MAKER,
                          quantity=qty, price=rig.price(symbol, 8, Side.SELL))  # fmt: skip
        below = _stop(symbol, Side.SELL, qty, rig.price(symbol, -8, Side.SELL))
        task = rig.loop.create_task(rig.m.place_oco(above, below))
        rig.settle(turns)
        rig.restart()  # closes the manager: the placement's task dies with it
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a refusal or the close, either way gone with it
        self.skewed = False
        self.TOTALS[f"lists: crash, request {'lost' if lost else 'executed'}"] += 1

    @rule(pick=st.integers(0, 1000))
    def cancel_list(self, pick: int) -> None:
        lists = sorted(
            (lst for lst in self.rig.m.order_lists() if lst.state is ListState.EXECUTING),
            key=lambda lst: lst.list_client_order_id,
        )
        if not lists:
            return
        order_list = lists[pick % len(lists)]
        try:
            self.rig.run(self.rig.m.cancel_list(order_list))
        except CANCEL_ENDS:
            pass
        except InvalidTransition:
            # It ended before the cancel started (events in flight when the rule picked
            # it): nothing was sent, as for an order.
            assert order_list.state not in (ListState.EXECUTING, ListState.CANCEL_REQUESTED)
        self.TOTALS["lists: cancel tried"] += 1

    def _final_check(self) -> None:
        super()._final_check()
        problems = list_discrepancies(self.rig)
        assert not problems, problems
        for lst in self.rig.m.order_lists():
            self.TOTALS[f"lists: ended {lst.state.name}"] += 1
            legs = self.rig.m.engine.legs(lst)
            self.TOTALS["lists: with a filled leg"] += any(o.filled for o in legs)


def _stop(symbol: str, side: Side, qty: Decimal, stop: Decimal) -> OrderSpec:
    return OrderSpec(symbol=symbol, side=side, order_type=OrderType.STOP_LOSS, quantity=qty,
                     stop_price=stop)  # fmt: skip


def list_discrepancies(rig: Rig) -> list[str]:
    """Our lists against the exchange's, after the final reconciliation."""
    out: list[str] = []
    theirs = rig.exchange.all_order_lists(ME, limit=100_000)
    per_client = Counter(s.list_client_order_id for s in theirs)
    out += [f"list {lid} placed {n} times" for lid, n in per_client.items() if n > 1]
    ours = {lst.list_client_order_id: lst for lst in rig.m.order_lists()}
    for status in theirs:
        lid = status.list_client_order_id
        lst = ours.get(lid)
        if lst is None:
            out.append(f"list {lid} on the exchange is not tracked")
            continue
        legs = tuple(o.client_order_id for o in status.orders)
        state = lst.state.name.replace("CANCEL_REQUESTED", "EXECUTING")
        if (lst.order_list_id, state, set(lst.legs)) != (
            status.order_list_id, str(status.list_order_status), set(legs)
        ):  # fmt: skip
            out.append(
                f"list {lid}: ours id={lst.order_list_id} {state} legs={lst.legs}, "
                f"exchange id={status.order_list_id} {status.list_order_status} legs={legs}"
            )
    placed = set(per_client)
    for lid, lst in ours.items():
        if lid not in placed and lst.state is not ListState.REJECTED:
            out.append(f"list {lid} is {lst.state.name} but the exchange never had it")
    return out


# A third of the profile's examples (the plain-order machine has the rest), per transport.
EXAMPLES = max(5, settings().max_examples // 3)
TestListFuzz = ListMachine.TestCase
TestListFuzz.settings = settings(TestListFuzz.settings, max_examples=EXAMPLES)


class ServedListMachine(ListMachine):
    """The same scenarios over the local server: the real Binance transport on 127.0.0.1,
    the server's own fault hooks (``served.ServerRig``)."""

    TOTALS: ClassVar[Counter[str]] = Counter()
    RIG = ServerRig


TestServedListFuzz = ServedListMachine.TestCase
TestServedListFuzz.settings = settings(TestServedListFuzz.settings, max_examples=EXAMPLES)
