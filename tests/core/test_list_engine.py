"""Order lists through Engine.apply: an OCO's answer, its legs' reports and its listStatus
events, delivered late, duplicated, reordered or lost, end in the exchange's state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from oms.core.commands import CancelRefused, CancelRequested
from oms.core.engine import Engine
from oms.core.list_commands import ListCancelUnknown
from oms.core.list_engine import settled_but_open
from oms.core.list_state import ListState
from oms.core.lists import oco_request
from oms.core.outputs import ListStateChanged, ReportConflict
from oms.core.spec import OrderSpec
from oms.core.state import OrderState
from oms.errors import InvalidTransition
from oms.wire.enums import ContingencyType, OrderType, Side, TimeInForce
from oms.wire.events import ListStatus
from oms.wire.orderlists import OrderListAnswer, OrderListStatus
from oms.wire.rest import QueryOrderResponse

from .helpers import new_engine
from .payloads import SYMBOL, execution_report, query_json, w

D = Decimal
T0 = 1_700_000_000_000
ABOVE = OrderSpec(
    symbol=SYMBOL, side=Side.SELL, order_type=OrderType.LIMIT_MAKER, quantity=D(1), price=D(110)
)
BELOW = OrderSpec(
    symbol=SYMBOL,
    side=Side.SELL,
    order_type=OrderType.STOP_LOSS_LIMIT,
    quantity=D(1),
    price=D(94),
    stop_price=D(95),
    time_in_force=TimeInForce.GTC,
)


def _placed_oco(engine: Engine) -> Any:
    lst, legs = engine.create_list(
        ContingencyType.OCO, [(ABOVE, "above-1"), (BELOW, "below-1")], "list-1"
    )
    engine.mark_list_sent(lst)
    return lst, legs


def _status(
    l_type: str, l_status: str, *, t: int = T0, ids: tuple[int, int] = (12, 11)
) -> ListStatus:
    raw = {
        "e": "listStatus", "E": t, "s": SYMBOL, "g": 7, "c": "OCO", "l": l_type, "L": l_status,
        "r": "NONE", "C": "list-1", "T": t,
        "O": [{"s": SYMBOL, "i": ids[0], "c": "above-1"},
              {"s": SYMBOL, "i": ids[1], "c": "below-1"}],
    }  # fmt: skip
    return msgspec.json.decode(msgspec.json.encode(raw), type=ListStatus)


def _answer() -> OrderListAnswer:
    def report(oid: int, cid: str, kind: str, price: str, stop: str | None) -> dict[str, Any]:
        r = {
            "symbol": SYMBOL, "orderId": oid, "orderListId": 7, "clientOrderId": cid,
            "transactTime": T0, "price": price, "origQty": "1.00000000",
            "executedQty": "0.00000000", "origQuoteOrderQty": "0.000000",
            "cummulativeQuoteQty": "0.00000000", "status": "NEW", "timeInForce": "GTC",
            "type": kind, "side": "SELL", "workingTime": -1 if stop else T0,
            "selfTradePreventionMode": "NONE",
        }  # fmt: skip
        if stop:
            r["stopPrice"] = stop
        return r

    raw = {
        "orderListId": 7, "contingencyType": "OCO", "listStatusType": "EXEC_STARTED",
        "listOrderStatus": "EXECUTING", "listClientOrderId": "list-1", "transactionTime": T0,
        "symbol": SYMBOL,
        "orders": [{"symbol": SYMBOL, "orderId": 11, "clientOrderId": "below-1"},
                   {"symbol": SYMBOL, "orderId": 12, "clientOrderId": "above-1"}],
        "orderReports": [report(11, "below-1", "STOP_LOSS_LIMIT", "94.00000000", "95.00000000"),
                         report(12, "above-1", "LIMIT_MAKER", "110.00000000", None)],
    }  # fmt: skip
    return msgspec.json.decode(msgspec.json.encode(raw), type=OrderListAnswer)


def _leg(cid: str, oid: int, kind: str, **over: Any) -> Any:
    base: dict[str, Any] = {
        "c": cid, "i": oid, "S": "SELL", "o": kind, "g": 7, "q": w(1),
        "p": w(110 if kind == "LIMIT_MAKER" else 94), "P": w(0 if kind == "LIMIT_MAKER" else 95),
    }  # fmt: skip
    if kind != "LIMIT_MAKER":
        base["w"] = False
        base.pop("W", None)
    base.update(over)
    return execution_report(**base)


def _history() -> list[Any]:
    """The exchange's reports of one OCO whose above leg fills (the below leg expires)."""
    t = T0 + 5
    return [
        _answer(),
        _leg("below-1", 11, "STOP_LOSS_LIMIT"),
        _leg("above-1", 12, "LIMIT_MAKER"),
        _status("EXEC_STARTED", "EXECUTING"),
        _leg("above-1", 12, "LIMIT_MAKER", x="TRADE", X="FILLED", t=1, l=w(1), z=w(1),
             L=w(110), Y=w(110), Z=w(110), n=w("0.11"), N="USDT", T=t, E=t, I=5),
        _leg("below-1", 11, "STOP_LOSS_LIMIT", x="EXPIRED", X="EXPIRED", eR="OCO_TRIGGER",
             T=t, E=t, I=6),
        _status("ALL_DONE", "ALL_DONE", t=t),
    ]  # fmt: skip


