"""The order-list lifecycle: declared once with ``transitions``, compiled to a lookup table.

Rules (the same as ``oms.core.state`` for orders):
- ``EDGES`` is the single declaration: trigger, sources, destination (``None`` = stay) and
  the real-world reason. ``MACHINE`` is one ``transitions.Machine`` (``model=None``, no auto
  transitions, terminal states ``final``) built from it; tests check ``TABLE`` against it and
  ``specs/order-list-lifecycle.md`` is generated from it (``python -m oms.core.list_state``).
- The hot path never calls ``transitions``: ``TABLE[(state, trigger)] -> state``; a miss means
  the trigger is refused in that state.
- Reported triggers are Binance's list status type ``l`` / ``listStatusType`` (enums.md,
  Order List Status): ``EXEC_STARTED`` (placed, or an update), ``UPDATED`` (a leg's client
  id changed, e.g. by an amend), ``ALL_DONE`` (no longer active) and ``RESPONSE`` (answers a
  failed placement or cancel; its ``listOrderStatus`` is ``REJECT``). An answer without a
  status type (an amend's ``listStatus``) is read from ``listOrderStatus`` (``trigger_of``).
- Local triggers are our own commands, as for orders: ``send``, ``send_unknown``,
  ``send_rejected``, ``not_found``, ``request_cancel``, ``cancel_rejected``.
- A list's legs are ordinary orders with their own lifecycle (``oms.core.state``); the list's
  state says only whether the list as a whole is still active.
"""

from __future__ import annotations

from enum import Enum
from typing import Final, NamedTuple

from transitions import Machine, State

from oms.core.diagrams import mermaid
from oms.wire.enums import ListOrderStatus, ListStatusType

__all__ = [
    "BEGIN_MARK",
    "EDGES",
    "END_MARK",
    "LOCAL_TRIGGERS",
    "MACHINE",
    "REPORTED_TRIGGERS",
    "TABLE",
    "TERMINAL_STATES",
    "ListEdge",
    "ListState",
    "compile_table",
    "mermaid_diagram",
    "next_state",
    "spec_section",
    "trigger_of",
]


class ListState(Enum):
    """Where an order list is: our local states plus Binance's list order status."""

    CREATED = "CREATED"
    PENDING_ACK = "PENDING_ACK"
    # The placement's outcome is unknown: only a query by listClientOrderId resolves it.
    UNKNOWN = "UNKNOWN"
    CANCEL_REQUESTED = "CANCEL_REQUESTED"
    # Binance's listOrderStatus (enums.md, Order List Order Status).
    EXECUTING = "EXECUTING"
    ALL_DONE = "ALL_DONE"
    # listOrderStatus REJECT on a placement: the list never existed.
    REJECTED = "REJECTED"

    __hash__ = object.__hash__


L = ListState
_TERMINAL = (L.ALL_DONE, L.REJECTED)
TERMINAL_STATES: Final = frozenset(_TERMINAL)
_PRE_ACK = (L.CREATED, L.PENDING_ACK, L.UNKNOWN)
_LIVE = (L.EXECUTING, L.CANCEL_REQUESTED)

LOCAL_TRIGGERS: Final = (
    "send",
    "send_unknown",
    "send_rejected",
    "not_found",
    "request_cancel",
    "cancel_rejected",
)
REPORTED_TRIGGERS: Final = tuple(t.value for t in ListStatusType)


class ListEdge(NamedTuple):
    trigger: str
    sources: tuple[ListState, ...]
    dest: ListState | None
    reason: str


_E = ListEdge
EDGES: Final[tuple[ListEdge, ...]] = (
    # --- local commands -----------------------------------------------------------------
    _E("send", (L.CREATED,), L.PENDING_ACK, "the placement was handed to the transport"),
    _E("send_unknown", (L.CREATED,), L.UNKNOWN, "restart found a list intent never marked sent"),
    _E(
        "send_unknown",
        (L.PENDING_ACK,),
        L.UNKNOWN,
        "HTTP 5xx, -1006, -1007, a timeout or a drop after sending: query the list by its "
        "listClientOrderId, never resend",
    ),
    _E(
        "send_unknown",
        (L.UNKNOWN, *_LIVE, *_TERMINAL),
        None,
        "the exchange already reported the list (listStatus before the REST timeout)",
    ),
    _E("send_rejected", (L.CREATED, L.PENDING_ACK), L.REJECTED, "refused before or on placement"),
    _E(
        "not_found",
        (L.UNKNOWN,),
        L.REJECTED,
        "a query by listClientOrderId says no such list after it could no longer be placed",
    ),
    _E("request_cancel", (L.EXECUTING,), L.CANCEL_REQUESTED, "DELETE orderList was sent"),
    _E("request_cancel", (L.CANCEL_REQUESTED,), None, "a retried cancel of the list"),
    _E("cancel_rejected", (L.CANCEL_REQUESTED,), L.EXECUTING, "the list cancel was refused"),
    _E(
        "cancel_rejected",
        (L.ALL_DONE,),
        None,
        "the list finished before our cancel reached the engine; its report beat the refusal",
    ),
    # --- reported list status types (l / listStatusType) ---------------------------------
    _E(
        "EXEC_STARTED",
        _PRE_ACK,
        L.EXECUTING,
        "the list was placed: its answer, its listStatus, or a query resolving UNKNOWN",
    ),
    _E("EXEC_STARTED", _LIVE, None, "a duplicate or an update while the list is active"),
    _E(
        "EXEC_STARTED",
        (L.ALL_DONE,),
        None,
        "stale: an EXEC_STARTED delivered after the list's ALL_DONE",
    ),
    _E("UPDATED", _PRE_ACK, L.EXECUTING, "a leg's client id changed: the list exists"),
    _E("UPDATED", (*_LIVE, L.ALL_DONE), None, "a leg's client id changed (amend)"),
    _E(
        "ALL_DONE",
        (*_PRE_ACK, *_LIVE),
        L.ALL_DONE,
        "the list finished: a leg filled and the others expired, or it was canceled",
    ),
    _E("ALL_DONE", (L.ALL_DONE,), None, "duplicate ALL_DONE"),
    _E(
        "RESPONSE",
        _PRE_ACK,
        L.REJECTED,
        "listOrderStatus REJECT answering the placement: the list does not exist",
    ),
    _E(
        "RESPONSE",
        (L.EXECUTING, L.ALL_DONE, L.REJECTED),
        None,
        "answers a failed action (e.g. a cancel) on a list whose state it does not change",
    ),
    _E("RESPONSE", (L.CANCEL_REQUESTED,), L.EXECUTING, "the list cancel failed"),
)


