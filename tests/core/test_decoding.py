"""oms.decoding on the exact payloads of binance-spot-api.md and on hostile frames."""

from __future__ import annotations

from decimal import Decimal

import pytest

from oms.decoding import decode_body, decode_user_data
from oms.enums import ExecutionType, OrderStatus, OrderType, Side
from oms.errors import DecodeError
from oms.events import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
    Unrecognised,
)
from oms.rest import CancelResponse, NewOrderAck, NewOrderFull

from .payloads import execution_report_json, frame

D = Decimal

# binance-spot-api.md §5, verbatim.
DOC_REPORT = (
    b'{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC",'
    b'"c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000",'
    b'"p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW",'
    b'"r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0",'
    b'"N":null,"T":1499405658657,"t":-1,"v":3,"I":8641984,"w":true,"m":false,"M":false,'
    b'"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000",'
    b'"W":1499405658657,"V":"NONE"}}'
)
DOC_EVENTS = [
    (
        b'{"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,'
        b'"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"}]}}',
        OutboundAccountPosition,
    ),
    (
        b'{"subscriptionId":0,"event":{"e":"balanceUpdate","E":1573200697110,"a":"BTC",'
        b'"d":"100.00000000","T":1573200697068}}',
        BalanceUpdate,
    ),
    (
        b'{"subscriptionId":0,"event":{"e":"listStatus","E":1564035303637,"s":"ETHBTC","g":2,'
        b'"c":"OCO","l":"EXEC_STARTED","L":"EXECUTING","r":"NONE","C":"F4QN4G8DlFATFlIUQ0cjdD",'
        b'"T":1564035303625,"O":[{"s":"ETHBTC","i":17,"c":"AJYsMjErWJesZvqlJCTUgL"},'
        b'{"s":"ETHBTC","i":18,"c":"bfYPSQdLoqAJeNrOr9adzq"}]}}',
        ListStatus,
    ),
    (
        b'{"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1728973001334}}',
        EventStreamTerminated,
    ),
    (
        b'{"subscriptionId":0,"event":{"e":"externalLockUpdate","E":1581557507324,"a":"NEO",'
        b'"d":"10.00000000","T":1581557507268}}',
        ExternalLockUpdate,
    ),
]


def test_docs_execution_report() -> None:
    event = decode_user_data(DOC_REPORT)
    assert isinstance(event, ExecutionReport)
    assert (event.symbol, event.side, event.order_type) == ("ETHBTC", Side.BUY, OrderType.LIMIT)
    assert (event.execution_type, event.status) == (ExecutionType.NEW, OrderStatus.NEW)
    assert event.price == D("0.10264410") and event.commission_asset is None
    assert (event.order_id, event.trade_id, event.prevented_match_id) == (4293153, -1, 3)
    assert event.working_time == 1499405658657 and event.expiry_reason is None


@pytest.mark.parametrize(("raw", "kind"), DOC_EVENTS, ids=[k.__name__ for _, k in DOC_EVENTS])
def test_docs_events_bare_and_enveloped(raw: bytes, kind: type) -> None:
    assert isinstance(decode_user_data(raw), kind)
    bare = raw[raw.index(b'"event":') + 8 : -1]
    assert decode_user_data(bare) == decode_user_data(raw)


def test_docs_rest_answers() -> None:
    full = decode_body(
        b'{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP",'
        b'"transactTime":1507725176595,"price":"0.00000000","origQty":"10.00000000",'
        b'"executedQty":"10.00000000","origQuoteOrderQty":"0.000000","cummulativeQuoteQty":'
        b'"10.00000000","status":"FILLED","timeInForce":"GTC","type":"MARKET","side":"SELL",'
        b'"workingTime":1507725176595,"selfTradePreventionMode":"NONE","fills":[{"price":'
        b'"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT",'
        b'"tradeId":56}]}',
        NewOrderFull,
    )
    assert full.cummulative_quote_qty == D(10) and full.fills[0].trade_id == 56
    ack = decode_body(
        b'{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":'
        b'"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595}',
        NewOrderAck,
    )
    assert ack.order_id == 28
    cancel = decode_body(
        b'{"symbol":"LTCBTC","origClientOrderId":"myOrder1","orderId":4,"orderListId":-1,'
        b'"clientOrderId":"cancelMyOrder1","transactTime":1684804350068,"price":"2.00000000",'
        b'"origQty":"1.00000000","executedQty":"0.00000000","origQuoteOrderQty":"0.000000",'
        b'"cummulativeQuoteQty":"0.00000000","status":"CANCELED","timeInForce":"GTC",'
        b'"type":"LIMIT","side":"BUY","selfTradePreventionMode":"NONE"}',
        CancelResponse,
    )
    assert (cancel.orig_client_order_id, cancel.client_order_id) == ("myOrder1", "cancelMyOrder1")


