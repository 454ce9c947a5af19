"""The lifecycle declaration: compiled table == transitions Machine, spec in sync, edges sane."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import Machine, MachineError

from oms.core.state import (
    BEGIN_MARK,
    EDGES,
    END_MARK,
    GUARDED_TRIGGERS,
    LOCAL_TRIGGERS,
    MACHINE,
    OPEN_STATES,
    REPORTED_TRIGGERS,
    ROWS,
    TABLE,
    TERMINAL_STATES,
    OrderState,
    compile_table,
    guarded_trigger,
    mermaid_diagram,
    next_state,
    spec_section,
    state_of_status,
)
from oms.wire.enums import OrderStatus

SPEC = Path(__file__).resolve().parents[2] / "specs" / "order-lifecycle.md"
ALL_TRIGGERS = LOCAL_TRIGGERS + REPORTED_TRIGGERS


class PlainModel:
    """A model for the shared Machine: just a state and the guard's condition."""

    def __init__(self) -> None:
        self.has_fills = False


def machine_step(model: PlainModel, trigger: str) -> bool:
    try:
        return bool(model.trigger(trigger))  # type: ignore[attr-defined]
    except MachineError:
        return False


@given(
    start=st.sampled_from(OrderState),
    steps=st.lists(st.tuples(st.sampled_from(ALL_TRIGGERS), st.booleans()), max_size=40),
)
def test_compiled_table_agrees_with_the_transitions_machine(
    start: OrderState, steps: list[tuple[str, bool]]
) -> None:
    model = PlainModel()
    MACHINE.add_model(model, initial=start)
    try:
        state = start
        for trigger, has_fills in steps:
            model.has_fills = has_fills
            accepted = machine_step(model, trigger)
            expected = next_state(state, trigger, has_fills=has_fills)
            assert accepted == (expected is not None), (state, trigger)
            if expected is not None:
                state = expected
            assert model.state is state  # type: ignore[attr-defined]
    finally:
        MACHINE.remove_model(model)


def test_every_state_and_trigger_pair_is_decided_identically() -> None:
    # Exhaustive companion to the property: every (state, trigger, guard) once.
    for state in OrderState:
        for trigger in ALL_TRIGGERS:
            for has_fills in (False, True):
                model = PlainModel()
                model.has_fills = has_fills
                MACHINE.add_model(model, initial=state)
                try:
                    accepted = machine_step(model, trigger)
                    expected = next_state(state, trigger, has_fills=has_fills)
                    assert accepted == (expected is not None), (state, trigger)
                    assert model.state is (expected or state)  # type: ignore[attr-defined]
                finally:
                    MACHINE.remove_model(model)


def test_spec_holds_the_generated_section() -> None:
    text = SPEC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN_MARK), text.index(END_MARK) + len(END_MARK)
    assert text[start:end] == spec_section(), "regenerate with `python -m oms.core.state`"


def test_diagram_follows_the_declaration() -> None:
    diagram = mermaid_diagram()
    for (state, trigger), dest in TABLE.items():
        if dest is not state:
            line = next(
                x
                for x in diagram.splitlines()
                if x.startswith(f"    {state.name} --> {dest.name} :")
            )
            assert trigger in line.split(" : ")[1].split(", ")
    for state in TERMINAL_STATES:
        assert f"    {state.name} --> [*]" in diagram
    # One line per (source, dest) pair that moves, plus start and the final markers.
    moves = {(s, d) for (s, _), d in TABLE.items() if s is not d}
    assert len(diagram.splitlines()) == 2 + len(moves) + len(TERMINAL_STATES)


def test_machine_marks_exactly_the_terminal_states_final() -> None:
    assert {OrderState[n] for n, s in MACHINE.states.items() if s.final} == TERMINAL_STATES


def test_terminal_states_only_loop_on_themselves() -> None:
    for (state, trigger), dest in TABLE.items():
        if state in TERMINAL_STATES:
            assert dest is state, (state, trigger, dest)


