"""oms.wire.decoding on the exact payloads of the official docs (specs/binance-notes.md) and on
hostile frames."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from oms.core.engine import Engine
from oms.core.ids import SequentialIds
from oms.errors import DecodeError
from oms.wire.decoding import decode_body, decode_user_data
from oms.wire.enums import ExecutionType, OrderStatus, OrderType, Side
from oms.wire.events import (
    BalanceUpdate,
    EventStreamTerminated,
    ExecutionReport,
    ExternalLockUpdate,
    ListStatus,
    OutboundAccountPosition,
    ServerShutdown,
    Unrecognised,
)
from oms.wire.rest import CancelResponse, NewOrderAck, NewOrderFull, QueryOrderResponse

from .payloads import Json, answer_json, body, execution_report_json, frame, query_json

D = Decimal

# user-data-stream.md, Order Update, verbatim.
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
    event = decode_user_data(frame(execution_report_json(q=0.12345678)))
    assert isinstance(event, ExecutionReport) and event.quantity == D("0.12345678")
    # ... and a float's spelling with more than 8 places is not an amount Binance writes.
    with pytest.raises(DecodeError) as err:
        decode_user_data(frame(execution_report_json(q=0.30000000000000004)))
    assert err.value.field == "$.q"


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


# Every amount key of an executionReport (user-data-stream.md, Order Update), the conditional ones
# included: the review of 2026-11-27 found P, F, Q and the STP/peg amounts unchecked (a NaN Q then
# crashed Engine.apply when adopting the order).
REPORT_AMOUNT_KEYS = ["q", "p", "P", "F", "l", "z", "L", "n", "Z", "Y", "Q"]
REPORT_AMOUNT_KEYS += ["A", "B", "pl", "pL", "pY", "gp"]


@pytest.mark.parametrize("key", REPORT_AMOUNT_KEYS)
@pytest.mark.parametrize("bad", ["NaN", "sNaN", "-Infinity", "-1", "100000000000000000000"])
@pytest.mark.parametrize("envelope", [True, False], ids=["enveloped", "bare"])
def test_every_report_amount_is_range_checked(key: str, bad: str, envelope: bool) -> None:
    raw = frame(execution_report_json(**{key: bad}), envelope=envelope)
    with pytest.raises(DecodeError) as info:
        decode_user_data(raw)
    assert info.value.field == f"$.{key}" and info.value.raw == raw


@pytest.mark.parametrize("key", REPORT_AMOUNT_KEYS)
@pytest.mark.parametrize("good", ["0.50000000", "-0", "0E-8", "99999999999999999999.99999999"])
def test_every_report_amount_decodes_when_valid(key: str, good: str) -> None:
    event = decode_user_data(frame(execution_report_json(**{key: good})))
    assert isinstance(event, ExecutionReport)
    values = {f.encode_name: getattr(event, f.name) for f in msgspec.structs.fields(event)}
    assert values[key] == Decimal(good)


def test_a_nan_quote_quantity_on_an_unknown_order_is_a_decode_error_not_a_crash() -> None:
    engine = Engine(clock=lambda: 0, new_client_order_id=SequentialIds())
    with pytest.raises(DecodeError):
        engine.apply(decode_user_data(frame(execution_report_json(c="x", i=5, Q="NaN"))))
    assert not engine.orders()


def test_deep_nesting_is_a_decode_error() -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    for raw in (
        b'{"e":"serverShutdown","E":1,"zz":' + nested + b"}",
        b'{"subscriptionId":0,"event":{"e":"serverShutdown","E":1,"zz":' + nested + b"}}",
        nested,
    ):
        with pytest.raises(DecodeError):
            decode_user_data(raw)
        with pytest.raises(DecodeError):
            decode_body(raw, QueryOrderResponse)


def test_nesting_near_the_recursion_limit_decodes_or_is_a_decode_error() -> None:
    # 1,000 levels: Python 3.11's recursion limit refuses them in msgspec's decoder, 3.12+
    # (a separate, higher C recursion limit) decodes them, skipping the unknown key. Either
    # is right; a RecursionError or any other exception escaping is not.
    nested = b"[" * 1_000 + b"]" * 1_000
    for raw in (
        b'{"e":"serverShutdown","E":1,"zz":' + nested + b"}",
        b'{"subscriptionId":0,"event":{"e":"serverShutdown","E":1,"zz":' + nested + b"}}",
    ):
        try:
            event = decode_user_data(raw)
        except DecodeError:
            continue
        assert isinstance(event, ServerShutdown)
        assert event.event_time == 1


def query_order_json(**over: str) -> Json:
    answer = answer_json(
        cid="q-1", order_id=7, order_type="LIMIT", tif="GTC", side="BUY", qty=D(1),
        price=D(100), executed=D(0), quote=D(0), status="NEW", time=1, fills=None,
    )  # fmt: skip
    return {**query_json(answer, update_time=2), **over}


def test_a_negative_quote_quantity_of_a_historical_order_decodes() -> None:
    # "Historical orders may show cummulativeQuoteQty < 0, meaning unavailable" (rest-api.md, New
    # order).
    raw = body(query_order_json(cummulativeQuoteQty="-1.00000000"))
    assert decode_body(raw, QueryOrderResponse).cummulative_quote_qty == Decimal(-1)
    for bad in ("NaN", "-Infinity", "-100000000000000000000"):
        with pytest.raises(DecodeError):
            decode_body(body(query_order_json(cummulativeQuoteQty=bad)), QueryOrderResponse)
    with pytest.raises(DecodeError):  # only that field: a negative price is still refused
        decode_body(body(query_order_json(price="-1.00000000")), QueryOrderResponse)


def test_a_bare_frame_with_an_event_key_is_decoded_as_the_bare_event() -> None:
    # Found by review: the envelope decode ignored the bare frame's own "e" and returned the
    # embedded "event", so the frame's NaN amount was never seen.
    payload = execution_report_json(q="NaN")
    payload["event"] = {"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "5", "T": 2}
    raw = frame(payload, envelope=False)
    with pytest.raises(DecodeError) as info:
        decode_user_data(raw)
    assert info.value.field == "$.q"
    payload = execution_report_json()
    payload["event"] = {"e": "balanceUpdate", "E": 1, "a": "BTC", "d": "5", "T": 2}
    assert isinstance(decode_user_data(frame(payload, envelope=False)), ExecutionReport)
