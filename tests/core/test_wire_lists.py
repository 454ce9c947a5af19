"""Order lists, cancel-replace and amend on the wire: Binance's documented examples decode
exactly (Decimal from strings, enums as spelled) and requests render Binance's parameters."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from oms.errors import DecodeError
from oms.wire.amends import (
    AmendKeepPriority,
    AmendResponse,
    CancelReplace,
    CancelReplaceFailure,
    OrderAmendment,
)
from oms.wire.decoding import decode_user_data
from oms.wire.enums import (
    CancelReplaceMode,
    CancelReplaceResult,
    ContingencyType,
    ListOrderStatus,
    ListStatusType,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from oms.wire.events import ListStatus
from oms.wire.orderlists import (
    CancelOrderList,
    ListLeg,
    NewOco,
    NewOto,
    NewOtoco,
    OrderListAnswer,
    OrderListStatus,
    QueryOrderList,
)
from oms.wire.requests import NewOrder
from oms.wire.rest import CancelResponse, ErrorBody, NewOrderAck, NewOrderResult

# rest-api.md, New Order list - OCO, "Response" (RESULT).
OCO_ANSWER = b"""{"orderListId":1,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",
"listOrderStatus":"EXECUTING","listClientOrderId":"lH1YDkuQKWiXVXHPSKYEIp",
"transactionTime":1710485608839,"symbol":"LTCBTC","orders":[
{"symbol":"LTCBTC","orderId":10,"clientOrderId":"44nZvqpemY7sVYgPYbvPih"},
{"symbol":"LTCBTC","orderId":11,"clientOrderId":"NuMp0nVYnciDiFmVqfpBqK"}],
"orderReports":[{"symbol":"LTCBTC","orderId":10,"orderListId":1,
"clientOrderId":"44nZvqpemY7sVYgPYbvPih","transactTime":1710485608839,"price":"1.00000000",
"origQty":"5.00000000","executedQty":"0.00000000","origQuoteOrderQty":"0.000000",
"cummulativeQuoteQty":"0.00000000","status":"NEW","timeInForce":"GTC",
"type":"STOP_LOSS_LIMIT","side":"SELL","stopPrice":"1.00000000","workingTime":-1,
"icebergQty":"1.00000000","selfTradePreventionMode":"NONE"},
{"symbol":"LTCBTC","orderId":11,"orderListId":1,"clientOrderId":"NuMp0nVYnciDiFmVqfpBqK",
"transactTime":1710485608839,"price":"3.00000000","origQty":"5.00000000",
"executedQty":"0.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":"0.00000000",
"status":"NEW","timeInForce":"GTC","type":"LIMIT_MAKER","side":"SELL",
"workingTime":1710485608839,"selfTradePreventionMode":"NONE"}]}"""

# rest-api.md, Cancel an Existing Order and Send a New Order: -2021 with ALLOW_FAILURE.
PARTIAL = b"""{"code":-2021,"msg":"Order cancel-replace partially failed.","data":{
"cancelResult":"FAILURE","newOrderResult":"SUCCESS",
"cancelResponse":{"code":-2011,"msg":"Unknown order sent."},
"newOrderResponse":{"symbol":"BTCUSDT","orderId":11,"orderListId":-1,
"clientOrderId":"pfojJMg6IMNDKuJqDxvoxN","transactTime":1648540168818}}}"""

# Same section: -2022 with STOP_ON_FAILURE.
FAILED = b"""{"code":-2022,"msg":"Order cancel-replace failed.","data":{
"cancelResult":"FAILURE","newOrderResult":"NOT_ATTEMPTED",
"cancelResponse":{"code":-2011,"msg":"Unknown order sent."},"newOrderResponse":null}}"""

# rest-api.md, Order Amend Keep Priority, "Response for an order that is part of an Order list".
AMEND = b"""{"transactTime":1741669661670,"executionId":22,"amendedOrder":{"symbol":"BTCUSDT",
"orderId":9,"orderListId":1,"origClientOrderId":"W0fJ9fiLKHOJutovPK3oJp",
"clientOrderId":"UQ1Np3bmQ71jJzsSDW9Vpi","price":"0.00000000","qty":"4.00000000",
"executedQty":"0.00000000","preventedQty":"0.00000000","quoteOrderQty":"0.00000000",
"cumulativeQuoteQty":"0.00000000","status":"PENDING_NEW","timeInForce":"GTC","type":"MARKET",
"side":"BUY","selfTradePreventionMode":"NONE"},"listStatus":{"orderListId":1,
"contingencyType":"OTO","listOrderStatus":"EXECUTING",
"listClientOrderId":"AT7FTxZXylVSwRoZs52mt3","symbol":"BTCUSDT","orders":[
{"symbol":"BTCUSDT","orderId":8,"clientOrderId":"GkwwHZUUbFtZOoH1YsZk9Q"},
{"symbol":"BTCUSDT","orderId":9,"clientOrderId":"UQ1Np3bmQ71jJzsSDW9Vpi"}]}}"""


def test_oco_answer_decodes_exactly_and_reports_become_order_answers() -> None:
    answer = msgspec.json.decode(OCO_ANSWER, type=OrderListAnswer)
    assert answer.contingency_type is ContingencyType.OCO
    assert answer.list_status_type is ListStatusType.EXEC_STARTED
    assert answer.list_order_status is ListOrderStatus.EXECUTING
    stop, limit = (r.as_answer() for r in answer.order_reports)
    assert isinstance(stop, NewOrderResult) and stop.type is OrderType.STOP_LOSS_LIMIT
    assert stop.stop_price == Decimal("1.00000000") and stop.working_time == -1
    assert stop.iceberg_qty == Decimal("1")
    assert isinstance(limit, NewOrderResult) and limit.order_list_id == 1
    # Re-encoding gives back exactly the keys Binance sent.
    keys = msgspec.json.decode(msgspec.json.encode(answer))["orderReports"][0].keys()
    assert keys == msgspec.json.decode(OCO_ANSWER)["orderReports"][0].keys()


def test_ack_and_cancel_reports_keep_their_shapes() -> None:
    ack = b"""{"orderListId":0,"contingencyType":"OTO","listStatusType":"EXEC_STARTED",
    "listOrderStatus":"EXECUTING","listClientOrderId":"x","transactionTime":1,"symbol":"S",
    "orders":[],"orderReports":[{"symbol":"S","orderId":4,"orderListId":0,
    "clientOrderId":"a","transactTime":1}]}"""
    report = msgspec.json.decode(ack, type=OrderListAnswer).order_reports[0]
    assert isinstance(report.as_answer(), NewOrderAck)
    cancel = report.__class__(
        symbol="S",
        order_id=2,
        order_list_id=0,
        client_order_id="c",
        transact_time=2,
        orig_client_order_id="a",
        price=Decimal(1),
        orig_qty=Decimal(10),
        executed_qty=Decimal(0),
        orig_quote_order_qty=Decimal(0),
        cummulative_quote_qty=Decimal(0),
        status=OrderStatus.CANCELED,
        time_in_force=TimeInForce.GTC,
        type=OrderType.STOP_LOSS_LIMIT,
        side=Side.SELL,
        stop_price=Decimal(1),
        self_trade_prevention_mode="NONE",
    )
    assert isinstance(cancel.as_answer(), CancelResponse)


def test_query_list_answer_has_no_reports() -> None:
    body = b"""{"orderListId":27,"contingencyType":"OCO","listStatusType":"EXEC_STARTED",
    "listOrderStatus":"EXECUTING","listClientOrderId":"h2USkA5YQpaXHPIrkd96xE",
    "transactionTime":1565245656253,"symbol":"LTCBTC","orders":[{"symbol":"LTCBTC",
    "orderId":4,"clientOrderId":"qD1gy3kc3Gx0rihm9Y3xwS"}]}"""
    status = msgspec.json.decode(body, type=OrderListStatus)
    assert status.orders[0].order_id == 4


def test_cancel_replace_failures_decode_both_halves() -> None:
    partial = msgspec.json.decode(PARTIAL, type=CancelReplaceFailure)
    assert partial.code == -2021
    assert partial.data.cancel_result is CancelReplaceResult.FAILURE
    assert partial.data.cancel() == ErrorBody(code=-2011, msg="Unknown order sent.")
    new = partial.data.new_order()
    assert new is not None and not isinstance(new, ErrorBody)
    assert isinstance(new.as_answer(), NewOrderAck)
    failed = msgspec.json.decode(FAILED, type=CancelReplaceFailure)
    assert failed.code == -2022 and failed.data.new_order() is None


def test_amend_answer_with_list_status() -> None:
    amend = msgspec.json.decode(AMEND, type=AmendResponse)
    assert amend.amended_order.qty == Decimal("4.00000000")
    assert amend.amended_order.status is OrderStatus.PENDING_NEW
    assert amend.list_status is not None and amend.list_status.list_status_type is None
    rows = msgspec.json.decode(
        b'[{"symbol":"BTCUSDT","orderId":9,"executionId":22,"origClientOrderId":"W",'
        b'"newClientOrderId":"U","origQty":"5.00000000","newQty":"4.00000000","time":1}]',
        type=list[OrderAmendment],
    )
    assert rows[0].new_qty == Decimal(4)


def test_list_status_event_and_trailing_keys_decode() -> None:
    frame = (
        b'{"subscriptionId":0,"event":{"e":"listStatus","E":1564035303637,"s":"ETHBTC",'
        b'"g":2,"c":"OCO","l":"EXEC_STARTED","L":"EXECUTING","r":"NONE",'
        b'"C":"F4QN4G8DlFATFlIUQ0cjdD","T":1564035303625,"O":[{"s":"ETHBTC","i":17,'
        b'"c":"AJYsMjErWJesZvqlJCTUgL"},{"s":"ETHBTC","i":18,"c":"bfYPSQdLoqAJeNrOr9adzq"}]}}'
    )
    event = decode_user_data(frame)
    assert isinstance(event, ListStatus)
    assert event.list_status_type is ListStatusType.EXEC_STARTED
    assert [o.order_id for o in event.orders] == [17, 18]


def test_a_list_status_with_an_unknown_status_type_is_not_decoded() -> None:
    frame = (
        b'{"e":"listStatus","E":1,"s":"X","g":2,"c":"OCO","l":"SOMETHING","L":"EXECUTING",'
        b'"r":"NONE","C":"c","T":1,"O":[]}'
    )
    with pytest.raises(DecodeError):
        decode_user_data(frame)


def test_oco_params_use_above_and_below_names() -> None:
    oco = NewOco(
        symbol="BTCUSDT",
        side=Side.SELL,
        quantity=Decimal("0.00100000"),
        list_client_order_id="L1",
        above=ListLeg(
            order_type=OrderType.LIMIT_MAKER, price=Decimal("31000"), client_order_id="a"
        ),
        below=ListLeg(
            order_type=OrderType.STOP_LOSS_LIMIT,
            price=Decimal("28900"),
            stop_price=Decimal("29000.0"),
            time_in_force=TimeInForce.GTC,
            client_order_id="b",
        ),
    )
    assert oco.params() == [
        ("symbol", "BTCUSDT"),
        ("listClientOrderId", "L1"),
        ("side", "SELL"),
        ("quantity", "0.00100000"),
        ("aboveType", "LIMIT_MAKER"),
        ("aboveClientOrderId", "a"),
        ("abovePrice", "31000"),
        ("belowType", "STOP_LOSS_LIMIT"),
        ("belowClientOrderId", "b"),
        ("belowPrice", "28900"),
        ("belowStopPrice", "29000.0"),
        ("belowTimeInForce", "GTC"),
    ]


def test_oto_and_otoco_params() -> None:
    working = ListLeg(
        order_type=OrderType.LIMIT,
        side=Side.BUY,
        quantity=Decimal(1),
        price=Decimal(100),
        time_in_force=TimeInForce.GTC,
    )
    oto = NewOto(
        symbol="S",
        working=working,
        pending=ListLeg(
            order_type=OrderType.STOP_LOSS, side=Side.SELL, quantity=Decimal(1), trailing_delta=50
        ),
    )
    names = [k for k, _ in oto.params()]
    assert names == [
        "symbol",
        "workingType",
        "workingSide",
        "workingPrice",
        "workingQuantity",
        "workingTimeInForce",
        "pendingType",
        "pendingSide",
        "pendingTrailingDelta",
        "pendingQuantity",
    ]
    otoco = NewOtoco(
        symbol="S",
        working=working,
        pending_side=Side.SELL,
        pending_quantity=Decimal(1),
        pending_above=ListLeg(order_type=OrderType.LIMIT_MAKER, price=Decimal(110)),
        pending_below=ListLeg(order_type=OrderType.STOP_LOSS, stop_price=Decimal(95)),
    )
    params = dict(otoco.params())
    assert params["pendingAboveType"] == "LIMIT_MAKER"
    assert params["pendingBelowStopPrice"] == "95"
    assert params["pendingSide"] == "SELL" and "pendingAboveSide" not in params


def test_cancel_query_amend_and_cancel_replace_params() -> None:
    assert CancelOrderList(symbol="S", list_client_order_id="L").params() == [
        ("symbol", "S"),
        ("listClientOrderId", "L"),
    ]
    # Binance names the list's client id origClientOrderId on the query (rest-api.md).
    assert QueryOrderList(list_client_order_id="L").params() == [("origClientOrderId", "L")]
    assert AmendKeepPriority(symbol="S", order_id=3, new_qty=Decimal("0.50")).params() == [
        ("symbol", "S"),
        ("orderId", "3"),
        ("newQty", "0.50"),
    ]
    replace = CancelReplace(
        new_order=NewOrder(
            symbol="S",
            side=Side.BUY,
            order_type=OrderType.LIMIT,
            quantity=Decimal(1),
            price=Decimal(2),
            time_in_force=TimeInForce.GTC,
        ),
        mode=CancelReplaceMode.STOP_ON_FAILURE,
        cancel_orig_client_order_id="old",
    )
    assert replace.params()[:4] == [
        ("symbol", "S"),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("cancelReplaceMode", "STOP_ON_FAILURE"),
    ]
    assert replace.params()[-1] == ("cancelOrigClientOrderId", "old")


@pytest.mark.parametrize("body", [OCO_ANSWER])
def test_answers_hold_no_float(body: bytes) -> None:
    answer = msgspec.json.decode(body, type=OrderListAnswer)
    for report in answer.order_reports:
        assert isinstance(report.orig_qty, Decimal)