def _assert_final(engine: Engine) -> None:
    lst = engine.order_list("list-1")
    assert lst is not None and lst.state is ListState.ALL_DONE and lst.order_list_id == 7
    above, below = engine.order("above-1"), engine.order("below-1")
    assert above is not None and above.state is OrderState.FILLED and above.filled == D(1)
    assert below is not None and below.state is OrderState.EXPIRED
    assert engine.list_of(above) is lst and engine.list_of(below) is lst
    assert above.order_id == 12 and below.order_id == 11


def test_an_oco_in_order() -> None:
    engine = new_engine()
    lst, _ = _placed_oco(engine)
    assert lst.state is ListState.PENDING_ACK
    outputs = [o for r in _history() for o in engine.apply(r)]
    _assert_final(engine)
    changes = [o.state for o in outputs if isinstance(o, ListStateChanged)]
    assert changes == [ListState.EXECUTING, ListState.ALL_DONE]
    assert not [o for o in outputs if isinstance(o, ReportConflict)]


@given(data=st.data())
def test_any_delivery_order_with_duplicates_ends_the_same(data: st.DataObject) -> None:
    history = _history()
    delivered = data.draw(st.permutations(history))
    dups = data.draw(st.lists(st.sampled_from(history), max_size=4))
    positions = data.draw(
        st.lists(st.integers(0, len(delivered)), min_size=len(dups), max_size=len(dups))
    )
    stream = list(delivered)
    for report, at in zip(dups, positions, strict=True):
        stream.insert(at, report)
    engine = new_engine()
    _placed_oco(engine)
    for report in stream:
        engine.apply(report)
    _assert_final(engine)


def test_a_lost_all_done_is_found_by_reconciliation_and_resolved_by_query() -> None:
    engine = new_engine()
    lst, _ = _placed_oco(engine)
    for report in _history()[:-1]:
        engine.apply(report)
    assert lst.state is ListState.EXECUTING
    assert settled_but_open(engine) == [lst]
    query = lst.query_request()
    assert query.params() == [("origClientOrderId", "list-1")]
    answer = msgspec.convert(
        {**msgspec.to_builtins(_answer()), "listStatusType": "ALL_DONE",
         "listOrderStatus": "ALL_DONE"}, OrderListStatus
    )  # fmt: skip
    engine.apply(answer)
    _assert_final(engine)
    assert settled_but_open(engine) == []


