"""The order lifecycle: declared once with ``transitions``, compiled to a lookup table.

Theory of operation:

- Rule 1: everything that decides whether an order's state may change lives in this file.
  ``EDGES`` is the single declaration: each row is a trigger, its source states, its
  destination (``None`` = stay where you are) and the real-world reason the edge exists.
- Rule 2: ``MACHINE`` is one module-level ``transitions.Machine`` (``model=None``,
  ``auto_transitions=False``, terminal states marked ``final``) built from ``EDGES``. It is the
  formal definition: tests add plain models to it and check the compiled table against it;
  the diagram in ``specs/order-lifecycle.md`` is generated from it (``python -m oms.core.state``).
- Rule 3: the hot path never calls ``transitions``: ``compile_table()`` reads the Machine's
  events into ``TABLE[(state, trigger)] -> state`` and ``ROWS[state][trigger]``; a miss means
  the trigger is refused in that state.
- Rule 4: triggers are the order status the exchange reports (``X`` / ``status``, spelled as
  Binance spells it, enums.md, Order status) plus the triggers of our own command events
  (``oms.core.commands``: ``Sent`` fires ``send``, ``SendUnknown`` ``send_unknown``,
  ``SendRejected`` ``send_rejected``, ``NotFound`` ``not_found``, ``CancelRequested``
  ``request_cancel``, ``CancelRefused`` ``cancel_rejected``).
  Execution type ``x`` is never a trigger: it only says whether a report carries a fill.
- Rule 5: stale reports are absorbed by self-loops (a ``NEW`` after a trade, a
  ``PARTIALLY_FILLED`` after ``FILLED``), so a report older than what the order knows
  changes no state, while the fills it carries are still counted (``oms.core.order``).
- Rule 6: the one guarded edge, ``cancel_rejected``, depends on whether the order has fills;
  the guard is compiled deterministically into two table keys (``guarded_trigger``).
- Rule 7: terminal states absorb, except the self-loops declared on purpose. ``FILLED`` is
  entered only when the applied fills add up to the quantity; ``oms.core.order`` holds a FILLED
  report back until they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Final, NamedTuple

from transitions import Machine, State
from transitions.core import Condition

from oms.core.diagrams import mermaid
from oms.wire.enums import OrderStatus

__all__ = [
    "EDGES",
    "GUARDED_TRIGGERS",
    "IN_DOUBT",
    "LOCAL_TRIGGERS",
    "MACHINE",
    "OPEN_STATES",
    "REPORTED_TRIGGERS",
    "ROWS",
    "TABLE",
    "TERMINAL_STATES",
    "WORKING_STATES",
    "Edge",
    "OrderState",
    "compile_table",
    "guarded_trigger",
    "mermaid_diagram",
    "next_state",
    "spec_section",
    "state_of_status",
]


class OrderState(Enum):
    """Where an order is in its lifecycle: our local states plus Binance's statuses."""

    # Local: created and journaled, not yet handed to the transport.
    CREATED = "CREATED"
    # Local: sent, no answer yet.
    PENDING_ACK = "PENDING_ACK"
    # Local: the send's outcome is unknown (5xx, -1006, -1007, timeout, drop; errors.md, -1006).
    UNKNOWN = "UNKNOWN"
    # Local: a cancel was sent for an open order, no answer yet.
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    # Binance's statuses (enums.md, Order status).
    NEW = "NEW"
    PENDING_NEW = "PENDING_NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"

    # Members are singletons compared by identity: hash them by identity too, in C. Enum's
    # own __hash__ is Python code, and the hot path hashes a state on every report.
    __hash__ = object.__hash__


