"""The order-list lifecycle: the compiled table agrees with the transitions Machine, the spec
holds the generated section, and the edges are sane."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from transitions import MachineError

from oms.core.list_state import (
    BEGIN_MARK,
    EDGES,
    END_MARK,
    LOCAL_TRIGGERS,
    MACHINE,
    REPORTED_TRIGGERS,
    TABLE,
    TERMINAL_STATES,
    ListState,
    next_state,
    spec_section,
    trigger_of,
)
from oms.wire.enums import ListOrderStatus, ListStatusType

SPEC = Path(__file__).resolve().parents[2] / "specs" / "order-list-lifecycle.md"
ALL = LOCAL_TRIGGERS + REPORTED_TRIGGERS


class PlainModel:
    pass


def _step(model: PlainModel, trigger: str) -> bool:
    try:
        return bool(model.trigger(trigger))  # type: ignore[attr-defined]
    except MachineError:
        return False


@given(start=st.sampled_from(ListState), steps=st.lists(st.sampled_from(ALL), max_size=30))
def test_compiled_table_agrees_with_the_machine(start: ListState, steps: list[str]) -> None:
    model = PlainModel()
    MACHINE.add_model(model, initial=start)
    try:
        state = start
        for trigger in steps:
            accepted = _step(model, trigger)
            expected = next_state(state, trigger)
            assert accepted == (expected is not None), (state, trigger)
            state = expected or state
            assert model.state is state  # type: ignore[attr-defined]
    finally:
        MACHINE.remove_model(model)


def test_every_pair_is_decided_identically() -> None:
    for state in ListState:
        for trigger in ALL:
            model = PlainModel()
            MACHINE.add_model(model, initial=state)
            try:
                accepted = _step(model, trigger)
                assert accepted == ((state, trigger) in TABLE), (state, trigger)
            finally:
                MACHINE.remove_model(model)


def test_spec_holds_the_generated_section() -> None:
    text = SPEC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN_MARK), text.index(END_MARK) + len(END_MARK)
    assert text[start:end] == spec_section(), "regenerate with `python -m oms.core.list_state`"


def test_terminal_states_absorb_reports_and_never_reopen() -> None:
    for state in TERMINAL_STATES:
        for trigger in REPORTED_TRIGGERS:
            assert TABLE.get((state, trigger)) in (None, state), (state, trigger)
    assert {ListState[n] for n, s in MACHINE.states.items() if s.final} == TERMINAL_STATES


def test_every_edge_has_a_reason_and_reported_triggers_are_binances() -> None:
    assert all(e.reason for e in EDGES)
    assert set(REPORTED_TRIGGERS) == {t.value for t in ListStatusType}


def test_trigger_of_reads_list_order_status_when_the_type_is_missing() -> None:
    assert trigger_of(None, ListOrderStatus.EXECUTING) == "UPDATED"
    assert trigger_of(None, ListOrderStatus.REJECT) == "RESPONSE"
    assert trigger_of(ListStatusType.EXEC_STARTED, ListOrderStatus.ALL_DONE) == "ALL_DONE"
    assert trigger_of(ListStatusType.RESPONSE, ListOrderStatus.REJECT) == "RESPONSE"