def trigger_of(status_type: ListStatusType | None, order_status: ListOrderStatus) -> str:
    """The reported trigger of a list answer: its status type, or read from
    ``listOrderStatus`` when the answer has none (an amend's ``listStatus``; rest-api.md,
    Order Amend Keep Priority)."""
    if order_status is ListOrderStatus.ALL_DONE:
        return ListStatusType.ALL_DONE.value
    if status_type is not None:
        return status_type.value
    if order_status is ListOrderStatus.REJECT:
        return ListStatusType.RESPONSE.value
    return ListStatusType.UPDATED.value


MACHINE: Final = Machine(
    model=None,
    states=[State(s, final=s in TERMINAL_STATES) for s in ListState],
    transitions=[
        {"trigger": e.trigger, "source": list(e.sources), "dest": "=" if e.dest is None else e.dest}
        for e in EDGES
    ],
    initial=L.CREATED,
    auto_transitions=False,
)


def compile_table(machine: Machine = MACHINE) -> dict[tuple[ListState, str], ListState]:
    """Read a ``transitions`` Machine's events into ``{(state, trigger): new state}``.

    Raises:
        ValueError: two edges for one (state, trigger).
    """
    table: dict[tuple[ListState, str], ListState] = {}
    for trigger, event in machine.events.items():
        for source, transitions in event.transitions.items():
            for transition in transitions:
                key = (ListState[source], trigger)
                if key in table:
                    raise ValueError(f"two edges for {source} --{trigger}-->")
                table[key] = ListState[transition.dest or source]
    return table


TABLE: Final = compile_table()


def next_state(state: ListState, trigger: str) -> ListState | None:
    """The state ``trigger`` moves ``state`` to, or None when it is refused."""
    return TABLE.get((state, trigger))


# --- the spec -----------------------------------------------------------------------------

BEGIN_MARK: Final = "<!-- BEGIN GENERATED by `python -m oms.core.list_state`: do not edit -->"
END_MARK: Final = "<!-- END GENERATED -->"


def mermaid_diagram(machine: Machine = MACHINE) -> str:
    """The lifecycle as a mermaid ``stateDiagram-v2``, self-loops left to the table."""
    return mermaid(machine, ListState, L.CREATED)


def _matrix(triggers: tuple[str, ...]) -> list[str]:
    lines = ["| state | " + " | ".join(triggers) + " |", "|---" * (len(triggers) + 1) + "|"]
    for state in ListState:
        cells = []
        for trigger in triggers:
            dest = TABLE.get((state, trigger))
            cells.append("✗" if dest is None else "·" if dest is state else dest.name)
        lines.append(f"| `{state.name}` | " + " | ".join(cells) + " |")
    return lines


def spec_section() -> str:
    """The generated block of the spec: diagram, both tables and every edge."""
    edges = ["| trigger | from | to | why |", "|---|---|---|---|"]
    for e in EDGES:
        dest = "(stays)" if e.dest is None else e.dest.name
        sources = ", ".join(s.name for s in e.sources)
        edges.append(f"| `{e.trigger}` | {sources} | {dest} | {e.reason} |")
    return "\n".join(
        [
            BEGIN_MARK,
            "",
            "### Diagram (self-loops are in the tables)",
            "",
            "```mermaid",
            mermaid_diagram(),
            "```",
            "",
            "### Reported list status types (`l` / `listStatusType`): new state; `·` stays; "
            "`✗` refused",
            "",
            *_matrix(REPORTED_TRIGGERS),
            "",
            "### Local commands: new state; `·` stays; `✗` refused (raises InvalidTransition)",
            "",
            *_matrix(LOCAL_TRIGGERS),
            "",
            "### Every edge and why it exists",
            "",
            *edges,
            "",
            END_MARK,
        ]
    )


if __name__ == "__main__":  # pragma: no cover - regeneration helper
    print(spec_section())