S = OrderState
_TERMINAL = (S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.EXPIRED_IN_MATCH)
TERMINAL_STATES: Final = frozenset(_TERMINAL)
OPEN_STATES: Final = frozenset(S) - TERMINAL_STATES
_PRE_ACK = (S.CREATED, S.PENDING_ACK, S.UNKNOWN)
# Whether the exchange has these orders is not known to us: created (maybe sent before a
# crash), sent and unanswered, or of unknown outcome. Only the exchange's answer to a query
# by client id settles them; they are never resent (rest-api.md, New order:
# ``newClientOrderId`` is unique only among open orders).
IN_DOUBT: Final = frozenset(_PRE_ACK)
_WORKING = (S.NEW, S.PENDING_NEW, S.PARTIALLY_FILLED)
# Open on the exchange, no cancel of ours requested.
WORKING_STATES: Final = frozenset(_WORKING)
_EXPIRED_OR_CANCELED = (S.CANCELED, S.EXPIRED, S.EXPIRED_IN_MATCH)

LOCAL_TRIGGERS: Final = (
    "send",
    "send_unknown",
    "send_rejected",
    "not_found",
    "request_cancel",
    "cancel_rejected",
)
# Every status Binance may report; PENDING_CANCEL is "currently unused" (enums.md, Order status).
REPORTED_TRIGGERS: Final = tuple(s.value for s in OrderStatus)
# A guarded trigger's outcome depends on a condition of the order: name -> condition.
GUARDED_TRIGGERS: Final = {"cancel_rejected": "has_fills"}


class Edge(NamedTuple):
    """One declared row: ``trigger`` moves ``sources`` to ``dest`` (None: stay), for ``reason``."""

    trigger: str
    sources: tuple[OrderState, ...]
    dest: OrderState | None
    reason: str
    # (condition, required value) for a guarded edge, else None.
    guard: tuple[str, bool] | None = None


def _reported(status: OrderStatus, dest: OrderState | None, *sources: OrderState, why: str) -> Edge:
    return Edge(status.value, sources, dest, why)


_ANSWER = (
    "the exchange's word on an order we sent or may have sent: its REST answer, a WS report "
    "that beat the REST answer (found by client id `c`), a query answer resolving UNKNOWN, "
    "or a report after a crash between sending and journaling `Sent` (CREATED)"
)