def test_conditional_keys_are_decoded() -> None:
    raw = frame(
        execution_report_json(
            x="EXPIRED",
            X="EXPIRED",
            eR="UNFILLED_IOC_QUANTITY_EXPIRED",
            v=7,
            A="0.5",
            B="0.5",
            u=1,
            U=2,
            Cs="BTCUSDT",
            gP="PRIMARY_PEG",
        )
    )
    event = decode_user_data(raw)
    assert isinstance(event, ExecutionReport)
    assert event.expiry_reason == "UNFILLED_IOC_QUANTITY_EXPIRED"
    assert (event.prevented_quantity, event.counter_order_id) == (D("0.5"), 2)


def test_a_json_number_for_an_amount_is_taken_exactly_from_its_text() -> None:
    # Binance sends decimals as strings; a number is tolerated only because msgspec builds
    # the Decimal from the number's text, never through a float.
    event = decode_user_data(frame(execution_report_json(q=0.30000000000000004)))
    assert isinstance(event, ExecutionReport) and event.quantity == D("0.30000000000000004")


def test_unknown_event_type_is_unrecognised_with_the_raw_frame() -> None:
    raw = frame({"e": "somethingNew", "E": 1, "x": [1, 2]})
    event = decode_user_data(raw)
    assert isinstance(event, Unrecognised)
    assert (event.event_type, event.raw) == ("somethingNew", raw)


def _without(key: str) -> bytes:
    payload = execution_report_json()
    del payload[key]
    return frame(payload)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (_without("z"), "z"),
        (_without("X"), "X"),
        (frame(execution_report_json(i="12")), "i"),
        (frame(execution_report_json(X="NOT_A_STATUS")), "X"),
        (frame(execution_report_json(q=True)), "q"),
        (frame(execution_report_json(q={"v": "1"})), "q"),
        (frame(execution_report_json(z="NaN")), "z"),
        (frame(execution_report_json(l="-1")), "l"),
        (frame(execution_report_json(p="100000000000000000000")), "p"),
        (frame(execution_report_json(n="Infinity")), "n"),
        (frame({"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "sNaN", "T": 1}), "d"),
        (
            frame(
                {
                    "e": "outboundAccountPosition",
                    "E": 1,
                    "u": 1,
                    "B": [{"a": "BTC", "f": "-1", "l": "0"}],
                }
            ),
            "B",
        ),
    ],
)
def test_malformed_frames_name_the_field_and_keep_the_bytes(raw: bytes, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_user_data(raw)
    assert info.value.raw == raw
    assert info.value.field is not None and field in info.value.field


@pytest.mark.parametrize(
    "raw",
    [
        DOC_REPORT[:-20],
        DOC_REPORT[:1],
        b"",
        b"\xff\xfe{}",
        DOC_REPORT.replace(b"ETHBTC", b"\xc3\x28"),
    ],
    ids=["truncated", "one-byte", "empty", "bad-utf8-prefix", "bad-utf8-inside"],
)
def test_broken_json_is_one_clear_error(raw: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        decode_user_data(raw)
    assert info.value.raw == raw and str(info.value).startswith("cannot decode frame")


def test_body_decode_error_names_the_field() -> None:
    with pytest.raises(DecodeError) as info:
        decode_body(
            b'{"symbol":"X","orderId":"x","orderListId":-1,"clientOrderId":"a","transactTime":1}',
            NewOrderAck,
        )
    assert info.value.field == "$.orderId"
