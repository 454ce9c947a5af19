"""Two review gaps: finding an order by ``C`` on a cancel report, and every conditional key.

1. On a cancel's executionReport ``c`` is the cancel request's own id and ``C`` the order's
   (rest-api.md, Cancel order, user-data-stream.md, Order Update). When the book has no exchange
   order id for the order (its WS NEW was lost), ``C`` is the only way to find it.
2. Every conditional executionReport key (user-data-stream.md, Conditional Fields in Execution
Report) decodes to exactly the value
   sent, and to None when absent. The list is derived from ``ExecutionReport`` itself, so a
   new conditional field without an example value fails instead of being skipped.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from oms.core.outputs import OrderAdopted
from oms.core.state import OrderState
from oms.wire.decoding import decode_user_data
from oms.wire.events import ExecutionReport

from .helpers import order_in, report
from .payloads import execution_report_json, frame, w

D = Decimal
S = OrderState


# --- 1. lookup by the original client id ``C`` ----------------------------------------------


def test_cancel_report_finds_a_pending_ack_order_by_its_original_client_id() -> None:
    # Sent, the WS NEW lost, then cancelled by origClientOrderId: the book has no order id.
    engine, order = order_in(S.PENDING_ACK)
    assert order.order_id is None
    assert engine.order_by_id("BTCUSDT", 1001) is None

    cid = order.client_order_id
    cancel = report(order, c="cancel-77", C=cid, i=1001, x="CANCELED", X="CANCELED")
    out = engine.apply(cancel)

    assert not [o for o in out if isinstance(o, OrderAdopted)], out
    orders = engine.orders()
    assert len(orders) == 1 and orders[0] is order
    assert order.state is S.CANCELED
    assert order.order_id == 1001
    assert engine.order_by_id("BTCUSDT", 1001) is order
    assert engine.order("cancel-77") is None  # the cancel's own id names no order


def test_cancel_report_for_an_unknown_order_is_adopted_under_its_original_client_id() -> None:
    engine, ours = order_in(S.PENDING_ACK)

    cancel = report(ours, c="cancel-78", C="ext-9", i=2002, x="CANCELED", X="CANCELED")
    out = engine.apply(cancel)

    adopted = [o for o in out if isinstance(o, OrderAdopted)]
    assert len(adopted) == 1, out
    # user-data-stream.md, Order Update: on a cancel, C is the order's own id.
    assert adopted[0].client_order_id == "ext-9"
    assert adopted[0].order_id == 2002
    assert adopted[0].state is S.CANCELED
    theirs = engine.order_by_id("BTCUSDT", 2002)
    assert theirs is not None and theirs is not ours
    assert theirs.client_order_id == "ext-9"
    assert theirs.state is S.CANCELED
    assert engine.order("ext-9") is theirs
    assert engine.order("cancel-78") is None
    assert len(engine.orders()) == 2
    assert ours.state is S.PENDING_ACK and ours.order_id is None  # untouched


# --- 2. conditional executionReport keys ----------------------------------------------------

# user-data-stream.md, Conditional Fields in Execution Report, every key of the table (the `v, A, B,
# ...` STP row split up).
DOC_CONDITIONAL_KEYS = frozenset(
    {"d", "D", "j", "J", "v", "A", "B", "u", "U", "Cs", "pl", "pL", "pY"}
    | {"W", "b", "a", "k", "uS", "gP", "gOT", "gOV", "gp", "eR"}
)

# One realistic wire value per conditional key: decimals as Binance writes them (8 places).
EXAMPLES: dict[str, Any] = {
    "W": 1_700_000_000_001,  # working time (ms)
    "d": 500,  # trailing delta (BIPS)
    "D": 1_700_000_000_002,  # trailing time (ms)
    "j": 1,  # strategyId
    "J": 1_000_000,  # strategyType (>= 1000000)
    "v": 3,  # preventedMatchId
    "A": w("0.50000000"),  # preventedQuantity
    "B": w("0.25000000"),  # lastPreventedQuantity
    "u": 1,  # tradeGroupId
    "U": 37,  # counterOrderId
    "Cs": "BTCUSDT",  # counterSymbol
    "pl": w("0.25000000"),  # prevented execution quantity
    "pL": w("100.12345678"),  # prevented execution price
    "pY": w("25.03086420"),  # prevented execution quote quantity
    "b": "ONE_PARTY_TRADE_REPORT",  # matchType
    "a": 1234,  # allocationId
    "k": "SOR",  # workingFloor
    "uS": True,  # usedSor
    "gP": "PRIMARY_PEG",  # peg price type
    "gOT": "PRICE_LEVEL",  # peg offset type
    "gOV": 1,  # peg offset value
    "gp": w("100.01000000"),  # pegged price
    "eR": "UNFILLED_IOC_QUANTITY_EXPIRED",  # expiry reason
}

CONDITIONAL = [f for f in msgspec.structs.fields(ExecutionReport) if f.default is None]


def _example(field: msgspec.structs.FieldInfo) -> Any:
    if field.encode_name not in EXAMPLES:
        pytest.fail(
            f"conditional ExecutionReport field {field.name!r} (wire key {field.encode_name!r})"
            " has no example value: add one to EXAMPLES in this file"
        )
    return EXAMPLES[field.encode_name]


def _expected(field: msgspec.structs.FieldInfo, wire: Any) -> Any:
    """What ``wire`` must decode to: a Decimal for Decimal fields, else the value itself."""
    if Decimal in typing.get_args(field.type):
        assert isinstance(wire, str), f"{field.encode_name}: a decimal travels as a string"
        return Decimal(wire)
    return wire


def test_conditional_fields_are_the_documented_ones() -> None:
    assert {f.encode_name for f in CONDITIONAL} == DOC_CONDITIONAL_KEYS
    assert set(EXAMPLES) == DOC_CONDITIONAL_KEYS  # no stale or missing example


@pytest.mark.parametrize("field", CONDITIONAL, ids=lambda f: f.encode_name)
def test_conditional_key_present_decodes_to_exactly_its_value(
    field: msgspec.structs.FieldInfo,
) -> None:
    wire = _example(field)
    expected = _expected(field, wire)
    event = decode_user_data(frame(execution_report_json(**{field.encode_name: wire})))
    assert isinstance(event, ExecutionReport)
    value = getattr(event, field.name)
    assert value == expected and type(value) is type(expected), (field.name, value)
    if isinstance(expected, Decimal):
        assert str(value) == wire  # the exponent too: no float on the way
    # Re-encoding keeps the key with the same wire value (events.py: omit_defaults).
    assert msgspec.json.decode(msgspec.json.encode(event))[field.encode_name] == wire


@pytest.mark.parametrize("field", CONDITIONAL, ids=lambda f: f.encode_name)
def test_conditional_key_absent_decodes_to_none(field: msgspec.structs.FieldInfo) -> None:
    _example(field)  # every conditional field must have an example
    payload = execution_report_json()
    payload.pop(field.encode_name, None)  # the base carries ``W``
    event = decode_user_data(frame(payload))
    assert isinstance(event, ExecutionReport)
    assert getattr(event, field.name) is None
    assert field.encode_name not in msgspec.json.decode(msgspec.json.encode(event))