EDGES: Final[tuple[Edge, ...]] = (
    # --- local commands -----------------------------------------------------------------
    Edge("send", (S.CREATED,), S.PENDING_ACK, "the request was handed to the transport"),
    # Crash between journaling the intent and sending: it may or may not have gone out.
    Edge("send_unknown", (S.CREATED,), S.UNKNOWN, "restart found an intent never marked sent"),
    Edge(
        "send_unknown",
        (S.PENDING_ACK,),
        S.UNKNOWN,
        "HTTP 5xx, -1006, -1007, a timeout or a drop after sending: unknown is not failed "
        "(errors.md)",
    ),
    # WS NEW (or a fill) arrived before the REST call timed out: the outcome is known.
    Edge(
        "send_unknown",
        (S.UNKNOWN, *_WORKING, S.CANCEL_REQUESTED, *_TERMINAL),
        None,
        "the exchange already reported the order (WS report before the REST timeout)",
    ),
    Edge("send_rejected", (S.CREATED,), S.REJECTED, "a local pre-trade check refused it unsent"),
    Edge(
        "send_rejected",
        (S.PENDING_ACK,),
        S.REJECTED,
        "the exchange refused the order (-2010, -1013, -11xx): it does not exist (errors.md)",
    ),
    # Only a definite -2013 after the request can no longer execute (recvWindow passed) counts; the
    # manager decides when that is (specs/binance-notes.md, Never resend blind;
    # specs/binance-notes.md, Not found).
    Edge("not_found", (S.UNKNOWN,), S.REJECTED, "query answered -2013 'Order does not exist'"),
    Edge(
        "request_cancel",
        (S.NEW, S.PARTIALLY_FILLED),
        S.CANCEL_REQUESTED,
        "a cancel was sent for an open order",
    ),
    # A pending list leg is not on the book: a cancel (of it, its list or its symbol) ends it
    # by its own CANCELED report, and one that fails leaves it PENDING_NEW, which the state
    # could not return to from CANCEL_REQUESTED (rest-api.md, New Order list - OTO: the
    # pending order; Cancel Order: canceling a leg cancels the list).
    Edge(
        "request_cancel",
        (S.PENDING_NEW,),
        None,
        "a cancel was sent for a pending list leg: it stays PENDING_NEW until reported",
    ),
    Edge(
        "request_cancel",
        (S.CANCEL_REQUESTED,),
        None,
        "retrying a cancel whose outcome is unknown: a second cancel is harmless (-2011 at worst)",
    ),
    # -2011: the cancel was refused (filled meanwhile, cancel restrictions; rest-api.md, Cancel
    # order): back to the open state the fills say, never "gone".
    Edge(
        "cancel_rejected",
        (S.CANCEL_REQUESTED,),
        S.PARTIALLY_FILLED,
        "-2011 cancel refused on an order with fills: back to PARTIALLY_FILLED",
        ("has_fills", True),
    ),
    Edge(
        "cancel_rejected",
        (S.CANCEL_REQUESTED,),
        S.NEW,
        "-2011 cancel refused on an order without fills: back to NEW",
        ("has_fills", False),
    ),
    Edge(
        "cancel_rejected",
        (S.PENDING_NEW,),
        None,
        "a cancel of a pending list leg was refused: it is still PENDING_NEW",
    ),
    Edge(
        "cancel_rejected",
        (S.FILLED, *_EXPIRED_OR_CANCELED),
        None,
        "the order closed before our cancel reached the engine; its report beat the -2011",
    ),
    # --- reported statuses (X / status, enums.md, Order status)
    # ---------------------------------------------
    _reported(
        OrderStatus.NEW, S.NEW, *_PRE_ACK, S.PENDING_NEW, why=_ANSWER + "; a list leg started"
    ),
    _reported(
        OrderStatus.NEW,
        None,
        S.NEW,
        S.PARTIALLY_FILLED,
        S.CANCEL_REQUESTED,
        S.FILLED,
        *_EXPIRED_OR_CANCELED,
        why="duplicate or stale NEW (REST ACK after WS reports, NEW delivered after a trade, "
        "x=REPLACED amend keeps X; user-data-stream.md, Order Update)",
    ),
    _reported(OrderStatus.PENDING_NEW, S.PENDING_NEW, *_PRE_ACK, why=_ANSWER),
    _reported(
        OrderStatus.PENDING_NEW,
        None,
        *_WORKING,
        S.CANCEL_REQUESTED,
        S.FILLED,
        *_EXPIRED_OR_CANCELED,
        why="duplicate or stale PENDING_NEW (an order-list leg already moved on)",
    ),
    _reported(
        OrderStatus.PARTIALLY_FILLED,
        S.PARTIALLY_FILLED,
        *_PRE_ACK,
        S.NEW,
        S.PENDING_NEW,
        why="a partial fill",
    ),
    # Fill racing our cancel: CANCEL_REQUESTED absorbs it (fills counted); a trade report
    # delivered after the cancel confirmation or after FILLED/EXPIRED: fills counted,
    # status kept (MARKET/IOC: trades then EXPIRED, user-data-stream.md, Order Update).
    _reported(
        OrderStatus.PARTIALLY_FILLED,
        None,
        S.PARTIALLY_FILLED,
        S.CANCEL_REQUESTED,
        S.FILLED,
        *_EXPIRED_OR_CANCELED,
        why="another partial fill, a fill racing our cancel, or a trade report delivered "
        "after the cancel/expiry/final-fill report: fills counted, status kept",
    ),
    # FILLED wins a race with our cancel: the cancel will be refused with -2011.
    _reported(
        OrderStatus.FILLED,
        S.FILLED,
        *_PRE_ACK,
        *_WORKING,
        S.CANCEL_REQUESTED,
        why="fully filled (entered only once the fills add up; a fill racing our cancel wins)",
    ),
    _reported(
        OrderStatus.FILLED,
        None,
        S.FILLED,
        why="duplicate FILLED, or the REST FULL answer after the WS fills (dedup by trade id)",
    ),
    _reported(
        OrderStatus.CANCELED,
        S.CANCELED,
        *_PRE_ACK,
        *_WORKING,
        S.CANCEL_REQUESTED,
        why="canceled (by us, by cancel-all, or before we learned it was accepted)",
    ),
    _reported(
        OrderStatus.CANCELED,
        None,
        S.CANCELED,
        why="duplicate CANCELED: the REST cancel answer and the WS report both arrive",
    ),
    _reported(
        OrderStatus.PENDING_CANCEL,
        None,
        *_WORKING,
        S.CANCEL_REQUESTED,
        why="Binance: 'currently unused' (enums.md, Order status); harmless if it ever appears",
    ),
    _reported(OrderStatus.REJECTED, S.REJECTED, *_PRE_ACK, why=_ANSWER),
    _reported(OrderStatus.REJECTED, None, S.REJECTED, why="duplicate rejection"),
    _reported(
        OrderStatus.EXPIRED,
        S.EXPIRED,
        *_PRE_ACK,
        *_WORKING,
        S.CANCEL_REQUESTED,
        why="expired by its type's rules (IOC/FOK/MARKET) or by the exchange, possibly "
        "racing our cancel (enums.md, Order status)",
    ),
    _reported(OrderStatus.EXPIRED, None, S.EXPIRED, why="duplicate EXPIRED"),
    _reported(
        OrderStatus.EXPIRED_IN_MATCH,
        S.EXPIRED_IN_MATCH,
        *_PRE_ACK,
        *_WORKING,
        S.CANCEL_REQUESTED,
        why="self-trade prevention expired it (x=TRADE_PREVENTION, faqs/stp_faq.md)",
    ),
    _reported(OrderStatus.EXPIRED_IN_MATCH, None, S.EXPIRED_IN_MATCH, why="duplicate expiry"),
)