def test_every_state_is_reachable_from_created() -> None:
    seen, frontier = {OrderState.CREATED}, [OrderState.CREATED]
    while frontier:
        state = frontier.pop()
        for dest in ROWS[state].values():
            if dest not in seen:
                seen.add(dest)
                frontier.append(dest)
    assert seen == set(OrderState)


def test_every_reported_status_has_a_trigger_and_reported_triggers_are_unguarded() -> None:
    assert set(REPORTED_TRIGGERS) == {s.value for s in OrderStatus}
    assert not set(REPORTED_TRIGGERS) & set(GUARDED_TRIGGERS)
    assert {e.trigger for e in EDGES} == set(ALL_TRIGGERS)


@pytest.mark.parametrize(
    ("state", "trigger", "has_fills", "expected"),
    [
        # WS NEW before the REST ack.
        (OrderState.PENDING_ACK, "NEW", False, OrderState.NEW),
        # Trade report after the cancel confirmation: status stays CANCELED.
        (OrderState.CANCELED, "PARTIALLY_FILLED", False, OrderState.CANCELED),
        # REST FULL after the WS fills; duplicate CANCELED.
        (OrderState.FILLED, "FILLED", False, OrderState.FILLED),
        (OrderState.CANCELED, "CANCELED", False, OrderState.CANCELED),
        # A fill racing our cancel is absorbed; FILLED wins.
        (OrderState.CANCEL_REQUESTED, "PARTIALLY_FILLED", False, OrderState.CANCEL_REQUESTED),
        (OrderState.CANCEL_REQUESTED, "FILLED", False, OrderState.FILLED),
        # Cancel refused: back to the open state the fills say.
        (OrderState.CANCEL_REQUESTED, "cancel_rejected", True, OrderState.PARTIALLY_FILLED),
        (OrderState.CANCEL_REQUESTED, "cancel_rejected", False, OrderState.NEW),
        # UNKNOWN resolved by any answer; definite "does not exist".
        (OrderState.UNKNOWN, "EXPIRED", False, OrderState.EXPIRED),
        (OrderState.UNKNOWN, "not_found", False, OrderState.REJECTED),
        # Crash between journaling the intent and sending.
        (OrderState.CREATED, "send_unknown", False, OrderState.UNKNOWN),
        # Contradictions are refused.
        (OrderState.CANCELED, "FILLED", False, None),
        (OrderState.FILLED, "CANCELED", False, None),
        (OrderState.NEW, "REJECTED", False, None),
        (OrderState.REJECTED, "NEW", False, None),
        (OrderState.FILLED, "request_cancel", False, None),
        (OrderState.PENDING_ACK, "request_cancel", False, None),
    ],
)
def test_named_real_world_edges(
    state: OrderState, trigger: str, has_fills: bool, expected: OrderState | None
) -> None:
    assert next_state(state, trigger, has_fills=has_fills) is expected


def test_guarded_trigger_keys_are_both_compiled() -> None:
    assert TABLE[(OrderState.CANCEL_REQUESTED, guarded_trigger("cancel_rejected", True))] is (
        OrderState.PARTIALLY_FILLED
    )
    assert "cancel_rejected" not in ROWS[OrderState.CANCEL_REQUESTED]


def test_compile_table_refuses_a_non_deterministic_declaration() -> None:
    clash = Machine(
        model=None,
        states=list(OrderState),
        transitions=[
            {"trigger": "send", "source": OrderState.CREATED, "dest": OrderState.NEW},
            {"trigger": "send", "source": OrderState.CREATED, "dest": OrderState.UNKNOWN},
        ],
        initial=OrderState.CREATED,
        auto_transitions=False,
    )
    with pytest.raises(ValueError, match="two edges"):
        compile_table(clash)


def test_state_of_status_maps_every_binance_status() -> None:
    for status in OrderStatus:
        state = state_of_status(status)
        assert state.value == status.value or status is OrderStatus.PENDING_CANCEL
    assert OPEN_STATES.isdisjoint(TERMINAL_STATES)