def test_an_unknown_placement_resolves_by_the_list_status() -> None:
    engine = new_engine()
    lst, legs = _placed_oco(engine)
    engine.mark_list_unknown(lst, "timeout")
    assert lst.state is ListState.UNKNOWN
    assert {o.state for o in legs} == {OrderState.UNKNOWN}
    engine.apply(_status("EXEC_STARTED", "EXECUTING"))
    assert lst.state is ListState.EXECUTING
    # The legs are bound to their exchange ids by the list's orders.
    assert engine.order_by_id(SYMBOL, 12) is legs[0]


def test_a_rejected_placement_rejects_the_legs_and_cancel_moves_both() -> None:
    engine = new_engine()
    lst, legs = _placed_oco(engine)
    engine.mark_list_rejected(lst, -2010, "Order would trigger immediately.")
    assert lst.state is ListState.REJECTED
    assert {o.state for o in legs} == {OrderState.REJECTED}
    with pytest.raises(InvalidTransition):
        engine.list_cancel_request(lst)

    engine2 = new_engine()
    lst2, legs2 = _placed_oco(engine2)
    engine2.apply(_answer())
    request, _ = engine2.list_cancel_request(lst2)
    assert request.params() == [
        ("symbol", SYMBOL), ("orderListId", "7"), ("listClientOrderId", "list-1"),
    ]  # fmt: skip
    assert lst2.state is ListState.CANCEL_REQUESTED
    assert {o.state for o in legs2} == {OrderState.CANCEL_REQUESTED}
    engine2.list_cancel_failed(lst2, -2011, "Unknown order list sent.")
    assert lst2.state is ListState.EXECUTING and engine2.take_list_checks() == [lst2]


def test_a_list_opened_elsewhere_is_adopted_and_a_wrong_id_is_a_conflict() -> None:
    engine = new_engine()
    out = engine.apply(_status("EXEC_STARTED", "EXECUTING"))
    lst = engine.order_list("list-1")
    assert lst is not None and lst.state is ListState.EXECUTING
    assert isinstance(out[0], ListStateChanged)
    bad = msgspec.structs.replace(_status("ALL_DONE", "ALL_DONE"), order_list_id=8)
    out = engine.apply(bad)
    # Another id under the same client id: a conflict, nothing applied, the list is checked.
    assert lst.state is ListState.EXECUTING
    assert [o.what for o in out if isinstance(o, ReportConflict)] == ["order list id"]
    assert engine.take_list_checks() == [lst]


def test_oco_request_from_specs() -> None:
    request = oco_request("list-1", (ABOVE, "a"), (BELOW, "b"))
    params = dict(request.params())
    assert params["aboveType"] == "LIMIT_MAKER" and params["belowStopPrice"] == "95"
    assert params["quantity"] == "1" and params["side"] == "SELL"
    with pytest.raises(ValueError, match="one side"):
        oco_request("x", (ABOVE, "a"), (msgspec.structs.replace(BELOW, side=Side.BUY), "b"))


def _leg_query(cid: str, oid: int, kind: str, status: str) -> Any:
    """GET /api/v3/order for one leg (rest-api.md, Query order)."""
    answer = {
        "symbol": SYMBOL, "orderId": oid, "orderListId": 7, "clientOrderId": cid,
        "transactTime": T0, "price": w(110 if kind == "LIMIT_MAKER" else 94), "origQty": w(1),
        "executedQty": w(0), "origQuoteOrderQty": w(0), "cummulativeQuoteQty": w(0),
        "status": status, "timeInForce": "GTC", "type": kind, "side": "SELL",
        "workingTime": T0, "selfTradePreventionMode": "NONE",
    }  # fmt: skip
    return msgspec.json.decode(
        msgspec.json.encode(query_json(answer, update_time=T0 + 9)), type=QueryOrderResponse
    )