def _transitions_rows(edges: tuple[Edge, ...]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for edge in edges:
        row: dict[str, object] = {
            "trigger": edge.trigger,
            "source": list(edge.sources),
            "dest": "=" if edge.dest is None else edge.dest,
        }
        if edge.guard is not None:
            condition, value = edge.guard
            row["conditions" if value else "unless"] = condition
        rows.append(row)
    return rows


MACHINE: Final = Machine(
    model=None,
    states=[State(s, final=s in TERMINAL_STATES) for s in OrderState],
    transitions=_transitions_rows(EDGES),
    initial=S.CREATED,
    auto_transitions=False,
)


def guarded_trigger(trigger: str, condition: bool) -> str:
    """The table key of a guarded trigger given its condition's value.

    ``guarded_trigger("cancel_rejected", True)`` is ``"cancel_rejected[has_fills]"``.
    """
    name = GUARDED_TRIGGERS[trigger]
    return f"{trigger}[{name}]" if condition else f"{trigger}[not {name}]"


def compile_table(machine: Machine = MACHINE) -> dict[tuple[OrderState, str], OrderState]:
    """Read a ``transitions`` Machine's events into ``{(state, trigger): new state}``.

    Guarded transitions are keyed by ``guarded_trigger(trigger, value)``.

    Raises:
        ValueError: the declaration is not deterministic (two edges for one key) or guards
            a trigger not listed in ``GUARDED_TRIGGERS``.
    """
    table: dict[tuple[OrderState, str], OrderState] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                key = (OrderState[source], _table_trigger(trigger, transition.conditions))
                if key in table:
                    raise ValueError(f"two edges for {key[0].name} --{key[1]}-->")
                table[key] = OrderState[transition.dest or source]
    for state, trigger in table:
        if trigger in GUARDED_TRIGGERS and any(
            (state, guarded_trigger(trigger, value)) in table for value in (True, False)
        ):
            raise ValueError(f"{trigger!r} from {state.name} is both guarded and unguarded")
    return table


def _table_trigger(trigger: str, conditions: list[Condition]) -> str:
    if not conditions:
        return trigger
    if len(conditions) != 1 or GUARDED_TRIGGERS.get(trigger) != conditions[0].func:
        raise ValueError(f"unsupported guard on {trigger!r}")
    return guarded_trigger(trigger, bool(conditions[0].target))


TABLE: Final[Mapping[tuple[OrderState, str], OrderState]] = compile_table()
# The hot path's form: ROWS[state][trigger] -> new state, no tuple built per lookup.
ROWS: Final[Mapping[OrderState, Mapping[str, OrderState]]] = {
    state: {t: dest for (s, t), dest in TABLE.items() if s is state} for state in OrderState
}


def next_state(state: OrderState, trigger: str, *, has_fills: bool = False) -> OrderState | None:
    """The state ``trigger`` leads to from ``state``, or None when it is refused there."""
    row = ROWS[state]
    if trigger in GUARDED_TRIGGERS:
        dest = row.get(guarded_trigger(trigger, has_fills))
        if dest is not None:
            return dest
    return row.get(trigger)


def state_of_status(status: OrderStatus) -> OrderState:
    """Our state for a status Binance reports (PENDING_CANCEL, unused, counts as NEW)."""
    return S.NEW if status is OrderStatus.PENDING_CANCEL else OrderState[status.value]


# --- the generated part of specs/order-lifecycle.md ------------------------------------

BEGIN_MARK: Final = "<!-- BEGIN GENERATED by `python -m oms.core.state`: do not edit -->"
END_MARK: Final = "<!-- END GENERATED -->"


def mermaid_diagram(machine: Machine = MACHINE) -> str:
    """The lifecycle as a mermaid ``stateDiagram-v2``, self-loops left to the tables."""
    return mermaid(
        machine, OrderState, S.CREATED, lambda trig, t: _table_trigger(trig, t.conditions)
    )


def _matrix(triggers: tuple[str, ...]) -> list[str]:
    lines = ["| state | " + " | ".join(triggers) + " |", "|---" * (len(triggers) + 1) + "|"]
    for state in OrderState:
        cells = []
        for trigger in triggers:
            dests = {
                TABLE[(state, key)]
                for key in (
                    [trigger, guarded_trigger(trigger, True), guarded_trigger(trigger, False)]
                    if trigger in GUARDED_TRIGGERS
                    else [trigger]
                )
                if (state, key) in TABLE
            }
            cells.append(_cell(state, dests))
        lines.append(f"| {state.name} | " + " | ".join(cells) + " |")
    return lines


def _cell(state: OrderState, dests: set[OrderState]) -> str:
    if not dests:
        return "✗"
    return " / ".join("·" if d is state else d.name for d in sorted(dests, key=lambda d: d.name))


def _edge_list() -> list[str]:
    lines = ["| trigger | from | to | why |", "|---|---|---|---|"]
    for edge in EDGES:
        trigger = edge.trigger
        if edge.guard is not None:
            trigger = guarded_trigger(edge.trigger, edge.guard[1])
        sources = ", ".join(s.name for s in edge.sources)
        dest = "(stays)" if edge.dest is None else edge.dest.name
        lines.append(f"| `{trigger}` | {sources} | {dest} | {edge.reason} |")
    return lines


def spec_section() -> str:
    """The generated block of the spec: diagram, both state tables and every edge."""
    parts = [
        BEGIN_MARK,
        "",
        "### Diagram (self-loops are in the tables)",
        "",
        "```mermaid",
        mermaid_diagram(),
        "```",
        "",
        "### Reported statuses (`X` / `status`): new state; `·` stays; `✗` refused",
        "",
        *_matrix(REPORTED_TRIGGERS),
        "",
        "### Our commands' triggers: new state; `·` stays; `✗` refused (ignored, nothing changes)",
        "",
        *_matrix(LOCAL_TRIGGERS),
        "",
        "### Every edge and why it exists",
        "",
        *_edge_list(),
        "",
        END_MARK,
    ]
    return "\n".join(parts)


if __name__ == "__main__":  # pragma: no cover - regeneration helper
    print(spec_section())
