"""Issue 12, item 5: the decoder's fast amount check agrees with the slow one.

``decode_user_data`` admits an executionReport or an outboundAccountPosition through a fast
inline check (one exact sum, one quantize) or, on any doubt, the slow per-field check
(``oms.wire.money.is_amount``). Whatever amounts a frame carries, the frame is admitted
exactly when every amount is admitted one by one."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from oms.errors import DecodeError
from oms.wire.decoding import decode_user_data
from oms.wire.money import is_amount

from .payloads import execution_report_json, frame, position_json

# Texts that probe every edge: 8 places and more, trailing zeros, exponents tiny and huge,
# signs, -0, NaN, infinities, the 10**20 bound.
_EDGES = [
    "0", "0.00000000", "-0", "-0.00000000", "0E-999999", "0E+50", "1E-999999", "1E+5",
    "0.00000001", "0.000000001", "1.000000000", "99999999999999999999.99999999",
    "100000000000000000000", "1E+20", "-0.00000001", "NaN", "Infinity", "-Infinity", "sNaN",
    "12345678901234567890.12345678", "0.1", "5",
]  # fmt: skip
_TEXT = st.one_of(
    st.sampled_from(_EDGES),
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.decimals(min_value=0, max_value=Decimal(10) ** 21).map(str),
)
_KEYS = ("q", "p", "l", "z", "L", "n", "Z", "Y")


def _admitted(texts: list[str]) -> bool:
    return all(is_amount(Decimal(t)) for t in texts)


def _decodes(raw: bytes) -> bool:
    try:
        decode_user_data(raw)
    except DecodeError:
        return False
    return True


@given(st.lists(_TEXT, min_size=8, max_size=8))
def test_the_execution_report_fast_check_agrees_with_the_slow_one(texts: list[str]) -> None:
    raw = frame(execution_report_json(**dict(zip(_KEYS, texts, strict=True))))
    assert _decodes(raw) == _admitted(texts)


@given(st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=3))
def test_the_position_fast_check_agrees_with_the_slow_one(rows: list[tuple[str, str]]) -> None:
    balances = {f"A{i}": pair for i, pair in enumerate(rows)}
    raw = frame(position_json(10, balances))
    assert _decodes(raw) == _admitted([t for pair in rows for t in pair])
