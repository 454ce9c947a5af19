"""Nothing a list report says can make the engine raise, and a refused report changes nothing:
arbitrary listStatus events and REST list answers (ids, statuses, legs, reports) against
tracked and untracked lists."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oms.core.list_state import TABLE, ListState, trigger_of
from oms.core.spec import OrderSpec
from oms.wire.enums import (
    ContingencyType,
    ListOrderStatus,
    ListStatusType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.events import ListStatus, ListStatusOrder
from oms.wire.orderlists import ListOrderRef, ListOrderReport, OrderListAnswer, OrderListStatus

from .helpers import new_engine
from .payloads import SYMBOL

SPEC = OrderSpec(symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT_MAKER,
                 quantity=Decimal(1), price=Decimal(110))  # fmt: skip
CIDS = st.sampled_from(["a", "b", "c", "list-1", "x"])
IDS = st.integers(min_value=-1, max_value=3)


def _report() -> st.SearchStrategy[ListOrderReport]:
    return st.builds(
        ListOrderReport,
        symbol=st.sampled_from([SYMBOL, "ETHUSDT"]),
        order_id=IDS,
        order_list_id=IDS,
        client_order_id=CIDS,
        transact_time=st.integers(0, 10),
        orig_client_order_id=st.none() | CIDS,
        status=st.none() | st.sampled_from(OrderStatus),
        orig_qty=st.none() | st.sampled_from([Decimal(0), Decimal(1), Decimal(2)]),
        executed_qty=st.none() | st.sampled_from([Decimal(0), Decimal(1)]),
        price=st.none() | st.just(Decimal(110)),
        type=st.none() | st.sampled_from(OrderType),
        side=st.none() | st.sampled_from(Side),
        time_in_force=st.none() | st.just(TimeInForce.GTC),
    )


def _status(answer: bool) -> st.SearchStrategy[object]:
    refs = st.lists(
        st.builds(ListOrderRef, symbol=st.just(SYMBOL), order_id=IDS, client_order_id=CIDS),
        max_size=3,
    )
    common = {
        "order_list_id": IDS,
        "contingency_type": st.sampled_from(ContingencyType),
        "list_order_status": st.sampled_from(ListOrderStatus),
        "list_client_order_id": CIDS,
        "symbol": st.sampled_from([SYMBOL, "ETHUSDT"]),
        "orders": refs.map(tuple),
    }
    if answer:
        return st.builds(OrderListAnswer, list_status_type=st.sampled_from(ListStatusType),
                         order_reports=st.lists(_report(), max_size=3).map(tuple),
                         transaction_time=st.integers(0, 10), **common)  # fmt: skip
    return st.builds(OrderListStatus, list_status_type=st.none() | st.sampled_from(ListStatusType),
                     **common)  # fmt: skip


def _event() -> st.SearchStrategy[ListStatus]:
    orders = st.lists(
        st.builds(ListStatusOrder, symbol=st.just(SYMBOL), order_id=IDS, client_order_id=CIDS),
        max_size=3,
    )
    return st.builds(
        ListStatus,
        event_time=st.integers(0, 10),
        symbol=st.sampled_from([SYMBOL, "ETHUSDT"]),
        order_list_id=IDS,
        contingency_type=st.sampled_from(ContingencyType),
        list_status_type=st.sampled_from(ListStatusType),
        list_order_status=st.sampled_from(ListOrderStatus),
        list_reject_reason=st.just("NONE"),
        list_client_order_id=CIDS,
        transaction_time=st.integers(0, 10),
        orders=orders.map(tuple),
    )


@given(reports=st.lists(_event() | _status(True) | _status(False), max_size=12))
def test_any_list_report_sequence_never_raises_and_moves_only_by_the_table(
    reports: list[object],
) -> None:
    engine = new_engine()
    lst, _ = engine.create_list(ContingencyType.OCO, [(SPEC, "a"), (SPEC, "b")], "list-1")
    engine.mark_list_sent(lst)
    for report in reports:
        before = lst.state
        engine.apply(report)  # type: ignore[arg-type]
        if lst.state is not before:
            assert isinstance(report, ListStatus | OrderListStatus)
            trigger = trigger_of(report.list_status_type, report.list_order_status)
            assert TABLE[(before, trigger)] is lst.state
    assert lst.state in ListState


def test_a_finished_lists_client_id_may_be_reused_by_a_new_list() -> None:
    engine = new_engine()
    first, _ = engine.create_list(ContingencyType.OCO, [(SPEC, "a"), (SPEC, "b")], "list-1")
    engine.mark_list_sent(first)
    done = OrderListStatus(order_list_id=1, contingency_type=ContingencyType.OCO,
                           list_status_type=ListStatusType.ALL_DONE,
                           list_order_status=ListOrderStatus.ALL_DONE,
                           list_client_order_id="list-1", symbol=SYMBOL, orders=())  # fmt: skip
    engine.apply(done)
    assert first.state is ListState.ALL_DONE
    again = OrderListStatus(order_list_id=2, contingency_type=ContingencyType.OCO,
                            list_status_type=ListStatusType.EXEC_STARTED,
                            list_order_status=ListOrderStatus.EXECUTING,
                            list_client_order_id="list-1", symbol=SYMBOL, orders=())  # fmt: skip
    engine.apply(again)
    second = engine.order_list("list-1")
    assert second is not None and second is not first
    assert (second.order_list_id, second.state) == (2, ListState.EXECUTING)
    assert first.state is ListState.ALL_DONE