def test_a_list_cancel_without_an_answer_is_settled_by_queries_not_guessed() -> None:
    """A DELETE orderList that times out (or never left): the list and its legs stay
    CANCEL_REQUESTED, each is queued for a query, and the exchange's "still executing"
    answers put them back; while the cancel is in flight the same answer changes nothing."""
    engine = new_engine()
    lst, legs = _placed_oco(engine)
    engine.apply(_answer())
    engine.list_cancel_request(lst)
    still = msgspec.convert(msgspec.to_builtins(_answer()), OrderListStatus)
    engine.apply(still)  # an answer crossing our cancel: proves nothing yet
    assert lst.state is ListState.CANCEL_REQUESTED and lst.cancel_in_flight
    engine.apply(engine.list_command(ListCancelUnknown, lst, reason="timeout"))
    assert lst.state is ListState.CANCEL_REQUESTED and not lst.cancel_in_flight
    assert {o.state for o in legs} == {OrderState.CANCEL_REQUESTED}
    assert not any(o.cancel_in_flight for o in legs)
    assert engine.take_list_checks() == [lst]
    assert set(engine.take_checks()) == set(legs)
    engine.apply(still)
    assert lst.state is ListState.EXECUTING
    engine.apply(_leg_query("above-1", 12, "LIMIT_MAKER", "NEW"))
    engine.apply(_leg_query("below-1", 11, "STOP_LOSS_LIMIT", "NEW"))
    assert {o.state for o in legs} == {OrderState.NEW}


def test_a_list_cancel_that_took_effect_unseen_ends_the_list_on_query() -> None:
    engine = new_engine()
    lst, legs = _placed_oco(engine)
    engine.apply(_answer())
    engine.list_cancel_request(lst)
    engine.apply(engine.list_command(ListCancelUnknown, lst, reason="drop"))
    done = msgspec.convert(
        {**msgspec.to_builtins(_answer()), "listStatusType": "ALL_DONE",
         "listOrderStatus": "ALL_DONE"}, OrderListStatus
    )  # fmt: skip
    engine.apply(done)
    engine.apply(_leg_query("above-1", 12, "LIMIT_MAKER", "CANCELED"))
    engine.apply(_leg_query("below-1", 11, "STOP_LOSS_LIMIT", "CANCELED"))
    assert lst.state is ListState.ALL_DONE
    assert {o.state for o in legs} == {OrderState.CANCELED}


def test_a_pending_leg_stays_pending_through_a_cancel_that_is_refused() -> None:
    """A pending leg is not on the book: a cancel (its list's, or its own) ends it by its
    report, and a refused one must not bring it back as NEW (never a guess as a fact)."""
    engine = new_engine()
    lst, _ = _placed_oco(engine)
    raw = msgspec.to_builtins(_answer())
    raw["orderReports"][0]["status"] = "PENDING_NEW"  # below-1, as an OTO's pending leg
    engine.apply(msgspec.convert(raw, OrderListAnswer))
    below = engine.order("below-1")
    assert below is not None and below.state is OrderState.PENDING_NEW
    engine.list_cancel_request(lst)
    assert below.state is OrderState.PENDING_NEW and below.cancel_in_flight
    engine.list_cancel_failed(lst, -1021, "Timestamp for this request is outside the recvWindow.")
    assert below.state is OrderState.PENDING_NEW and not below.cancel_in_flight
    assert lst.state is ListState.EXECUTING
    # The leg's own cancel, refused: the same.
    engine.apply(CancelRequested(client_order_id="below-1", at_ms=T0 + 1))
    assert below.state is OrderState.PENDING_NEW and below.cancel_in_flight
    engine.apply(CancelRefused(client_order_id="below-1", at_ms=T0 + 2, code=-1021, msg="x"))
    assert below.state is OrderState.PENDING_NEW and not below.cancel_in_flight
    engine.list_cancel_request(lst)
    engine.apply(_leg("below-1", 11, "STOP_LOSS_LIMIT", x="CANCELED", X="CANCELED", E=T0 + 3))
    assert below.state is OrderState.CANCELED
